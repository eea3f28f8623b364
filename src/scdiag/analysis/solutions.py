"""Fix steps made concrete with what was collected: the real memory limit, ports.

Pattern solutions may use ``{memory_limit_mb}``, ``{memory_suggested_mb}``,
``{container_port}`` and ``{target_port}``; they are filled from the service
status, or shown as ``<current>`` / ``<larger>`` / ``<port>`` when unknown.
``{stack}``, ``{environment}`` and ``{service}`` are left for the report
generator, which knows the request.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import attrs

from scdiag import regex
from scdiag.models import ConfigChange, DiagnosticData, Solution

__all__ = ["render_solutions", "solution_values"]

_FIELD = regex.compile(r"\{(memory_limit_mb|memory_suggested_mb|container_port|target_port)\}")
_UNKNOWN = {"memory_limit_mb": "<current>", "memory_suggested_mb": "<larger>", "container_port": "<port>", "target_port": "<port>"}


def solution_values(data: DiagnosticData) -> dict[str, str]:
    """Values for the placeholders that the data can supply."""
    values: dict[str, str] = {}
    status = data.status
    if status is None:
        return values
    limits = [c.memory_limit_mib for c in status.containers if c.memory_limit_mib and not c.init]
    if limits:
        limit = max(limits)
        values["memory_limit_mb"] = f"{limit:g}"
        # Double it, rounded up to a multiple of 256 MB: a step that usually clears an OOM loop.
        values["memory_suggested_mb"] = str(int(math.ceil(limit * 2 / 256) * 256))
    ports = [port for c in status.containers if not c.init for port in c.ports]
    if ports:
        values["container_port"] = str(ports[0])
    targets = [e.target_port for e in status.endpoints if e.target_port is not None]
    if targets:
        values["target_port"] = str(targets[0])
    return values


def _fill(text: str | None, values: Mapping[str, str]) -> str | None:
    if text is None:
        return None
    return _FIELD.sub(lambda m: values.get(m.group(1), _UNKNOWN[m.group(1)]), text)


def render_solutions(solutions: tuple[Solution, ...], values: Mapping[str, str]) -> tuple[Solution, ...]:
    """The solutions with data placeholders filled in."""

    def change(item: ConfigChange) -> ConfigChange:
        return attrs.evolve(item, before=_fill(item.before, values), after=_fill(item.after, values), explanation=_fill(item.explanation, values) or "")

    return tuple(
        attrs.evolve(
            solution,
            description=_fill(solution.description, values) or "",
            steps=tuple(_fill(step, values) or "" for step in solution.steps),
            config_changes=tuple(change(c) for c in solution.config_changes),
        )
        for solution in solutions
    )
