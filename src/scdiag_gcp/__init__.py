"""scdiag's GCP Cloud Run provider: gcloud capture readers, and live collection through Cloud Logging and Cloud Run."""
