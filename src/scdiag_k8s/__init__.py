"""scdiag's Kubernetes provider: kubectl capture readers, and live collection through the official client."""
