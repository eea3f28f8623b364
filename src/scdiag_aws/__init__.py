"""scdiag's AWS ECS provider: AWS CLI capture readers, and live collection through boto3."""
