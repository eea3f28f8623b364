"""A paste is cut into its renderings, framing removed and line numbers kept."""

from __future__ import annotations

import json

import pytest

from scdiag.captures.paste import segment_sources, split_paste

DESCRIBE = "Name:         web-1\nNamespace:    shop\nStatus:       Running\n"
POD_JSON = json.dumps({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web-1"}}, indent=2)


def _texts(text: str) -> list[str]:
    return [segment.text.strip() for segment in split_paste(text)]


def test_prompt_lines_separate_two_outputs() -> None:
    """`$ kubectl ...` starts a new rendering and is not part of either."""
    paste = f"$ kubectl describe pod web-1\n{DESCRIBE}$ kubectl logs web-1\nError: connect ECONNREFUSED\n"
    assert _texts(paste) == [DESCRIBE.strip(), "Error: connect ECONNREFUSED"]


def test_markdown_fences_are_removed() -> None:
    """A fenced block reads as its content."""
    assert _texts(f"```console\n{DESCRIBE}```\n") == [DESCRIBE.strip()]


def test_a_stdout_label_above_an_output_is_dropped() -> None:
    """`stdout:` alone on a line is framing, not content."""
    assert _texts(f"stdout:\n{DESCRIBE}") == [DESCRIBE.strip()]


def test_colour_codes_are_stripped() -> None:
    """ANSI colour codes do not reach the readers."""
    assert _texts("\x1b[31mError:\x1b[0m image not found\n") == ["Error: image not found"]


def test_a_stray_quote_before_the_first_line_is_dropped() -> None:
    """Output pasted out of a JSON string keeps its opening quote; readers never see it."""
    assert _texts(f' "{DESCRIBE}') == [DESCRIBE.strip()]


def test_concatenated_json_documents_are_cut_apart() -> None:
    """Two pretty-printed documents and a log after them: three renderings."""
    texts = _texts(f"{POD_JSON}\n{POD_JSON}\nlistening on :8080\n")
    assert [json.loads(t) for t in texts[:2]] == [json.loads(POD_JSON)] * 2
    assert texts[2] == "listening on :8080"


def test_json_lines_stay_one_rendering() -> None:
    """One JSON document per line is a JSON-lines log, not many documents."""
    lines = "\n".join(json.dumps({"msg": f"line {n}"}) for n in range(5))
    assert len(split_paste(lines + "\n")) == 1


def test_yaml_is_offered_as_the_json_it_denotes() -> None:
    """`-o yaml` output becomes the same document as `-o json`."""
    (segment,) = split_paste("apiVersion: v1\nkind: Pod\nmetadata:\n  name: web-1\n")
    assert segment.as_json is not None and json.loads(segment.as_json) == json.loads(POD_JSON)


def test_several_yaml_documents_become_an_array() -> None:
    """`---`-separated YAML documents are one array, in order."""
    (segment,) = split_paste("kind: Pod\nmetadata: {name: a}\n---\nkind: Pod\nmetadata: {name: b}\n")
    assert segment.as_json is not None
    assert [item["metadata"]["name"] for item in json.loads(segment.as_json)] == ["a", "b"]


def test_describe_text_is_kept_as_text_even_when_yaml_could_parse_it() -> None:
    """The original text always stays a rendering: its own reader may know it better."""
    (segment,) = split_paste(DESCRIBE)
    assert segment.text.strip() == DESCRIBE.strip()


def test_line_numbers_are_the_inputs() -> None:
    """A reader reading the second rendering counts lines from the top of the input."""
    paste = f"$ kubectl describe pod web-1\n{DESCRIBE}$ kubectl logs web-1\nError: connect ECONNREFUSED\n"
    second = split_paste(paste)[1]
    source = segment_sources("paste.txt", second)[0]
    with source.open() as stream:
        lines = stream.read().split("\n")
    assert lines.index("Error: connect ECONNREFUSED") + 1 == 6


def test_a_tab_separated_table_is_offered_as_rows() -> None:
    """Query results copied from a portal grid: one JSON object per row, keyed by the header."""
    (segment,) = split_paste("TimeGenerated\tContainerAppName_s\tLog_s\n2026-11-20T14:00:00Z\tweb\tlistening on 8080\n")
    assert segment.as_json is not None
    assert json.loads(segment.as_json) == [{"TimeGenerated": "2026-11-20T14:00:00Z", "ContainerAppName_s": "web", "Log_s": "listening on 8080"}]


def test_a_csv_export_is_offered_as_rows() -> None:
    """An exported CSV, quoted cells included."""
    (segment,) = split_paste('TimeGenerated,Reason_s,Log_s\n2026-11-20T14:00:00Z,Error,"pull failed, retrying"\n')
    assert segment.as_json is not None and json.loads(segment.as_json)[0]["Log_s"] == "pull failed, retrying"


def test_prose_with_commas_is_not_a_table() -> None:
    """Ordinary lines with commas stay text only."""
    (segment,) = split_paste("Starting server, please wait\nListening on port 8080, ready\n")
    assert segment.as_json is None


@pytest.mark.parametrize(
    "framing",
    ["\t$ kubectl logs web-1", "\r$ kubectl logs web-1", "PS C:\\Users\\dev> az containerapp logs show -n web", "  ```console", "\f~~~", "  STDOUT :"],
    ids=["tab before a prompt", "carriage return before a prompt", "powershell prompt", "indented fence", "form feed before a fence", "indented label"],
)
def test_framing_after_the_first_line_ends_a_rendering(framing: str) -> None:
    """Framing is found wherever it is, however it is indented, and is no part of either rendering."""
    assert _texts(f"{DESCRIBE}{framing}\nError: connect ECONNREFUSED\n") == [DESCRIBE.strip(), "Error: connect ECONNREFUSED"]


def test_framing_words_inside_a_line_are_content() -> None:
    """A prompt sign, a fence or a label word after a line's start is the line's text."""
    text = "INFO run $ kubectl get pods\nINFO wrote ``` to README\nINFO stdout: closed\n"
    assert _texts(text) == [text.strip()]


@pytest.mark.parametrize("indent", ["", "  ", "\t"], ids=["at the line start", "indented by spaces", "indented by a tab"])
def test_a_json_document_after_a_longer_text_is_a_rendering_of_its_own(indent: str) -> None:
    """Text of more than a few lines before a pretty-printed document is cut from it, at the line the document opens on."""
    log = "\n".join(f"line {n}" for n in range(5))
    document = "\n".join(indent + line for line in POD_JSON.split("\n"))
    segments = split_paste(f"{log}\n{document}\n")
    assert [segment.first_line for segment in segments] == [1, 6]
    assert json.loads(segments[1].text) == json.loads(POD_JSON)


def test_a_header_alone_is_no_table() -> None:
    """A comma-separated line with nothing under it stays text."""
    (segment,) = split_paste("TimeGenerated,Reason_s,Log_s\n")
    assert segment.as_json is None
