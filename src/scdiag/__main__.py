"""``python -m scdiag``."""

from scdiag.cli import run

run()
