"""The public surface of `import scdiag`."""

from __future__ import annotations

import subprocess
import sys

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


def test_analyze_captures_takes_one_path_as_one_path() -> None:
    """A single string is a path, not a sequence of one-character paths (which would include "/")."""
    from pathlib import Path

    example = Path(__file__).resolve().parents[2] / "examples" / "k8s-oom-kill"
    result = scdiag.analyze_captures(str(example))
    assert result.root_cause is not None and result.root_cause.pattern_id == "container-oom-kill"
    paths = {Path(record.path).name for record in result.data.inputs}  # type: ignore[union-attr]
    assert paths == {p.name for p in example.iterdir()}
