"""Offline analysis: reading what cloud CLIs printed, and the generic readers."""
