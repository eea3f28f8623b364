"""Large JSON log captures are read element by element."""

from __future__ import annotations

import io
import json

import pytest

from scdiag.captures import jsontext
from scdiag.captures.jsontext import ArrayStream

DOC = json.dumps({"events": [{"message": f"line {i}", "timestamp": i} for i in range(50)], "searchedLogStreams": []}, indent=4)


@pytest.fixture(autouse=True, params=[0, 50], ids=["decoded-at-the-window-end", "read-ahead"])
def _small_chunks(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    """Chunks of 37 characters: elements always straddle a chunk boundary, and are either decoded there
    (failing, then read again with the next chunk) or read ahead of it."""
    monkeypatch.setattr(jsontext, "_ARRAY_CHUNK", 37)
    monkeypatch.setattr(jsontext, "_DECODE_AHEAD", request.param)


def test_every_element_is_read_with_its_line() -> None:
    """All elements, each with the line it starts on."""
    items = list(ArrayStream(io.StringIO(DOC), key="events"))
    assert [value["message"] for _line, value in items] == [f"line {i}" for i in range(50)]
    assert items[0][0] == 3 and items[1][0] == 7


def test_a_cut_array_yields_the_whole_elements_before_the_cut() -> None:
    """Truncated text: elements before the cut, and the stream says it was cut."""
    array = ArrayStream(io.StringIO(DOC[: DOC.index('"line 20"')]), key="events")
    assert len(list(array)) == 20 and array.truncated


def test_warning_lines_before_a_top_level_array_are_counted() -> None:
    """gcloud's warnings before the list are skipped and counted."""
    array = ArrayStream(io.StringIO("WARNING: slow\n" + json.dumps([{"a": 1}, {"a": 2}])))
    assert [v["a"] for _l, v in array] == [1, 2] and array.skipped_prefix_lines == 1


def test_no_array_means_nothing_found() -> None:
    """Text without the array yields nothing and says so."""
    array = ArrayStream(io.StringIO('{"other": 1}'), key="events")
    assert list(array) == [] and not array.found


@pytest.mark.parametrize("indent", [4, None], ids=["pretty", "compact"])
def test_a_malformed_element_is_skipped_and_the_rest_are_read(indent: int | None) -> None:
    """One element with a broken string costs that element; the 49 after and before it are read, and its line is kept."""
    text = json.dumps({"events": [{"message": f"line {i}", "timestamp": i} for i in range(50)]}, indent=indent)
    broken = text.replace('"line 20"', '"line 20', 1)
    array = ArrayStream(io.StringIO(broken), key="events")
    messages = [value["message"] for _line, value in array]
    assert messages == [f"line {i}" for i in range(50) if i != 20]
    assert not array.truncated and len(array.malformed) == 1
    if indent:
        assert array.malformed == [broken[: broken.index('"line 20')].count("\n")]


def test_a_malformed_last_element_is_a_cut_not_a_skip() -> None:
    """Nothing after it to resume at: the stream reports the text as cut after the whole elements."""
    text = json.dumps({"events": [{"message": f"line {i}"} for i in range(5)]}, indent=4)
    array = ArrayStream(io.StringIO(text[: text.index('"line 4"') + 4]), key="events")
    assert len(list(array)) == 4 and array.truncated and array.malformed == []


_SEPARATORS = [",\n    ", ",\n    ", ", ", ",\n\n    ", ",\n  ", ",\n    ", ",\n    ", ",\t", ",\n    "]


@pytest.mark.parametrize("chunk", [37, 1 << 20], ids=["small-chunks", "one-chunk"])
def test_elements_keep_their_lines_whatever_separates_them(monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    """Separators that change from one element to the next (a hand-edited export) shift no line."""
    monkeypatch.setattr(jsontext, "_ARRAY_CHUNK", chunk)
    elements = [json.dumps({"message": f"line {i}", "n": i}, indent=2 if i % 3 else None) for i in range(60)]
    text = "[\n    " + elements[0]
    starts = [text.count("\n") + 1]
    for i, element in enumerate(elements[1:]):
        text += _SEPARATORS[i % len(_SEPARATORS)]
        starts.append(text.count("\n") + 1)
        text += element
    text += "\n]\n"
    items = list(ArrayStream(io.StringIO(text)))
    assert [value["n"] for _line, value in items] == list(range(60))
    assert [line for line, _value in items] == starts
