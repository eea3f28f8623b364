"""scdiag's Azure Container Apps provider: az capture readers, and live collection through Azure Monitor."""
