"""The five distributions build, install with only their own SDK, and find their plugins.

These tests build wheels and install them into fresh virtualenvs with pip
(dependencies come from the package index), so they take a minute or two.
"""

from __future__ import annotations

import json
import subprocess
import sys
import venv
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROJECTS = [ROOT, *(ROOT / "dists" / name for name in ("scdiag-aws", "scdiag-gcp", "scdiag-k8s", "scdiag-azure"))]
EXAMPLE_PLUGIN = ROOT / "docs" / "examples" / "scdiag-example-plugin"

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


def _run(*args: str | Path, cwd: Path | None = None) -> str:
    done = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, args))} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


@pytest.fixture(scope="module", name="dist")
def _dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Wheels and sdists of the five distributions and of the example plugin."""
    out = tmp_path_factory.mktemp("dist")
    for project in [*PROJECTS, EXAMPLE_PLUGIN]:
        _run(sys.executable, "-m", "build", "--no-isolation", "--outdir", out, project)
    return out


@pytest.fixture(scope="module", name="aws_env")
def _aws_env(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh virtualenv with `pip install --find-links dist 'scdiag[aws]'`."""
    home = tmp_path_factory.mktemp("venv-aws")
    venv.create(home, with_pip=True)
    python = home / "bin" / "python"
    # An unrelated project also publishes a "scdiag" 0.1.0 on the package index; the
    # local wheels go in first so that the resolution below cannot pick that one.
    _run(python, "-m", "pip", "install", "-q", "--no-index", "--no-deps", "--find-links", dist, "scdiag==0.1.0", "scdiag-aws==0.1.0")
    _run(python, "-m", "pip", "install", "-q", "--find-links", dist, "scdiag[aws]")
    yield home


def test_all_five_distributions_build_a_wheel_and_an_sdist(dist: Path) -> None:
    """scdiag, scdiag-aws, -gcp, -k8s and -azure each give one wheel and one sdist."""
    for name in ("scdiag", "scdiag_aws", "scdiag_gcp", "scdiag_k8s", "scdiag_azure"):
        assert len(list(dist.glob(f"{name}-0.1.0-py3*.whl"))) == 1, name
        assert len(list(dist.glob(f"{name}-0.1.0.tar.gz"))) == 1, name


def test_the_core_wheel_holds_only_the_core(dist: Path) -> None:
    """The scdiag wheel ships src/scdiag and none of the adapters."""
    import zipfile

    (wheel,) = dist.glob("scdiag-0.1.0-*.whl")
    tops = {name.split("/")[0] for name in zipfile.ZipFile(wheel).namelist()}
    assert "scdiag" in tops
    assert not tops & {"scdiag_aws", "scdiag_gcp", "scdiag_k8s", "scdiag_azure"}


def test_the_aws_extra_installs_boto3_and_no_other_cloud_sdk(aws_env: Path) -> None:
    """Only the SDK of the chosen provider is installed."""
    installed = {row["name"].lower() for row in json.loads(_run(aws_env / "bin" / "python", "-m", "pip", "list", "--format", "json"))}
    assert {"scdiag", "scdiag-aws", "boto3"} <= installed
    assert not {name for name in installed if name.startswith(("kubernetes", "google-cloud", "azure-", "scdiag-gcp", "scdiag-k8s", "scdiag-azure"))}


def test_providers_shows_aws_installed_and_the_others_with_their_install_hint(aws_env: Path) -> None:
    """`scdiag providers` is honest about what is there."""
    rows = {row["name"]: row for row in json.loads(_run(aws_env / "bin" / "scdiag", "providers", "--format", "json"))["providers"]}
    assert rows["aws"]["distribution"] == "scdiag-aws" and rows["aws"]["version"] == "0.1.0"
    assert not rows["aws"]["status"].startswith("not installed")
    assert rows["gcp"]["status"] == "not installed: pip install 'scdiag[gcp]'"
    assert rows["kubernetes"]["status"] == "not installed: pip install 'scdiag[k8s]'"
    assert rows["azure"]["status"] == "not installed: pip install 'scdiag[azure]'"


def test_a_separately_built_third_party_plugin_is_discovered(aws_env: Path, dist: Path, tmp_path: Path) -> None:
    """The example plugin's provider, pattern and format all work once pip-installed."""
    _run(aws_env / "bin" / "python", "-m", "pip", "install", "-q", "--no-deps", "--find-links", dist, "scdiag-example-plugin")
    rows = {row["name"]: row for row in json.loads(_run(aws_env / "bin" / "scdiag", "providers", "--format", "json"))["providers"]}
    assert rows["example"]["live"] is True
    assert rows["example"]["status"] == "available"
    patterns = json.loads(_run(aws_env / "bin" / "scdiag", "patterns", "--format", "json"))
    assert "example-license-expired" in {p["id"] for p in patterns}
    out = _run(aws_env / "bin" / "scdiag", "diagnose", "--provider", "example", "--service", "shop", "--format", "oneline", cwd=tmp_path)
    assert out.startswith("FAILED example-license-expired")
