"""An example scdiag plugin: how a third party adds a provider, a pattern and a format."""
