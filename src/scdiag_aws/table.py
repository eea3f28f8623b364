"""``aws ... --output table``: the AWS CLI's boxed tables, read back into the JSON they render.

The CLI draws the response as nested boxes: a title row per key (the
operation's name on top), ``key | value`` rows for a single object, and a
header row of keys above one row per item for a list of objects with the
same keys. The number of ``|`` on each side of a row is its depth. This
module rebuilds the response from the boxes and hands it to the JSON reader
of the same command, so ``describe-services --output table`` reads like
``--output json``.
"""

from __future__ import annotations

import io
import json
from typing import Any, ClassVar

import attrs

from scdiag import regex
from scdiag.captures.jsontext import unexpected_shape
from scdiag.errors import CaptureError
from scdiag.models import SourceLocation
from scdiag.ports import CaptureReader, CaptureSink, CaptureSource

from scdiag_aws.captures import (
    DescribeServicesReader,
    DescribeTargetHealthReader,
    DescribeTaskDefinitionReader,
    DescribeTasksReader,
    StackEventsReader,
)

__all__ = ["AwsTableReader", "Relocating", "line_map", "table_to_json"]

_READERS: dict[str, type[Any]] = {
    "DescribeServices": DescribeServicesReader,
    "DescribeTasks": DescribeTasksReader,
    "DescribeTaskDefinition": DescribeTaskDefinitionReader,
    "DescribeTargetHealth": DescribeTargetHealthReader,
    "DescribeStackEvents": StackEventsReader,
}
_TITLE_HEAD = regex.deferred(r"(?m)^\|\s+(?P<operation>Describe(?:Services|Tasks|TaskDefinition|TargetHealth|StackEvents))\s+\|\s*$")
_BORDER = regex.deferred(r"^\|*\+[-+]*\+\|*$|^-+$")
_LISTS = frozenset({
    "services", "deployments", "events", "loadBalancers", "tasks", "containers", "failures", "attachments", "details",
    "containerDefinitions", "portMappings", "environment", "secrets", "networkInterfaces", "TargetHealthDescriptions",
    "StackEvents", "serviceRegistries", "capacityProviderStrategy", "tags", "requiresCompatibilities", "compatibilities",
    "subnets", "securityGroups", "command", "entryPoint", "volumes", "mountPoints", "overrides", "containerOverrides",
})
"""Keys whose value is a list even when the table shows one box: the JSON readers expect lists there."""


@attrs.define
class _Box:
    """One titled box: its rows (cells, stripped), the row counts at its inner borders, its boxes."""

    depth: int
    title: str
    rows: list[list[str]] = attrs.field(factory=list)
    borders: list[int] = attrs.field(factory=list)
    children: list[_Box] = attrs.field(factory=list)

    def value(self) -> Any:
        """The JSON value the box draws."""
        # A header row is set apart from the item rows by a border; key | value rows are not.
        if len(self.rows) > 1 and 1 in self.borders and len(self.rows[0]) > 1:
            columns = self.rows[0]
            return [{key: _value(cell) for key, cell in zip(columns, row)} for row in self.rows[1:]]
        if self.rows and all(len(row) == 1 for row in self.rows) and not self.children:
            return [_value(row[0]) for row in self.rows]
        value: dict[str, Any] = {row[0]: _value(row[1]) for row in self.rows if len(row) == 2}
        for child in self.children:
            inner = child.value()
            existing = value.get(child.title)
            if existing is None:
                value[child.title] = inner if isinstance(inner, list) or child.title not in _LISTS else [inner]
            elif isinstance(existing, list):
                existing.extend(inner if isinstance(inner, list) else [inner])
            else:
                value[child.title] = [existing, *(inner if isinstance(inner, list) else [inner])]
        return value


def _value(text: str) -> Any:
    text = text.strip()
    if text in ("True", "False"):
        return text == "True"
    if text == "None":
        return None
    if text.lstrip("-").isdigit() and len(text) < 19:
        return int(text)
    return text


def _split(line: str) -> tuple[str, int, list[str]] | None:
    """("border" or "row", depth, raw cells) of one line of a table; ``None`` for anything else."""
    stripped = line.rstrip()
    depth = len(stripped) - len(stripped.lstrip("|"))
    if _BORDER.match(stripped):
        return "border", depth, []
    if depth == 0 or not stripped.endswith("|" * depth):
        return None
    return "row", depth, stripped[depth : len(stripped) - depth].split("|")


def _centred(cell: str) -> bool:
    lead, trail = len(cell) - len(cell.lstrip(" ")), len(cell) - len(cell.rstrip(" "))
    return bool(cell.strip()) and lead > 2 and abs(lead - trail) <= 1


def table_to_json(text: str) -> tuple[str, dict[str, Any]]:
    """The operation's name and the response the table draws.

    Raises:
        ValueError: no boxed table with an operation's title.
    """
    lines = [parsed for line in text.splitlines() if (parsed := _split(line)) is not None]
    root: _Box | None = None
    stack: list[_Box] = []
    for index, (kind, depth, cells) in enumerate(lines):
        if kind == "border":
            if stack and stack[-1].depth == depth + 1:
                stack[-1].borders.append(len(stack[-1].rows))
            continue
        following = lines[index + 1] if index + 1 < len(lines) else None
        # A title is one centred cell with a border right under it.
        if len(cells) == 1 and _centred(cells[0]) and following is not None and following[0] == "border":
            while stack and stack[-1].depth >= depth:
                stack.pop()
            box = _Box(depth, cells[0].strip())
            if stack:
                stack[-1].children.append(box)
            elif root is None:
                root = box
            else:
                continue
            stack.append(box)
            continue
        while stack and stack[-1].depth > depth:
            stack.pop()
        if stack and stack[-1].depth == depth:
            stack[-1].rows.append([cell.strip() for cell in cells])
    if root is None:
        raise ValueError("no table with an operation's title")
    document = root.value()
    return root.title, document if isinstance(document, dict) else {}


class AwsTableReader:
    """``aws ecs describe-services|describe-tasks|describe-task-definition``, ``aws elbv2 describe-target-health``
    and ``aws cloudformation describe-stack-events`` with ``--output table``."""

    name: ClassVar[str] = "aws-output-table"
    provider: ClassVar[str | None] = "aws"

    def sniff(self, source: CaptureSource) -> float:
        """The boxed title of one of those operations."""
        return 0.9 if "+--" in source.head and _TITLE_HEAD.search(source.head) else 0.0

    def read(self, source: CaptureSource, sink: CaptureSink) -> int:
        """The table rebuilt as the command's JSON, read by that command's JSON reader."""
        with unexpected_shape(source, self.name):
            with source.open() as stream:
                text = stream.read(source.document_limit)
            try:
                operation, document = table_to_json(text)
            except ValueError as error:
                raise CaptureError(source.name, str(error)) from None
            reader_class = _READERS.get(operation)
            if reader_class is None:
                raise CaptureError(source.name, f"a table of {operation}, which scdiag does not read")
            rendered = json.dumps(document, indent=4)
            converted = CaptureSource(name=source.name, head=rendered[:65536], open=lambda: io.StringIO(rendered), document_limit=source.document_limit)
            reader: CaptureReader = reader_class()
            # The JSON reader cites lines of the JSON; evidence must cite the table's.
            return reader.read(converted, Relocating(sink, source.name, line_map(rendered, text)))


def line_map(rendered: str, table: str) -> dict[int, int]:
    """JSON line -> the line of the rendering (a table, text) showing the same value, in order (1-based)."""
    table_lines = table.splitlines()
    mapping: dict[int, int] = {}
    cursor = 0
    for number, line in enumerate(rendered.splitlines(), start=1):
        _key, colon, raw = line.strip().rstrip(",").partition(": ")
        value = (raw if colon else line.strip().rstrip(",")).strip('"')
        if not value or value in "{}[]":
            continue
        for index in range(cursor, len(table_lines)):
            if value in table_lines[index]:
                mapping[number] = index + 1
                cursor = index
                break
    return mapping


def _relocated(value: Any, name: str, mapping: dict[int, int]) -> Any:
    """``value`` (a model, or a tuple of them) with every location in ``name`` moved to the table's line."""
    if isinstance(value, SourceLocation):
        if value.source == name and value.line is not None:
            return attrs.evolve(value, line=mapping.get(value.line))
        return value
    if isinstance(value, tuple):
        return tuple(_relocated(item, name, mapping) for item in value)
    if attrs.has(type(value)):
        changes = {field.name: _relocated(getattr(value, field.name), name, mapping) for field in attrs.fields(type(value))}
        return attrs.evolve(value, **{key: new for key, new in changes.items() if new is not getattr(value, key)})
    return value


class Relocating:
    """The sink, with the locations of what a JSON reader reads moved from the JSON's lines to the rendering's."""

    def __init__(self, sink: CaptureSink, name: str, mapping: dict[int, int]) -> None:
        self._sink = sink
        self._name = name
        self._mapping = mapping

    def __getattr__(self, attribute: str) -> Any:
        target = getattr(self._sink, attribute)
        if attribute not in ("add_status", "add_event", "add_log"):
            return target

        def forward(*args: Any, **kwargs: Any) -> Any:
            return target(*(_relocated(arg, self._name, self._mapping) for arg in args), **kwargs)

        return forward
