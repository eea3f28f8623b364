"""Fix steps made concrete with what was collected: the real memory limit, ports.

Pattern solutions may use ``{memory_limit_mb}``, ``{memory_suggested_mb}``,
``{container_port}``, ``{target_port}`` and ``{image}``, filled from the service status,
and ``{variable}``, ``{variable_section}`` and ``{variable_value}``, filled
from the evidence (the setting the application says is missing: a secret goes
under ``secrets`` with a ``${secret:...}`` reference, anything else under
``env``); unknown ones read ``<current>``, ``<larger>``, ``<port>``, ``<image>``, ``<NAME>``.
``{stack}``, ``{environment}`` and ``{service}`` are left for the report
generator, which knows the request.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import attrs

from scdiag import regex
from scdiag.models import ConfigChange, DiagnosticData, Solution

__all__ = ["evidence_values", "render_solutions", "solution_values"]

_FIELD = regex.deferred(r"\{(memory_limit_mb|memory_suggested_mb|container_port|target_port|image|variable|variable_section|variable_value)\}")
_UNKNOWN = {
    "memory_limit_mb": "<current>",
    "memory_suggested_mb": "<larger>",
    "container_port": "<port>",
    "target_port": "<port>",
    "image": "<image>",
    "variable": "<NAME>",
    "variable_section": "env",
    "variable_value": "<value>",
}
# How runtimes name the setting they miss (KeyError, os.environ, "X environment variable is not set", placeholders).
_NAMED_SETTING = regex.deferred(
    r"KeyError: '(?P<a>[A-Z][A-Z0-9_]{2,})'|os\.environ\[['\"](?P<b>[A-Z][A-Z0-9_]{2,})['\"]\]|"
    r"\b(?P<c>[A-Z][A-Z0-9_]{2,})(?: must be set| (?:environment variable|env var)s? (?:is )?(?:not set|missing|required|undefined|not defined|must be set|not found))|"
    r"(?:environment variable|env var)s?:? (?:is )?['\"`]?(?P<d>[A-Z][A-Z0-9_]{2,})|Could not resolve placeholder '(?P<e>[A-Za-z][\w.-]*)'|"
    r"config(?:uration)? (?:value|key) (?P<f>[A-Z][A-Z0-9_]{2,})"
)
# The image a pull error names, as kubelet, ECS, Cloud Run and Container Apps quote it.
_NAMED_IMAGE = regex.deferred(r"""(?i)(?:pull(?:ing)? image|image|failed to resolve ref(?:erence)?)\s+["']?(?P<image>[a-z0-9][\w.-]*(?:[:/][\w.@:-]+)+)["']?""")
_SECRET_NAME = regex.deferred(r"(?i)pass(word|wd)?|secret|token|api_?key|private_?key|credential|dsn|database_url|connection_string")


def evidence_values(excerpts: list[str]) -> dict[str, str]:
    """Placeholder values the evidence names: the image a pull failed on; the missing setting, and where it belongs."""
    found: dict[str, str] = {}
    for excerpt in excerpts:
        image = _NAMED_IMAGE.search(excerpt)
        if image is not None:
            found["image"] = image.group("image").rstrip(".,:")
            break
    return found | _setting_values(excerpts)


def _setting_values(excerpts: list[str]) -> dict[str, str]:
    for excerpt in excerpts:
        match = _NAMED_SETTING.search(excerpt)
        if match is None:
            continue
        name = next(value for value in match.groupdict().values() if value)
        if _SECRET_NAME.search(name):
            reference = name.lower().replace("_", "-").replace(".", "-")
            return {"variable": name, "variable_section": "secrets", "variable_value": f"${{secret:{reference}}}"}
        return {"variable": name, "variable_section": "env", "variable_value": "<value>"}
    return {}


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
    images = [c.image for c in status.containers if c.image and not c.init]
    if images:
        values["image"] = images[0]
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
        return attrs.evolve(
            item,
            key_path=_fill(item.key_path, values) or item.key_path,
            before=_fill(item.before, values),
            after=_fill(item.after, values),
            explanation=_fill(item.explanation, values) or "",
        )

    return tuple(
        attrs.evolve(
            solution,
            description=_fill(solution.description, values) or "",
            steps=tuple(_fill(step, values) or "" for step in solution.steps),
            config_changes=tuple(change(c) for c in solution.config_changes),
        )
        for solution in solutions
    )
