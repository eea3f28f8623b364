"""One version for the five distributions: src/scdiag/_version.py, which every pin and adapter repeats exactly."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from scdiag._version import DISTRIBUTION, __version__

ROOT = Path(__file__).resolve().parents[2]
ADAPTERS = ("scdiag-aws", "scdiag-gcp", "scdiag-k8s", "scdiag-azure")


def _project(path: Path) -> dict:  # type: ignore[type-arg]
    return tomllib.loads(path.read_text(encoding="utf-8"))["project"]  # type: ignore[no-any-return]


def test_the_core_reads_its_version_from_the_module() -> None:
    """The core's metadata version is dynamic, from _version.py."""
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert data["project"]["name"] == DISTRIBUTION and "version" in data["project"]["dynamic"]
    assert data["tool"]["hatch"]["version"]["path"] == "src/scdiag/_version.py"


def test_every_extra_pins_the_adapters_at_the_core_version() -> None:
    """simple-container-diagnostics[aws] installs scdiag-aws of the same version."""
    extras = _project(ROOT / "pyproject.toml")["optional-dependencies"]
    # Only the adapters are ours to pin; an extra may also name a library (fast: Hyperscan).
    pins = [pin for group in extras.values() for pin in group if pin.startswith("scdiag-")]
    assert {pin.split("==")[0] for pin in pins} == set(ADAPTERS)
    assert all(pin.endswith(f"=={__version__}") for pin in pins), pins


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_each_adapter_has_the_core_version_and_pins_the_core_to_it(adapter: str) -> None:
    """An adapter never runs against another core version than the one it was released with."""
    project = _project(ROOT / "dists" / adapter / "pyproject.toml")
    assert project["version"] == __version__
    assert f"{DISTRIBUTION}=={__version__}" in project["dependencies"]
