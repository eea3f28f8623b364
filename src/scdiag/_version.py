"""The version of the scdiag distributions (all five move together)."""

__version__ = "0.1.0"
