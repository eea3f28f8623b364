"""``aws ... --output text``, read back into the JSON it prints and diagnosed like it.

The inputs are the corpus's JSON captures printed the way the AWS CLI's text
format prints a response: one line per object, its key upper-cased first,
then the values of its scalar keys in sorted key order (for a list of
objects, the scalar keys of all its items, empty where an item has none),
tab-separated; lists and objects follow on their own lines.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import attrs
import pytest

from tests.adapters.conftest import SCENARIOS

from scdiag_aws.text import text_to_json

_SCALAR = (str, int, float, bool)


def _print_text(item: Any, out: io.StringIO, key: str | None = None, scalar_keys: list[str] | None = None) -> None:
    if isinstance(item, dict):
        keys = scalar_keys if scalar_keys is not None else sorted(k for k, v in item.items() if not isinstance(v, (dict, list)))
        scalars = [str(item.get(k, "")) if item.get(k) is not None else "" for k in keys]
        if scalars:
            out.write("\t".join(([key.upper()] if key else []) + scalars) + "\n")
        for name, value in sorted(item.items()):
            if isinstance(value, (dict, list)):
                _print_text(value, out, name)
    elif isinstance(item, list):
        if any(isinstance(element, dict) for element in item):
            keys = sorted({k for element in item for k, v in element.items() if not isinstance(v, (dict, list))})
            for element in item:
                _print_text(element, out, key, keys)
        else:
            for element in item:
                out.write(f"{key.upper()}\t{element}\n" if key else f"{element}\n")


def _as_text(path: Path) -> str:
    out = io.StringIO()
    _print_text(json.loads(path.read_text(encoding="utf-8")), out)
    return out.getvalue()


def _without_locations(value: Any) -> Any:
    """A model with every source location taken out: the text and the JSON cite different lines."""
    if isinstance(value, tuple):
        return tuple(_without_locations(item) for item in value)
    if attrs.has(type(value)):
        return attrs.evolve(value, **{
            field.name: None if field.name == "location" else _without_locations(getattr(value, field.name))
            for field in attrs.fields(type(value))
            if field.init
        })
    return value


CAPTURES = sorted(
    path
    for path in SCENARIOS.glob("ecs-*/*.json")
    if path.name in ("describe-services.json", "describe-tasks.json", "task-definition.json", "target-health.json")
)


@pytest.mark.parametrize("path", CAPTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_a_text_capture_reads_like_its_json(read, read_text, path: Path) -> None:
    """Instances, rollouts, events and targets: the same from the text as from the JSON."""
    from_json = read(path)
    from_text = read_text(_as_text(path), name=path.stem + ".txt")
    assert [r.reader for r in from_text.inputs] == ["aws-output-text"]

    def facts(data: Any) -> Any:
        events = sorted((e.reason or "", e.message, str(e.timestamp)) for g in data.events for e in g.events)
        return events, _without_locations(data.status)

    assert facts(from_text) == facts(from_json)


def test_a_stopped_task_in_text_is_diagnosed_as_its_json_is(diagnose_text) -> None:  # type: ignore[no-untyped-def]
    """The OOM scenario's tasks, services and task definition as text: an OOM kill."""
    text = "".join(_as_text(SCENARIOS / "ecs-oom" / name) for name in ("describe-tasks.json",))
    result = diagnose_text(text)
    assert result.root_cause is not None and result.root_cause.pattern_id == "container-oom-kill"


def test_evidence_cites_the_texts_own_line(diagnose_text) -> None:  # type: ignore[no-untyped-def]
    """The container's reason is cited at the text line that holds it."""
    text = _as_text(SCENARIOS / "ecs-oom" / "describe-tasks.json")
    result = diagnose_text(text, "tasks.txt")
    lines = text.splitlines()
    cited = [e.location for e in result.root_cause.evidence if e.location is not None and e.location.line]
    assert cited and all(lines[location.line - 1].startswith(("CONTAINERS", "TASKS")) for location in cited)


def test_values_take_their_keys_by_what_they_can_be() -> None:
    """A task line: the timestamp, the enum words and the free text each land under their own key."""
    line = "TASKS\tarn:aws:ecs:eu-west-1:123456789012:cluster/prod\tSTOPPED\tservice:web\tSTOPPED\tFARGATE\tEssentialContainerExited\t2026-11-24T09:47:02.331000+00:00\tEssential container in task exited\tarn:aws:ecs:eu-west-1:123456789012:task/prod/3f9c\n"
    _reader, document = text_to_json(line)
    task = document["tasks"][0]
    assert task["stopCode"] == "EssentialContainerExited" and task["stoppedReason"] == "Essential container in task exited"
    assert task["stoppedAt"] == "2026-11-24T09:47:02.331000+00:00" and task["launchType"] == "FARGATE"
    assert task["lastStatus"] == "STOPPED" and task["taskArn"].endswith("/3f9c")


def test_other_commands_in_the_paste_are_left_alone() -> None:
    """A prompt line and lines of another command before the text: only the response is rebuilt."""
    text = "$ aws ecs describe-services --output text\nSOMETHINGELSE\tx\nSERVICES\tarn:aws:ecs:eu-west-1:1:cluster/prod\t2\tFARGATE\t0\t0\tarn:aws:ecs:eu-west-1:1:service/prod/web\tweb\tACTIVE\n"
    _reader, document = text_to_json(text)
    assert document["services"][0]["serviceName"] == "web"


@pytest.mark.parametrize(
    "damage",
    [lambda t: t.replace("\n", "\r\n"), lambda t: "```\n" + t + "```\n", lambda t: "$ aws ecs describe-tasks --cluster prod --tasks 3f9c --output text\n" + t, lambda t: "\x1b[0m" + t],
    ids=["crlf", "in-a-markdown-fence", "after-its-prompt", "colour-codes"],
)
def test_a_damaged_text_paste_still_reads(diagnose_text, damage) -> None:  # type: ignore[no-untyped-def]
    """Windows line ends, a Markdown fence, the command's prompt line, a stray colour code."""
    result = diagnose_text(damage(_as_text(SCENARIOS / "ecs-oom" / "describe-tasks.json")))
    assert result.root_cause is not None and result.root_cause.pattern_id == "container-oom-kill"
