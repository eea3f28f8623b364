"""``kubectl get pods`` and ``kubectl get events`` / ``kubectl events`` tables (also ``-o wide`` and ``-A``).

A pods table says little per pod (ready containers, a status word, restarts)
but that word is the platform's: ``CrashLoopBackOff``, ``ImagePullBackOff``,
``OOMKilled``, ``Evicted``, ``CreateContainerConfigError``. Each row becomes
a pod object with that word in the field the API would hold it in, and goes
through :mod:`scdiag_k8s.normalize`. An events table becomes events.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

import attrs

from scdiag import regex
from scdiag.captures.columns import Table, find_header, read_rows
from scdiag.captures.jsontext import unexpected_shape
from scdiag.models import DiagnosticEvent, EventLevel, SourceLocation
from scdiag.ports import CaptureSink, CaptureSource

from scdiag_k8s.normalize import status_from_objects

__all__ = ["KubectlEventsTableReader", "KubectlPodsTableReader"]

_POD_COLUMNS = ("NAME", "READY", "STATUS", "RESTARTS")
_EVENT_COLUMNS = ("TYPE", "REASON", "MESSAGE")
_WRAP_WIDTH = 70
_BLOCK = 1 << 20
_BATCH = 1000
_HEADER_LINES = 50
_COUNT_IN_AGE = regex.deferred(r"\(x(\d+) over")
_WAITING = frozenset({
    "CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull", "CreateContainerConfigError", "CreateContainerError",
    "RunContainerError", "InvalidImageName", "ErrImageNeverPull", "ContainerCreating", "PodInitializing",
    "PreStartHookError", "PostStartHookError", "ImageInspectError", "RegistryUnavailable",
})
_TERMINATED = frozenset({"OOMKilled", "Error", "Completed", "ContainerCannotRun", "StartError", "DeadlineExceeded"})
_POD_REASONS = frozenset({"Evicted", "NodeLost", "UnexpectedAdmissionError", "OutOfcpu", "OutOfmemory", "NodeAffinity", "Shutdown"})


def _lines(source: CaptureSource) -> Iterator[str]:
    with source.open() as stream:
        for line in stream:
            yield line.rstrip("\n")


def _ready(text: str) -> tuple[int, int] | None:
    """``1/2`` -> (1, 2); ``None`` when the cell is no READY count."""
    ready, slash, total = text.partition("/")
    return (int(ready), int(total)) if slash and ready.isdigit() and total.isdigit() else None


def _plain(row: Mapping[str, str], ready: tuple[int, int]) -> bool:
    """Running, every container ready, never restarted: a row that says nothing the others do not."""
    if row.get("STATUS") != "Running" or not ready[0] == ready[1] > 0 or row.get("RESTARTS", "").split(" ", 1)[0] != "0":
        return False
    gates = row.get("READINESS GATES", "<none>")
    passed = _ready(gates)
    return gates in ("<none>", "") or (passed is not None and passed[0] == passed[1])


def _pod(row: Mapping[str, str]) -> dict[str, Any]:
    status_word = row.get("STATUS", "")
    # "Init:CrashLoopBackOff" is an init container's state; "Init:0/1" means init containers still run.
    init, _, word = status_word.rpartition(":") if status_word.startswith("Init:") else ("", "", status_word)
    ready = _ready(row.get("READY", ""))
    ready_count, total = ready if ready else (0, 1)
    restarts_text = row.get("RESTARTS", "").split(" ", 1)[0]
    state: dict[str, Any]
    if word in _WAITING:
        state = {"waiting": {"reason": word}}
    elif word in _TERMINATED:
        state = {"terminated": {"reason": word, "exitCode": 0 if word == "Completed" else None}}
    elif word == "Running":
        state = {"running": {}}
    else:
        state = {}
    container = {
        # The table does not name the container; a description of the same pod does, and wins when merged.
        "name": "",
        "state": state,
        "ready": ready_count == total if ready else None,
        "restartCount": int(restarts_text) if restarts_text.isdigit() else 0,
    }
    phase = {"Running": "Running", "Pending": "Pending", "Completed": "Succeeded", "Succeeded": "Succeeded", "Failed": "Failed"}.get(word)
    if word in _POD_REASONS:
        phase = "Failed"
    if state and phase is None:
        phase = "Running" if "running" in state else "Pending"
    labels = dict(item.partition("=")[::2] for item in row.get("LABELS", "").split(",") if "=" in item)
    return {
        "kind": "Pod",
        "metadata": {
            "name": row.get("NAME"),
            "namespace": row.get("NAMESPACE") or None,
            "labels": labels,
            "deletionTimestamp": "terminating" if word == "Terminating" else None,
        },
        "spec": {"nodeName": row.get("NODE") if row.get("NODE") not in (None, "", "<none>") else None},
        "status": {
            "phase": phase,
            "reason": word if word in _POD_REASONS else None,
            "initContainerStatuses": [container] if init else [],
            "containerStatuses": [] if init else [container],
        },
    }


class KubectlPodsTableReader:
    """``kubectl get pods`` (``-o wide``, ``-A``, ``--show-labels``): one pod per row."""

    name: ClassVar[str] = "kubectl-get-pods-table"
    provider: ClassVar[str | None] = "kubernetes"

    def sniff(self, source: CaptureSource) -> float:
        """Sure when a header names NAME, READY, STATUS and RESTARTS."""
        return 0.85 if find_header(source.head.split("\n"), _POD_COLUMNS) else 0.0

    def read(self, source: CaptureSource, sink: CaptureSink) -> int:
        """Each row is a pod; the unhealthy ones name the service."""
        with unexpected_shape(source, self.name):
            stream = _lines(source)
            head = list(itertools.islice(stream, _HEADER_LINES))
            found = find_header(head, _POD_COLUMNS)
            if found is None:
                return 0
            lines = itertools.chain(head, stream)
            start, table = found
            pods: list[dict[str, Any]] = []
            locations: dict[str, SourceLocation] = {}
            count = 0

            def flush() -> None:
                # In batches, so a table of any length never holds more than one batch of rows.
                status = status_from_objects(pods, lambda obj: locations.get(str(obj["metadata"]["name"])))
                if status is not None:
                    sink.add_status(status)
                pods.clear()
                locations.clear()

            for index, row, _raw in read_rows(lines, start, table):
                if row is None or not row.get("NAME"):
                    continue
                ready = _ready(row.get("READY", ""))
                if ready is None:
                    continue
                if _plain(row, ready) and sink.skip_plain_instance():
                    count += 1
                    continue
                pod = _pod(row)
                pods.append(pod)
                count += 1
                locations[str(row["NAME"])] = SourceLocation(source.name, index + 1)
                if row.get("STATUS") not in ("Running", "Completed"):
                    labels = pod["metadata"]["labels"]
                    sink.hint(service=next((labels[k] for k in ("app.kubernetes.io/name", "app", "k8s-app") if k in labels), None))
                if len(pods) >= _BATCH:
                    flush()
            flush()
            sink.hint(provider="kubernetes")
            return count


def _event(row: Mapping[str, str], location: SourceLocation) -> DiagnosticEvent:
    obj = row.get("OBJECT") or row.get("INVOLVED OBJECT") or ""
    if not obj and row.get("KIND") and row.get("NAME"):
        obj = f"{row['KIND']}/{row['NAME']}"
    kind, _, name = obj.partition("/")
    count_text = row.get("COUNT", "")
    in_age = _COUNT_IN_AGE.search(row.get("LAST SEEN", ""))
    count = int(count_text) if count_text.isdigit() else int(in_age.group(1)) if in_age else 1
    return DiagnosticEvent(
        message=row.get("MESSAGE", ""),
        source="kubernetes-event",
        level=EventLevel.WARNING if row.get("TYPE") == "Warning" else EventLevel.NORMAL,
        reason=row.get("REASON") or None,
        resource=obj or None,
        instance=name if kind.lower() == "pod" and name else None,
        count=count,
        location=location,
        attributes={"namespace": row.get("NAMESPACE", "")},
    )


class KubectlEventsTableReader:
    """``kubectl get events`` and ``kubectl events`` tables, ``-o wide`` and ``-A`` included."""

    name: ClassVar[str] = "kubectl-events-table"
    provider: ClassVar[str | None] = "kubernetes"

    def sniff(self, source: CaptureSource) -> float:
        """Sure when a header names TYPE, REASON and MESSAGE."""
        return 0.85 if find_header(source.head.split("\n"), _EVENT_COLUMNS) else 0.0

    def read(self, source: CaptureSource, sink: CaptureSink) -> int:
        """Each row is an event; a wrapped message continues on the lines below its row.

        A table of more than a block is read block by block: the sink parses
        only the rows that can matter (and the last ones), wrapped rows aside.
        """
        with unexpected_shape(source, self.name), source.open() as stream:
            head = stream.read(_BLOCK)
            more = stream.read(1)
            if not more:
                return self._read_small(source, head.split("\n"), sink)
            head += more + stream.readline()
            lines = head.split("\n")
            found = find_header(lines, _EVENT_COLUMNS)
            if found is None:
                return 0
            start, table = found
            parse = functools.partial(_row_event, table=table, name=source.name)
            sink.add_event_rows("\n".join(lines[start + 1 :]), first_line=start + 2, parse=parse)
            first = len(lines) + 1
            rows = len(lines) - start - 1
            while block := stream.read(_BLOCK):
                block += stream.readline()
                sink.add_event_rows(block, first_line=first, parse=parse)
                count = block.count("\n")
                first += count
                rows += count
            sink.hint(provider="kubernetes")
            return rows

    def _read_small(self, source: CaptureSource, lines: list[str], sink: CaptureSink) -> int:
        found = find_header(lines, _EVENT_COLUMNS)
        if found is None:
            return 0
        start, table = found
        message_at = table.starts[table.names.index("MESSAGE")] if not table.tabs else 0
        pending: DiagnosticEvent | None = None
        count = 0
        previous = ""
        for index, row, raw in read_rows(lines, start, table):
            if row is not None and row.get("TYPE") in ("Normal", "Warning"):
                if pending is not None:
                    sink.add_event(pending)
                    count += 1
                pending = _event(row, SourceLocation(source.name, index + 1))
            elif pending is not None and raw[:message_at].strip() == "":
                pending = _continued(pending, " " + raw.strip())
            elif pending is not None and len(previous) >= _WRAP_WIDTH:
                # A terminal's hard wrap: the message goes on from the left edge.
                pending = _continued(pending, raw.rstrip())
            previous = raw
        if pending is not None:
            sink.add_event(pending)
            count += 1
        sink.hint(provider="kubernetes")
        return count


def _row_event(raw: str, line: int, *, table: Table, name: str) -> DiagnosticEvent | None:
    row = table.row(raw)
    if row is None or row.get("TYPE") not in ("Normal", "Warning"):
        return None
    return _event(row, SourceLocation(name, line))


def _continued(event: DiagnosticEvent, more: str) -> DiagnosticEvent:
    return attrs.evolve(event, message=f"{event.message}{more}")
