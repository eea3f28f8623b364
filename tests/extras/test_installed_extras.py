"""Whatever extras are installed, scdiag says honestly what each provider can do.

`nox -s tests_extra` runs this with one extra (or none) installed at a time.
"""

from __future__ import annotations

import json
from importlib.metadata import PackageNotFoundError, version

import pytest

from scdiag.cli import main
from scdiag.plugins import FIRST_PARTY_PROVIDERS


def _installed(distribution: str) -> bool:
    try:
        version(distribution)
    except PackageNotFoundError:
        return False
    return True


@pytest.mark.parametrize("provider", sorted(FIRST_PARTY_PROVIDERS))
def test_providers_lists_each_first_party_provider_truthfully(provider: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Installed ones are not 'not installed'; missing ones name their extra."""
    distribution, extra = FIRST_PARTY_PROVIDERS[provider]
    assert main(["providers", "--format", "json"]) == 0
    row = next(r for r in json.loads(capsys.readouterr().out)["providers"] if r["name"] == provider)
    if _installed(distribution):
        assert not row["status"].startswith("not installed")
    else:
        assert row["status"] == f"not installed: pip install 'simple-container-diagnostics[{extra}]'"


@pytest.mark.parametrize("provider", sorted(FIRST_PARTY_PROVIDERS))
def test_diagnosing_with_a_missing_provider_names_the_extra(provider: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Without the distribution, diagnose exits 2 with the pip command."""
    distribution, extra = FIRST_PARTY_PROVIDERS[provider]
    if _installed(distribution):
        pytest.skip(f"{distribution} is installed")
    assert main(["diagnose", "--provider", provider, "--service", "web"]) == 2
    assert f"pip install 'simple-container-diagnostics[{extra}]'" in capsys.readouterr().err
