"""Inputs as they really arrive: other encodings, pipes, stray NULs, and inputs too large to read whole."""

from __future__ import annotations

import codecs
import contextlib
import gzip
import io
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from scdiag.app import DiagnosticOrchestrator
from scdiag.captures.inputs import InputLimits, input_longer_than, open_input
from scdiag.config import config_from_mapping
from scdiag.models import DiagnosticResult, InputRecord

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "k8s-oom-kill"
OOM = "container-oom-kill"


def _pods() -> str:
    return (EXAMPLE / "pods.json").read_text(encoding="utf-8")


def _analyze(*paths: str, captures: dict[str, str] | None = None) -> DiagnosticResult:
    config = config_from_mapping({"diagnostics": {"captures": captures or {}, "cache": {"enabled": False}}})
    return DiagnosticOrchestrator(config=config).analyze_captures(list(paths))


def _only_input(result: DiagnosticResult) -> InputRecord:
    assert result.data is not None
    (record,) = result.data.inputs
    return record


ENCODINGS: dict[str, Callable[[str], bytes]] = {
    "utf-8 with a BOM": lambda text: codecs.BOM_UTF8 + text.encode("utf-8"),
    "utf-16 with a BOM (PowerShell's redirect)": lambda text: text.encode("utf-16"),
    "utf-16-le without a BOM": lambda text: text.encode("utf-16-le"),
    "utf-16-be without a BOM": lambda text: text.encode("utf-16-be"),
    "utf-32 with a BOM": lambda text: text.encode("utf-32"),
    "a stray NUL byte": lambda text: text.replace('"kind"', '"kind"\x00', 1).encode("utf-8"),
}


@pytest.mark.parametrize("encode", ENCODINGS.values(), ids=ENCODINGS.keys())
def test_a_capture_in_another_encoding_reads_like_the_utf8_one(encode: Callable[[str], bytes], tmp_path: Path) -> None:
    """The reader, the item count and the root cause are those of the plain UTF-8 file, with no problem said."""
    target = tmp_path / "pods.json"
    target.write_bytes(encode(_pods()))
    result = _analyze(str(target))
    record = _only_input(result)
    assert (record.reader, record.problems) == ("kubectl-get-json", ())
    assert result.root_cause is not None and result.root_cause.pattern_id == OOM


def test_bad_bytes_in_utf16_are_said_in_that_encoding(tmp_path: Path) -> None:
    """A lone surrogate is replaced and the problem names UTF-16, not UTF-8."""
    target = tmp_path / "app.log"
    target.write_bytes("OOMKilled here\n".encode("utf-16") + b"\x00\xd8" + "more\n".encode("utf-16-le"))
    record = _only_input(_analyze(str(target)))
    assert any("not UTF-16-LE" in problem for problem in record.problems)


@pytest.fixture(name="pipe_path")
def _pipe_path(tmp_path: Path) -> Iterator[Callable[[bytes], str]]:
    """A FIFO that a writer thread fills once, as ``<(cat pods.json)`` or ``mkfifo`` would."""
    writers: list[threading.Thread] = []

    def make(content: bytes) -> str:
        fifo = tmp_path / f"fifo{len(writers)}"
        os.mkfifo(fifo)

        def write() -> None:
            # The reader may stop at a limit and close its end.
            with contextlib.suppress(BrokenPipeError), open(fifo, "wb") as out:
                out.write(content)

        writer = threading.Thread(target=write, daemon=True)
        writer.start()
        writers.append(writer)
        return str(fifo)

    yield make
    for writer in writers:
        writer.join(timeout=5)


def test_a_fifo_is_read_once_and_analysed(pipe_path: Callable[[bytes], str]) -> None:
    """Sniffing and reading both see the whole content, though a pipe can be read only once."""
    result = _analyze(pipe_path(_pods().encode()))
    assert _only_input(result).reader == "kubectl-get-json"
    assert result.root_cause is not None and result.root_cause.pattern_id == OOM


def test_process_substitution_is_read_once_and_analysed() -> None:
    """``/dev/fd/N``, which the shell's ``<(cmd)`` passes, is a pipe too."""
    read_end, write_end = os.pipe()
    content = _pods().encode()

    def write() -> None:
        with os.fdopen(write_end, "wb") as out:
            out.write(content)

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    try:
        result = _analyze(f"/dev/fd/{read_end}")
    finally:
        writer.join(timeout=5)
        os.close(read_end)
    assert result.root_cause is not None and result.root_cause.pattern_id == OOM


def test_gzip_on_standard_input_is_unpacked(monkeypatch: pytest.MonkeyPatch) -> None:
    """``gzip -c pods.json | scdiag analyze -`` reads the JSON, not compressed bytes."""
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(gzip.compress(_pods().encode()))))
    record = _only_input(_analyze("-"))
    assert (record.path, record.reader) == ("<stdin>", "kubectl-get-json")


def test_an_endless_line_is_cut_and_the_lines_after_it_are_still_read(tmp_path: Path) -> None:
    """A 3 MiB line costs its tail, said once; the failure on the next line is found."""
    target = tmp_path / "app.log"
    target.write_text("x" * (3 << 20) + "\nError: listen EADDRINUSE: address already in use :::8080\n")
    result = _analyze(str(target), captures={"max_line_length": "1MiB"})
    record = _only_input(result)
    assert [p for p in record.problems if "max_line_length" in p] == [f"{target}: 1 line(s) longer than 1MiB were cut at that length (captures.max_line_length)"]
    assert result.root_cause is not None and result.root_cause.pattern_id == "container-port-binding-failure"


def test_a_gzip_that_unpacks_beyond_the_limit_is_read_up_to_it(tmp_path: Path) -> None:
    """A small archive of a huge log is read up to ``max_decompressed_size``, and the cut is said."""
    target = tmp_path / "app.log.gz"
    with gzip.open(target, "wb") as out:
        out.write(b"Error: listen EADDRINUSE: address already in use :::8080\n")
        for _ in range(8):
            out.write(b"GET /health 200\n" * 65536)
    record = _only_input(_analyze(str(target), captures={"max_decompressed_size": "1MiB"}))
    assert f"{target}: only the first 1MiB of the unpacked content were read (captures.max_decompressed_size)" in record.problems
    assert record.items < 8 * 65536


def test_a_pipe_beyond_the_file_limit_is_read_up_to_it(pipe_path: Callable[[bytes], str]) -> None:
    """The spool of a pipe stops at ``max_file_size``: an endless producer cannot fill the disk."""
    path = pipe_path(b"GET /health 200\n" * 200_000)
    record = _only_input(_analyze(path, captures={"max_file_size": "64KiB"}))
    assert f"{path}: only the first 64KiB were read (captures.max_file_size)" in record.problems


def test_a_document_beyond_the_document_limit_is_one_clear_line(tmp_path: Path) -> None:
    """A JSON document read whole (one pod, not a List, which is read item by item) is refused above ``max_document_size``, naming the key to raise."""
    import json

    from scdiag.errors import NothingCollected

    target = tmp_path / "pod.json"
    target.write_text(json.dumps(json.loads(_pods())["items"][0], indent=4) + " " * 4096)
    with pytest.raises(NothingCollected) as raised:
        _analyze(str(target), captures={"max_document_size": "2KiB"})
    (reason,) = raised.value.reasons
    assert reason.startswith(f"{target}: the JSON document is larger than captures.max_document_size (2KiB)")


def test_a_limit_below_one_kib_is_a_config_error() -> None:
    """A limit too small to read anything is refused with its key path."""
    from scdiag.errors import ConfigError

    with pytest.raises(ConfigError, match=r"diagnostics\.captures\.max_line_length: must be at least 1KiB"):
        config_from_mapping({"diagnostics": {"captures": {"max_line_length": 10}}})


_LINE_LIMIT = 64 << 10
_LOG_LINE = b"2026-12-03T10:00:00Z GET /api/orders 200 12ms\n"


def _longer_than(path: Path, chars: int) -> tuple[bool, int]:
    """What :func:`input_longer_than` says of ``path``, and the length of the text its stream reads."""
    source = open_input(str(path), path, limits=InputLimits(max_line_bytes=_LINE_LIMIT)).source
    with source.open() as stream:
        told = input_longer_than(stream, chars)
    with source.open() as stream:
        return told, len(stream.read())


def test_a_file_of_ascii_lines_is_told_longer_without_reading_it_through(tmp_path: Path) -> None:
    target = tmp_path / "app.log"
    target.write_bytes(_LOG_LINE * 5000)

    told, length = _longer_than(target, 3 * _LINE_LIMIT)

    assert told and length > 3 * _LINE_LIMIT


@pytest.mark.parametrize(
    "odd",
    [b"x" * (3 * _LINE_LIMIT) + b"\n", b"GET /\r\n", b"GET /\x00orders\n", "GET /caf\u00e9\n".encode()],
    ids=["a line the limit cuts", "a carriage return", "a nul byte", "utf-8 beyond ascii"],
)
def test_bytes_the_text_may_be_shorter_than_are_not_told_longer(tmp_path: Path, odd: bytes) -> None:
    """Each of these may make the text fewer characters than the file has bytes (the long line does): left to reading it."""
    target = tmp_path / "app.log"
    target.write_bytes(_LOG_LINE * 100 + odd + _LOG_LINE * 3000)
    chars = target.stat().st_size - 3 * _LINE_LIMIT // 2

    told, length = _longer_than(target, chars)

    assert not told
    if odd.startswith(b"x"):
        assert length <= chars  # the cut line took the text under the limit: told longer, it would have been wrong


def test_a_file_shorter_than_asked_is_not_told_longer(tmp_path: Path) -> None:
    target = tmp_path / "app.log"
    target.write_bytes(_LOG_LINE * 100)

    assert _longer_than(target, target.stat().st_size) == (False, target.stat().st_size)
