"""Every reader under hostile input: wrong types, nulls, truncation and flipped characters.

The seeds are the JSON captures shipped in examples/ and the corpus. A field
of the wrong type must cost only that field: every element the untouched
capture yields is still read. Truncation and flipped characters may cost
elements, but never an exception out of a reader. The budget is fixed
(derandomised, a set number of examples), so CI runs the same cases each time.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scdiag.app import DiagnosticOrchestrator
from scdiag.captures.collector import CaptureCollector
from scdiag.captures.pipeline import read_captures
from scdiag.config import config_from_mapping
from scdiag.models import InputRecord

ROOT = Path(__file__).resolve().parents[2]


def _is_json(path: Path) -> bool:
    try:
        json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return False
    return True


CAPTURES = sorted([*ROOT.glob("examples/*/*.json"), *ROOT.glob("tests/corpus/scenarios/*/*.json")])
SEEDS = [path for path in CAPTURES if _is_json(path)]
"""Captures that are one JSON document (others have CLI warnings before the JSON, or are JSON lines)."""
# Keys that say what a document is: a wrong one makes it another document, not a damaged one.
DISCRIMINATORS = {"kind", "apiVersion", "type"}
WRONG_VALUES = st.sampled_from(["x", "", 7, -1, 10**30, 1e300, True, None, [], [1, "a"], {}, {"a": {"b": 1}}, "9999-99-99T99:99:99Z", "99999-01-01T00:00:00Z"])
FUZZ = settings(max_examples=int(os.environ.get("SCDIAG_FUZZ_EXAMPLES", "150")), deadline=None, derandomize=not os.environ.get("SCDIAG_FUZZ_EXAMPLES"), suppress_health_check=list(HealthCheck), database=None)

ORCHESTRATOR = DiagnosticOrchestrator(config=config_from_mapping({"diagnostics": {"cache": {"enabled": False}}}))


def _read(path: Path) -> InputRecord:
    collector = CaptureCollector(ORCHESTRATOR.engine().log_matcher)  # type: ignore[attr-defined]
    data, _request = read_captures([str(path)], ORCHESTRATOR.host.capture_readers(), collector)
    (record,) = data.inputs
    return record


def _reader_failures(record: InputRecord) -> list[str]:
    """Problems that mean an exception escaped a reader (the pipeline's isolation seam caught it)."""
    return [problem for problem in record.problems if " failed: " in problem and "reader " in problem]


def _inner_paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every field that is not a list: a list is a field's elements, and a wrong value there is those elements' loss."""
    paths: list[tuple[Any, ...]] = []
    children = value.items() if isinstance(value, dict) else enumerate(value[:3]) if isinstance(value, list) else ()
    for key, child in children:
        child_path = (*path, key)
        if key not in DISCRIMINATORS and not isinstance(child, list):
            paths.append(child_path)
        paths.extend(_inner_paths(child, child_path))
    return paths


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, *rest = path
    copy: Any = dict(value) if isinstance(value, dict) else list(value)
    copy[head] = _replace(value[head], tuple(rest), new)
    return copy


def _without(value: Any, path: tuple[Any, ...]) -> Any:
    head, *rest = path
    copy: Any = dict(value) if isinstance(value, dict) else list(value)
    if rest:
        copy[head] = _without(value[head], tuple(rest))
    else:
        del copy[head]
    return copy


_BASELINES: dict[Path, tuple[Any, int]] = {}


def _baseline(seed: Path, tmp: Path) -> tuple[Any, int]:
    if seed not in _BASELINES:
        document = json.loads(seed.read_text(encoding="utf-8"))
        target = tmp / f"baseline-{seed.name}"
        target.write_text(json.dumps(document, indent=2))
        _BASELINES[seed] = (document, _read(target).items)
    return _BASELINES[seed]


@pytest.fixture(scope="module", name="work")
def _work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@FUZZ
@given(data=st.data())
def test_a_wrong_typed_field_costs_only_that_field(work: Path, data: st.DataObject) -> None:
    """Whatever field gets whatever wrong value, no reader fails and every other element is still read."""
    seed = data.draw(st.sampled_from(SEEDS), label="seed")
    document, items = _baseline(seed, work)
    paths = _inner_paths(document)
    if not paths or items == 0:
        return
    path = data.draw(st.sampled_from(paths), label="path")
    wrong = data.draw(WRONG_VALUES, label="value")
    target = work / seed.name
    target.write_text(json.dumps(_replace(document, path, wrong), indent=2))
    record = _read(target)
    assert _reader_failures(record) == []
    if isinstance(path[-1], int):
        # A list item replaced wholesale may be an element (a metric series, a log event): it may cost what removing it costs.
        target.write_text(json.dumps(_without(document, path), indent=2))
        items = _read(target).items
    assert record.items >= items, f"{seed.relative_to(ROOT)}: {path} = {wrong!r} lost elements: {record.problems}"


@FUZZ
@given(data=st.data())
def test_truncated_or_flipped_text_never_escapes_a_reader(work: Path, data: st.DataObject) -> None:
    """A capture cut anywhere or with characters changed is read as far as it goes, or refused in one line."""
    seed = data.draw(st.sampled_from(CAPTURES), label="seed")
    text = seed.read_text(encoding="utf-8")
    cut = data.draw(st.integers(min_value=1, max_value=len(text)), label="cut")
    flips = data.draw(st.lists(st.tuples(st.integers(min_value=0, max_value=cut - 1), st.sampled_from('{}[]",:0a\\\n\x00é')), max_size=3), label="flips")
    chars = list(text[:cut])
    for position, char in flips:
        chars[position] = char
    target = work / seed.name
    target.write_text("".join(chars), encoding="utf-8")
    assert _reader_failures(_read(target)) == []
