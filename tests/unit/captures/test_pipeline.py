"""Offline analysis survives what people really paste, and says what it did."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import pytest

from scdiag.app import DiagnosticOrchestrator
from scdiag.captures.collector import CaptureCollector
from scdiag.captures.pipeline import CaptureOverrides, read_captures
from scdiag.models import DiagnosticData

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "k8s-oom-kill"


@pytest.fixture(scope="module", name="orchestrator")
def _orchestrator() -> DiagnosticOrchestrator:
    return DiagnosticOrchestrator()


@pytest.fixture(name="read")
def _read(orchestrator: DiagnosticOrchestrator):  # type: ignore[no-untyped-def]
    def read(*paths: Path | str, **overrides: object) -> DiagnosticData:
        collector = CaptureCollector(orchestrator.engine().log_matcher)  # type: ignore[attr-defined]
        data, _request = read_captures([str(p) for p in paths], orchestrator.host.capture_readers(), collector, CaptureOverrides(**overrides))  # type: ignore[arg-type]
        return data

    return read


def _pods_json() -> str:
    return (EXAMPLE / "pods.json").read_text(encoding="utf-8")


def test_every_input_records_the_reader_that_took_it(read) -> None:  # type: ignore[no-untyped-def]
    """Each file of the example names its reader."""
    data = read(EXAMPLE)
    readers = {Path(r.path).name: r.reader for r in data.inputs}
    assert readers == {"deployment.json": "kubectl-get-json", "events.json": "kubectl-get-json", "pods.json": "kubectl-get-json", "orders-api-previous.log": "plain-log-text"}


def test_the_format_is_detected_from_content_not_the_file_name(read, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """kubectl JSON saved as notes.txt is still read as kubectl JSON."""
    target = tmp_path / "notes.txt"
    target.write_text(_pods_json())
    (record,) = read(target).inputs
    assert record.reader == "kubectl-get-json"


def test_warning_lines_before_the_json_are_skipped_and_said(read, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A CLI's warnings before the JSON do not stop the read."""
    target = tmp_path / "pods.json"
    target.write_text("W1120 14:02:11.123  warnings.go:70] v1 ComponentStatus is deprecated\n" + _pods_json())
    data = read(target)
    assert data.status is not None and len(data.status.instances) == 2
    assert any("skipped 1 line(s) before the JSON" in p for p in data.inputs[0].problems)


def test_truncated_json_keeps_the_complete_objects(read, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A paste cut in the middle of the second pod still yields the first."""
    text = _pods_json()
    target = tmp_path / "pods.json"
    target.write_text(text[: text.index('"orders-api-5d4b8f7c9-mz7wn"') + 10])
    data = read(target)
    assert data.status is not None and [i.id for i in data.status.instances] == ["orders-api-7f8c9d6b5-x2kqp"]
    assert any("truncated" in p for p in data.inputs[0].problems)


def test_windows_line_endings_read_like_any_other(read, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """CRLF logs give the same lines, without carriage returns."""
    target = tmp_path / "app.log"
    target.write_bytes(b"starting\r\nFATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\r\n")
    (log,) = read(target).logs
    assert [e.message for e in log.entries] == ["starting", "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory"]


def test_bytes_that_are_not_utf8_are_replaced_and_reported(read, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Latin-1 bytes do not crash the read; the problem names the file."""
    target = tmp_path / "app.log"
    target.write_bytes(b"caf\xe9 opened\nError: getaddrinfo ENOTFOUND db\n")
    data = read(target)
    assert any("not UTF-8" in p for p in data.inputs[0].problems)
    assert any("ENOTFOUND" in e.message for log in data.logs for e in log.entries)


def test_empty_and_binary_files_are_one_line_each(read, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Nothing crashes; each file gets its own clear problem line."""
    (tmp_path / "empty.log").write_text("")
    (tmp_path / "core.bin").write_bytes(bytes(range(256)) * 10)
    records = {Path(r.path).name: r for r in read(tmp_path).inputs}
    assert records["empty.log"].reader is None and records["empty.log"].problems[0].endswith("empty file, nothing to read")
    assert records["core.bin"].reader is None and "binary file" in records["core.bin"].problems[0]


def test_gzip_inputs_are_read_transparently(read, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A .gz capture is decompressed while streaming."""
    target = tmp_path / "pods.json.gz"
    target.write_bytes(gzip.compress(_pods_json().encode()))
    (record,) = read(target).inputs
    assert record.reader == "kubectl-get-json"


def test_standard_input_is_read_when_asked(read, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """`-` reads standard input."""
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(_pods_json().encode())))
    (record,) = read("-").inputs
    assert (record.path, record.reader) == ("<stdin>", "kubectl-get-json")


def test_an_unparseable_json_capture_is_one_line_with_its_line_number(read, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Broken JSON that cannot be repaired names the file and the line."""
    target = tmp_path / "pods.json"
    target.write_text('{"apiVersion": "v1", "kind": "List", "items": [\n  {"kind": "Pod" "metadata": {}}\n]}')
    (record,) = read(target).inputs
    assert record.problems and record.problems[0].startswith(f"{target}:")


def test_a_large_log_keeps_what_matters_and_counts_every_line(read, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Lines that match a pattern and each stream's tail are kept; every line is counted."""
    target = tmp_path / "big.log"
    with target.open("w") as out:
        for index in range(200_000):
            out.write(f"2026-11-20T14:00:00Z INFO request {index} served in 3ms\n")
            if index == 1000:
                out.write("Error: getaddrinfo ENOTFOUND postgres\n")
    (log,) = read(target).logs
    assert log.total_lines == 200_001
    assert len(log.entries) < 100
    assert any("ENOTFOUND" in e.message for e in log.entries)
    assert log.entries[-1].message == "INFO request 199999 served in 3ms"


def test_line_numbers_stay_right_across_blocks_and_blank_lines(read, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Blank runs and block boundaries (1 MB) shift no later line: each kept line names its own line of the file."""
    target = tmp_path / "gappy.log"
    lines = []
    for index in range(20_000):
        lines.append(f"2026-11-20T14:00:00Z INFO request {index} served in 3ms")
        lines += [""] * 200  # mostly blank: a block's end falls inside a blank run
        if index in (5, 10_000, 19_000):
            lines.append(f"Error: getaddrinfo ENOTFOUND postgres-{index}")
    target.write_text("\n".join(lines) + "\n\n\n", encoding="utf-8")
    assert target.stat().st_size > 2 << 20
    (log,) = read(target).logs
    found = {entry.message: entry.location.line for entry in log.entries if "ENOTFOUND" in entry.message}
    assert found == {line: number for number, line in enumerate(lines, 1) if "ENOTFOUND" in line}


def test_overrides_win_over_what_the_content_says(read) -> None:  # type: ignore[no-untyped-def]
    """--provider and --service replace the inferred ones."""
    data = read(EXAMPLE, provider="gcp", service="billing")
    assert (data.provider, data.service_name) == ("gcp", "billing")


def test_provider_and_service_are_inferred_from_content(read) -> None:  # type: ignore[no-untyped-def]
    """kubectl output means Kubernetes; the Deployment names the service."""
    data = read(EXAMPLE)
    assert (data.provider, data.service_name) == ("kubernetes", "orders-api")


def test_since_drops_older_lines_and_events(read, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """--since keeps only the last span before the newest timestamp."""
    from datetime import timedelta

    target = tmp_path / "app.log"
    target.write_text("2026-11-20T10:00:00Z Error: getaddrinfo ENOTFOUND old\n2026-11-20T14:00:00Z Error: getaddrinfo ENOTFOUND new\n")
    data = read(target, since=timedelta(minutes=30))
    assert [e.message for log in data.logs for e in log.entries] == ["Error: getaddrinfo ENOTFOUND new"]


def test_json_lines_with_a_bad_line_count_it_and_go_on(read, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """az containerapp logs show output with one broken line."""
    target = tmp_path / "logs.jsonl"
    good = {"TimeStamp": "2026-11-20T14:00:00Z", "Log": "Error: getaddrinfo ENOTFOUND redis", "ContainerAppName": "web"}
    target.write_text(json.dumps(good) + "\n{broken\n" + json.dumps(good) + "\n")
    data = read(target)
    (record,) = data.inputs
    assert record.reader == "az-containerapp-logs-show" and record.items == 2
    assert any(":2: skipped" in p for p in record.problems)


def test_wrong_typed_fields_cost_those_fields_not_the_pod(read, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A string count and a number as state keep the pod and the container; the field that could not be read is said with its line."""
    pods = json.loads(_pods_json())
    pods["items"][1]["status"]["containerStatuses"] = [{"name": "orders-api", "restartCount": "many", "state": 5}]
    target = tmp_path / "pods.json"
    target.write_text(json.dumps(pods, indent=4))
    data = read(target)
    assert data.status is not None and len(data.status.instances) == 2
    (container,) = data.status.instances[1].containers
    assert (container.name, container.restart_count) == ("orders-api", 0)
    (record,) = data.inputs
    dropped = sorted(p.split(": Pod: ", 1)[1] for p in record.problems)
    # The normaliser reads a state that is no mapping as no state; the count it cannot read goes.
    assert dropped == ["status.containerStatuses[0].restartCount dropped: str 'many' is not what belongs there"]
    assert record.items == 2


def test_a_large_events_table_keeps_the_events_that_matter(read, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Thousands of ordinary rows: the failing ones and the last ones are kept, the rest counted out."""
    header = "LAST SEEN   TYPE      REASON      OBJECT                  MESSAGE\n"
    ordinary = "5m          Normal    Pulled      pod/web-7f8c9d6b5-abc   Container image \"web:2\" already present on machine\n"
    failing = "5m          Warning   Failed      pod/web-7f8c9d6b5-abc   Error: secret \"orders-db\" not found\n"
    target = tmp_path / "events.txt"
    target.write_text(header + ordinary * 30_000 + failing + ordinary * 30_000)
    events = [e for group in read(target).events for e in group.events]
    assert 'Error: secret "orders-db" not found' in [e.message for e in events]
    assert len(events) < 300


def test_the_service_name_comes_from_the_data_never_a_file_name(orchestrator: DiagnosticOrchestrator, tmp_path: Path) -> None:
    """A log with no service in it is "the service", not the file's name."""
    target = tmp_path / "checkout-2026-11-20.log"
    target.write_text("Error: connect ECONNREFUSED 10.0.0.5:5432\n")
    result = orchestrator.analyze_captures([str(target)])
    assert result.data is not None and result.data.service_name == ""
    assert result.summary.startswith("the service: ")
    assert "checkout-2026-11-20" not in result.summary


def test_every_capture_guide_is_for_a_first_party_provider() -> None:
    """What to install is said only for scdiag's own providers, so with all four installed nothing can be missing."""
    from scdiag.captures.guides import capture_guides
    from scdiag.plugins import FIRST_PARTY_PROVIDERS

    assert set(capture_guides()) <= set(FIRST_PARTY_PROVIDERS)


def _session(newline: str) -> str:
    return newline.join(["$ kubectl get pods -o json", *_pods_json().splitlines(), ""])


@pytest.mark.parametrize(("newline", "segmented"), [("\r\n", True), ("\n", False)])
def test_the_paste_limit_counts_characters_not_bytes(read, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, newline: str, segmented: bool) -> None:  # type: ignore[no-untyped-def]
    """A session whose text just fits the limit is cut into its renderings, though its CRLF bytes do not fit; one a character longer is read whole."""
    from scdiag.captures import pipeline

    limit = len(_session("\n"))
    monkeypatch.setattr(pipeline, "MAX_PASTE_CHARS", limit if segmented else limit - 1)
    target = tmp_path / "session.txt"
    target.write_bytes(_session(newline).encode())

    (record,) = read(target).inputs

    # Read whole, the prompt is a line before the JSON; cut into renderings, it is no part of the capture.
    assert record.reader == "kubectl-get-json"
    assert any("before the JSON" in problem for problem in record.problems) is not segmented


@pytest.mark.parametrize(
    ("line", "message"),
    [(b"GET /api/caf\xc3 200", "GET /api/caf\ufffd 200"), (b"GET /api/\xff\xfe/7 200", "GET /api/\ufffd\ufffd/7 200"), (b"GET /api/\x00orders 200", "GET /api/orders 200"), ("GET /api/caf\u00e9 200".encode(), "GET /api/caf\u00e9 200")],
    ids=["a cut sequence", "bytes that are never utf-8", "a nul byte", "utf-8 beyond ascii"],
)
def test_a_paste_reads_as_its_text_stream_decodes_it(read, tmp_path: Path, line: bytes, message: str) -> None:  # type: ignore[no-untyped-def]
    """Cut into renderings, a paste's lines are what reading its text gives: malformed bytes replaced, NULs dropped."""
    target = tmp_path / "session.txt"
    target.write_bytes(b"$ kubectl logs web-1\n" + line + b"\nError: getaddrinfo ENOTFOUND db\n")

    (log,) = read(target).logs

    assert [entry.message for entry in log.entries] == [message, "Error: getaddrinfo ENOTFOUND db"]
