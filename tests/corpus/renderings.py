"""The corpus re-rendered the way users hold it: YAML, one concatenated paste, one file.

Each rendering turns a scenario's captured files into other input files with
the same content, in a shape a cloud CLI or a person produces:

- ``json``: the files as captured (the corpus itself).
- ``yaml``: every JSON file as the YAML ``-o yaml`` (or gcloud's default) prints.
- ``text``: the console and describe renderings (:mod:`text_renderings`).
- ``stdin``: every file concatenated into one input, as ``cat * | scdiag analyze -``.
- ``single``: only the file that carries the root cause's strongest evidence.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import yaml

from scdiag.captures.jsontext import load_json_text
from text_renderings import render_text

__all__ = ["RENDERINGS", "scenario_files"]


def scenario_files(scenario: Path) -> list[Path]:
    """The captured inputs of a scenario (its label excluded)."""
    return [p for p in sorted(scenario.iterdir()) if p.name != "label.yaml"]


def _json_value(path: Path) -> object | None:
    """The JSON a capture holds, after any warning lines a CLI printed before it."""
    if path.suffix != ".json":
        return None
    return load_json_text(path.read_text(encoding="utf-8")).value


def as_json(scenario: Path, _out: Path) -> list[Path]:
    """The files as captured."""
    return scenario_files(scenario)


def as_yaml(scenario: Path, out: Path) -> list[Path]:
    """JSON files as YAML; other files unchanged."""
    paths = []
    for path in scenario_files(scenario):
        value = _json_value(path)
        if value is None:
            paths.append(path)
            continue
        target = out / (path.stem + ".yaml")
        target.write_text(yaml.safe_dump(value, sort_keys=False, allow_unicode=True), encoding="utf-8")
        paths.append(target)
    return paths


def as_text(scenario: Path, out: Path) -> list[Path]:
    """Console and describe text for what has such a rendering; the rest as captured."""
    return render_text(scenario, scenario_files(scenario), out)


def concatenated(scenario: Path, out: Path) -> list[Path]:
    """Every file one after the other in one input."""
    target = out / "stdin.txt"
    parts = [path.read_text(encoding="utf-8").rstrip("\n") + "\n" for path in scenario_files(scenario)]
    target.write_text("".join(parts), encoding="utf-8")
    return [target]


RENDERINGS: dict[str, Callable[[Path, Path], list[Path]]] = {
    "json": as_json,
    "yaml": as_yaml,
    "text": as_text,
    "stdin": concatenated,
}
"""Rendering name -> (scenario, output directory) -> input files. ``single`` is computed by the evaluator."""
