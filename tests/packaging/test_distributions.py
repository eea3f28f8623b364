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
    """A fresh virtualenv with the README's `pip install --find-links dist 'simple-container-diagnostics[aws]'`.

    The package index stays enabled, as on a user's machine: an unrelated
    project owns the name "scdiag" there, and the install must not pick it.
    """
    home = tmp_path_factory.mktemp("venv-aws")
    venv.create(home, with_pip=True)
    python = home / "bin" / "python"
    _run(python, "-m", "pip", "install", "-q", "--find-links", dist, "simple-container-diagnostics[aws]")
    yield home


def test_all_five_distributions_build_a_wheel_and_an_sdist(dist: Path) -> None:
    """simple-container-diagnostics, scdiag-aws, -gcp, -k8s and -azure each give one wheel and one sdist."""
    for name in ("simple_container_diagnostics", "scdiag_aws", "scdiag_gcp", "scdiag_k8s", "scdiag_azure"):
        assert len(list(dist.glob(f"{name}-0.1.0-py3*.whl"))) == 1, name
        assert len(list(dist.glob(f"{name}-0.1.0.tar.gz"))) == 1, name


def test_the_core_wheel_holds_only_the_core(dist: Path) -> None:
    """The core wheel ships src/scdiag and none of the adapters."""
    import zipfile

    (wheel,) = dist.glob("simple_container_diagnostics-0.1.0-*.whl")
    tops = {name.split("/")[0] for name in zipfile.ZipFile(wheel).namelist()}
    assert "scdiag" in tops
    assert not tops & {"scdiag_aws", "scdiag_gcp", "scdiag_k8s", "scdiag_azure"}


def test_the_aws_extra_installs_boto3_and_no_other_cloud_sdk(aws_env: Path) -> None:
    """Only the SDK of the chosen provider is installed."""
    installed = {row["name"].lower() for row in json.loads(_run(aws_env / "bin" / "python", "-m", "pip", "list", "--format", "json"))}
    assert {"simple-container-diagnostics", "scdiag-aws", "boto3"} <= installed
    assert "scdiag" not in installed  # the unrelated project of that name
    assert not {name for name in installed if name.startswith(("kubernetes", "google-cloud", "azure-", "scdiag-gcp", "scdiag-k8s", "scdiag-azure"))}


def test_providers_shows_aws_installed_and_the_others_with_their_install_hint(aws_env: Path) -> None:
    """`scdiag providers` is honest about what is there."""
    rows = {row["name"]: row for row in json.loads(_run(aws_env / "bin" / "scdiag", "providers", "--format", "json"))["providers"]}
    assert rows["aws"]["distribution"] == "scdiag-aws" and rows["aws"]["version"] == "0.1.0"
    assert not rows["aws"]["status"].startswith("not installed")
    assert rows["gcp"]["status"] == "not installed: pip install 'simple-container-diagnostics[gcp]'"
    assert rows["kubernetes"]["status"] == "not installed: pip install 'simple-container-diagnostics[k8s]'"
    assert rows["azure"]["status"] == "not installed: pip install 'simple-container-diagnostics[azure]'"


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


def test_every_wheel_is_typed_and_licensed(dist: Path) -> None:
    """py.typed for type checkers, the Apache-2.0 licence file and metadata, and project URLs."""
    import zipfile

    for wheel in dist.glob("*-0.1.0-py3*.whl"):
        if wheel.name.startswith("scdiag_example"):
            continue
        names = zipfile.ZipFile(wheel).namelist()
        package = "scdiag" if wheel.name.startswith("simple_container") else wheel.name.split("-")[0]
        assert f"{package}/py.typed" in names, wheel.name
        assert any(n.endswith("licenses/LICENSE") for n in names), wheel.name
        metadata = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("METADATA"))).decode()
        assert "License-Expression: Apache-2.0" in metadata, wheel.name
        assert "Project-URL: Simple Container, https://github.com/simple-container-com/api" in metadata, wheel.name


def test_a_consumer_type_checks_against_the_installed_wheel(aws_env: Path, tmp_path: Path) -> None:
    """mypy --strict on code that imports scdiag sees its types (py.typed), not Any."""
    _run(aws_env / "bin" / "python", "-m", "pip", "install", "-q", "mypy")
    consumer = tmp_path / "consumer.py"
    consumer.write_text(
        "import scdiag\n"
        "def cause(result: scdiag.DiagnosticResult) -> str:\n"
        "    return result.root_cause.pattern_id if result.root_cause else 'none'\n"
        "wrong: int = scdiag.DiagnosticRequest(provider='aws', service_name='web').service_name\n"
    )
    done = subprocess.run([str(aws_env / "bin" / "python"), "-m", "mypy", "--strict", str(consumer)], capture_output=True, text=True, cwd=tmp_path)
    # The one wrong line is caught, which only happens when the package's types are read.
    assert 'Incompatible types in assignment (expression has type "str", variable has type "int")' in done.stdout, done.stdout
    assert done.stdout.count("error:") == 1, done.stdout
