"""The frozen part stays as it was written: a changed, added or removed scenario fails here.

The scenarios under tests/corpus/frozen were written from the platforms' and
runtimes' documentation (each label names its source) and are never used to
write or widen a pattern; `nox -s eval` reports accuracy and calibration on
them. This test pins them to MANIFEST.sha256.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).parent))

from frozen_manifest import FROZEN, current, recorded  # noqa: E402

LABEL_KEYS = {"expected", "provider", "runtime", "failure_class", "source", "description"}


def test_every_frozen_scenario_is_exactly_as_recorded() -> None:
    """Same names, same bytes: editing a frozen scenario (or adding one without recording it) fails."""
    assert current() == recorded()


@pytest.mark.parametrize("scenario", sorted(d.name for d in FROZEN.iterdir() if d.is_dir()))
def test_every_frozen_label_names_its_class_runtime_and_source(scenario: str) -> None:
    """The report breaks accuracy down by cloud, runtime and class, and each scenario says where its wording comes from."""
    label = yaml.safe_load((FROZEN / scenario / "label.yaml").read_text(encoding="utf-8"))
    assert set(label) == LABEL_KEYS
    assert str(label["source"]).startswith("https://")
