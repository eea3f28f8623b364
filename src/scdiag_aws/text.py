"""``aws ... --output text``: the AWS CLI's tab-separated lines, read back into the JSON they print.

The CLI prints each object as one line: the key it sits under, upper-cased,
then the values of its scalar keys in sorted key order, tab-separated; its
lists and objects follow on lines of their own. Key names are not printed,
so the reader takes them from the operation's model (botocore, installed
with boto3): the values are aligned with the shape's sorted scalar members
by what each value can be (a timestamp, a number, a flag, one of an enum's
words, an ARN). The rebuilt response goes to the JSON reader of the same
command, so ``describe-services --output text`` reads like ``--output json``.
"""

from __future__ import annotations

import functools
import io
import json
from typing import Any, ClassVar

from scdiag import regex
from scdiag.captures.jsontext import unexpected_shape
from scdiag.ports import CaptureReader, CaptureSink, CaptureSource

from scdiag_aws.captures import DescribeServicesReader, DescribeTargetHealthReader, DescribeTaskDefinitionReader, DescribeTasksReader, StackEventsReader
from scdiag_aws.table import Relocating, line_map

__all__ = ["AwsTextReader", "text_to_json"]

_OPERATIONS: dict[str, tuple[str, str, type[Any]]] = {
    # The first line's key: (service, operation, the reader of its JSON).
    "SERVICES": ("ecs", "DescribeServices", DescribeServicesReader),
    "TASKS": ("ecs", "DescribeTasks", DescribeTasksReader),
    "TASKDEFINITION": ("ecs", "DescribeTaskDefinition", DescribeTaskDefinitionReader),
    "TARGETHEALTHDESCRIPTIONS": ("elbv2", "DescribeTargetHealth", DescribeTargetHealthReader),
    "STACKEVENTS": ("cloudformation", "DescribeStackEvents", StackEventsReader),
}
_FIRST_KEY = regex.deferred(r"^(SERVICES|TASKS|TASKDEFINITION|TARGETHEALTHDESCRIPTIONS|STACKEVENTS)\t")
_TIMESTAMP = regex.deferred(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?$")
_NUMBER = regex.deferred(r"^-?\d+(?:\.\d+)?$")
_IMPOSSIBLE = -1e9
_SEARCH_DEPTH = 3
"""How deep under the open objects a key may sit: objects without scalars print no line of their own."""


@functools.cache
def _operation_output(service: str, operation: str) -> Any:
    import botocore.session  # the model is read only when a text capture is

    return botocore.session.get_session().get_service_model(service).operation_model(operation).output_shape


_COMMON = frozenset({
    "createdAt", "startedAt", "stoppedAt", "updatedAt", "name", "image", "essential", "lastStatus", "desiredStatus",
    "exitCode", "reason", "message", "id", "status", "rolloutState", "rolloutStateReason", "taskArn", "serviceName", "startedBy", "group",
    "Timestamp", "ResourceStatus", "ResourceStatusReason", "LogicalResourceId", "ResourceType", "State", "Reason", "Description",
})
"""Members nearly every response carries: where two members fit a value equally, the common one is likelier."""


def _fit(name: str, shape: Any, value: str) -> float:
    """How well one printed value fits a scalar member, by the member's type and, for strings, its name."""
    score = _fit_kind(name, shape, value)
    return score + 0.5 if name in _COMMON and value != "" and score > 0 else score


def _fit_kind(name: str, shape: Any, value: str) -> float:
    kind = shape.type_name
    if value == "":
        return 0.0
    if kind == "timestamp":
        return 3.0 if _TIMESTAMP.match(value) else _IMPOSSIBLE
    if kind in ("integer", "long", "double", "float"):
        return 2.0 if _NUMBER.match(value) else _IMPOSSIBLE
    if kind == "boolean":
        return 3.0 if value in ("True", "False") else _IMPOSSIBLE
    enum = getattr(shape, "enum", None) or []
    if enum:
        return 4.0 if value in enum else _IMPOSSIBLE
    return _fit_string(name.lower(), value)


def _fit_string(name: str, value: str) -> float:
    # Strings may hold anything; what a value looks like says which kind of member it more likely is.
    wordy = name.endswith(("reason", "message", "description", "statusreason"))
    if value.startswith("arn:"):
        return 2.5 if "arn" in name else 0.2
    if "arn" in name:
        return 0.1
    numeric_name = name in ("cpu", "memory", "memoryreservation", "version", "port", "exitcode")
    if _TIMESTAMP.match(value) or value in ("True", "False") or _NUMBER.match(value):
        return 1.5 if numeric_name else 0.2
    if numeric_name:
        return 0.1
    if " " in value:
        return 2.0 if wordy else 0.3
    if value.isupper() and value.replace("_", "").isalpha():
        return 2.0 if name.endswith(("status", "state", "type", "code")) else 0.3
    return 0.3 if wordy or name.endswith("status") else 1.0


def _align(members: list[tuple[str, Any]], values: list[str]) -> dict[str, str] | None:
    """The best assignment of values to members in order (each value to one member, members skipped as needed)."""
    count, total = len(values), len(members)
    if count > total:
        return None
    # best[i][j]: the best score placing values[:i] among members[:j].
    best = [[_IMPOSSIBLE] * (total + 1) for _ in range(count + 1)]
    best[0] = [0.0] * (total + 1)
    for i in range(1, count + 1):
        for j in range(i, total + 1):
            skip = best[i][j - 1]
            take = best[i - 1][j - 1] + _fit(members[j - 1][0], members[j - 1][1], values[i - 1])
            best[i][j] = max(skip, take)
    if best[count][total] <= _IMPOSSIBLE / 2:
        return None
    chosen: dict[str, str] = {}
    i, j = count, total
    while i > 0:
        if best[i][j] == best[i][j - 1] and j - 1 >= i:
            j -= 1
            continue
        chosen[members[j - 1][0]] = values[i - 1]
        i, j = i - 1, j - 1
    return chosen


def _typed(shape: Any, value: str) -> Any:
    kind = shape.type_name
    if value == "":
        return None
    if kind in ("integer", "long"):
        return int(float(value))
    if kind in ("double", "float"):
        return float(value)
    if kind == "boolean":
        return value == "True"
    return value


def _scalars(shape: Any) -> list[tuple[str, Any]]:
    return sorted((name, member) for name, member in shape.members.items() if member.type_name not in ("structure", "list", "map"))


def _find(shape: Any, key: str, depth: int) -> list[str] | None:
    """The member path under ``shape`` whose name, upper-cased, is ``key``."""
    if shape.type_name == "list":
        shape = shape.member
    if shape.type_name != "structure":
        return None
    for name, member in shape.members.items():
        if name.upper() == key:
            return [name]
    if depth <= 1:
        return None
    for name, member in shape.members.items():
        if member.type_name == "structure":
            deeper = _find(member, key, depth - 1)
            if deeper is not None:
                return [name, *deeper]
    return None


def text_to_json(text: str) -> tuple[type[Any], Any] | None:
    """The JSON reader for the text's operation and the response rebuilt from it, or ``None``."""
    lines = [line.rstrip("\r") for line in text.split("\n") if line.strip()]
    first = next((line for line in lines if _FIRST_KEY.match(line)), None)
    if first is None:
        return None
    service, operation, reader = _OPERATIONS[first.split("\t", 1)[0]]
    root_shape = _operation_output(service, operation)
    root: dict[str, Any] = {}
    # The open objects, innermost last: (shape, the object).
    stack: list[tuple[Any, dict[str, Any]]] = [(root_shape, root)]
    for line in lines[lines.index(first) :]:
        key, _, rest = line.partition("\t")
        values = rest.split("\t") if rest else []
        for depth in range(len(stack) - 1, -1, -1):
            path = _find(stack[depth][0], key, _SEARCH_DEPTH)
            if path is not None:
                del stack[depth + 1 :]
                break
        else:
            continue  # a line of another command's output, or a key the model does not know
        shape, container = stack[-1]
        if shape.type_name == "list":
            shape = shape.member
        for name in path[:-1]:
            shape = shape.members[name]
            container = container.setdefault(name, {})
        member = shape.members[path[-1]]
        if member.type_name == "list" and member.member.type_name not in ("structure", "map"):
            container.setdefault(path[-1], []).extend(_typed(member.member, value) for value in values)
            continue
        target = member.member if member.type_name == "list" else member
        if target.type_name == "map":
            continue  # a map prints its values without its keys: nothing to put them under
        if target.type_name != "structure":
            container[path[-1]] = _typed(target, values[0]) if values else None
            continue
        scalars = _scalars(target)
        aligned = _align(scalars, values) or {}
        by_name = dict(scalars)
        item = {name: _typed(by_name[name], value) for name, value in aligned.items() if value != ""}
        if member.type_name == "list":
            container.setdefault(path[-1], []).append(item)
        else:
            container[path[-1]] = item
        stack.append((target, item))
    return reader, root


class AwsTextReader:
    """``aws ecs describe-services|describe-tasks|describe-task-definition``, ``elbv2 describe-target-health`` and
    ``cloudformation describe-stack-events`` with ``--output text``."""

    name: ClassVar[str] = "aws-output-text"
    provider: ClassVar[str | None] = "aws"

    def sniff(self, source: CaptureSource) -> float:
        """Sure of a line that starts with an operation's list key and a tab."""
        if "\t" not in source.head:
            return 0.0
        return 0.85 if any("\t" in line and _FIRST_KEY.match(line) for line in source.head.split("\n")[:50]) else 0.0

    def read(self, source: CaptureSource, sink: CaptureSink) -> int:
        """The response rebuilt, read by the JSON reader of its operation; evidence cites the text's lines."""
        with unexpected_shape(source, self.name):
            with source.open() as stream:
                text = stream.read(source.document_limit)
            rebuilt = text_to_json(text)
            if rebuilt is None:
                return 0
            reader_class, document = rebuilt
            rendered = json.dumps(document, indent=4)
            converted = CaptureSource(name=source.name, head=rendered[:65536], open=lambda: io.StringIO(rendered), document_limit=source.document_limit)
            reader: CaptureReader = reader_class()
            return reader.read(converted, Relocating(sink, source.name, line_map(rendered, text)))
