"""The version of the scdiag distributions (all five move together), and the core's name on the package index."""

__version__ = "0.1.0"

DISTRIBUTION = "simple-container-diagnostics"
"""The core distribution: ``pip install 'simple-container-diagnostics[aws]'`` (import and command: ``scdiag``)."""


def install_hint(extra: str) -> str:
    """The command that installs the extra ``extra`` (``aws``, ``gcp``, ``k8s``, ``azure``, ``all``)."""
    return f"pip install '{DISTRIBUTION}[{extra}]'"
