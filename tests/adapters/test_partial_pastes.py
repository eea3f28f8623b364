"""A paste cut, framed or mangled the way terminals, chats and consoles do it is still diagnosed.

Each base rendering is written in the shape its tool prints; each variant
changes it the way a paste does. The diagnosis must not change.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.adapters.aws.test_console import TASK
from tests.adapters.k8s.test_captures import DESCRIBE
from tests.adapters.k8s.test_text_captures import EVENTS_ONLY, EVENTS_TABLE, PODS_TABLE

BASES = {
    "describe-pod": (DESCRIBE, "container-oom-kill"),
    "events-section": (EVENTS_ONLY, "image-not-found"),
    "events-table": (EVENTS_TABLE, "k8s-insufficient-resources"),
    "ecs-console-task": (TASK, "container-oom-kill"),
}


def _fenced(text: str) -> str:
    return f"```text\n{text}```\n"


def _prompted(text: str) -> str:
    return f"user@laptop:~/shop$ kubectl get pods -n shop\n{PODS_TABLE}user@laptop:~/shop$ kubectl describe ...\n{text}"


def _coloured(text: str) -> str:
    return "".join(f"\x1b[1m{line}\x1b[0m\n" if line.strip() else "\n" for line in text.splitlines())


def _crlf(text: str) -> str:
    return text.replace("\n", "\r\n")


def _elided(text: str) -> str:
    lines = text.splitlines()
    # A person drops the middle of a long output and marks it.
    return "\n".join([*lines[:2], "...", *lines[2:]]) + "\n"


def _headerless(text: str) -> str:
    # The top of the output scrolled away: the first two lines are gone.
    return "\n".join(text.splitlines()[2:]) + "\n"


def _wrapped(text: str) -> str:
    # A terminal 80 columns wide wraps long lines; the wrapped part starts at the left edge.
    out = []
    for line in text.splitlines():
        while len(line) > 80:
            out.append(line[:80])
            line = line[80:]
        out.append(line)
    return "\n".join(out) + "\n"


VARIANTS: dict[str, Callable[[str], str]] = {
    "fenced": _fenced,
    "after-prompts": _prompted,
    "ansi-colour": _coloured,
    "crlf": _crlf,
    "elided": _elided,
    "header-cut": _headerless,
    "wrapped-80": _wrapped,
}


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("base", BASES)
def test_a_mangled_paste_keeps_its_diagnosis(diagnose_text, base: str, variant: str) -> None:  # type: ignore[no-untyped-def]
    """The same cause, however the paste was framed, cut or wrapped."""
    text, expected = BASES[base]
    result = diagnose_text(VARIANTS[variant](text))
    assert result.root_cause is not None, result.summary
    assert result.root_cause.pattern_id == expected, result.summary
