"""The public surface of `import scdiag`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import scdiag


def test_all_is_sorted_and_complete() -> None:
    """__all__ is sorted and every name in it resolves."""
    assert scdiag.__all__ == sorted(scdiag.__all__)
    for name in scdiag.__all__:
        assert getattr(scdiag, name) is not None


def test_importing_scdiag_imports_no_cloud_sdk_and_no_plugin() -> None:
    """A fresh interpreter importing scdiag leaves every SDK and adapter unimported."""
    code = (
        "import sys, scdiag\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('boto3','botocore','kubernetes','google','azure','scdiag_aws','scdiag_gcp','scdiag_k8s','scdiag_azure','rich','re2')]\n"
        "print(','.join(sorted(bad)))\n"
    )
    output = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.strip()
    assert output == ""


def test_lazy_names_load_on_first_use() -> None:
    """diagnose, load_config and the orchestrator are reachable from the package."""
    assert callable(scdiag.diagnose)
    assert callable(scdiag.analyze_captures)
    assert scdiag.load_config(None) == scdiag.DiagnosticsConfig()


def test_analyze_captures_takes_one_path_as_one_path(tmp_path: Path) -> None:
    """A single string is a path, not a sequence of one-character paths (which would include "/").

    A plain log, which the core reads with no provider extra installed (``nox -s tests_extra``).
    """
    (tmp_path / "app.log").write_text("starting\nError: listen EADDRINUSE: address already in use :::8080\n")
    (tmp_path / "other.log").write_text("GET /health 200\n")
    result = scdiag.analyze_captures(str(tmp_path))
    assert result.root_cause is not None and result.root_cause.pattern_id == "container-port-binding-failure"
    assert {Path(record.path).name for record in result.data.inputs} == {"app.log", "other.log"}  # type: ignore[union-attr]


def test_one_shot_calls_share_one_orchestrator_per_configuration() -> None:
    """Plugins and the knowledge base load once per configuration, not once per call."""
    from scdiag import api
    from scdiag.config import DiagnosticsConfig, config_from_mapping

    first = api._orchestrator(DiagnosticsConfig())
    assert api._orchestrator(DiagnosticsConfig()) is first
    other = api._orchestrator(config_from_mapping({"diagnostics": {"analysis": {"confidence_threshold": 0.8}}}))
    assert other is not first and other.config.analysis.confidence_threshold == 0.8


def test_a_changed_pattern_file_rebuilds_the_orchestrator() -> None:
    """A pattern file touched since the knowledge base was loaded: the next call loads it again."""
    import os

    from scdiag import api
    from scdiag._builtin import PATTERN_DIRECTORY
    from scdiag.config import DiagnosticsConfig

    first = api._orchestrator(DiagnosticsConfig())
    path = sorted(PATTERN_DIRECTORY.glob("*.yaml"))[0]
    before = path.stat()
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))
    try:
        assert api._orchestrator(DiagnosticsConfig()) is not first
    finally:
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
