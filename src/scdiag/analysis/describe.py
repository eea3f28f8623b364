"""Describing a pattern for people (``scdiag patterns show ID``) and as JSON."""

from __future__ import annotations

from typing import Any

from scdiag.analysis.patterns import FailurePattern, Indicator
from scdiag.serialization import unstructure

__all__ = ["describe_pattern", "pattern_document"]


def _indicator_document(indicator: Indicator) -> dict[str, Any]:
    document: dict[str, Any] = {"id": indicator.id, "kind": indicator.kind.value, "weight": indicator.weight}
    for key in ("pattern", "reason"):
        regex = getattr(indicator, key)
        if regex is not None:
            document[key] = regex.source
    optional = {
        "source": indicator.source,
        "codes": list(indicator.codes) or None,
        "metric": indicator.metric,
        "above": indicator.above,
        "below": indicator.below,
        "duration_seconds": indicator.duration_seconds or None,
        "fact": indicator.fact.value if indicator.fact else None,
        "state": indicator.state,
        "providers": list(indicator.providers) or None,
        "required": indicator.required or None,
        "tail_only": indicator.tail_only or None,
    }
    document.update({k: v for k, v in optional.items() if v is not None})
    document["examples"] = list(indicator.examples)
    return document


def pattern_document(pattern: FailurePattern) -> dict[str, Any]:
    """The pattern as plain data."""
    return {
        "id": pattern.id,
        "name": pattern.name,
        "category": pattern.category,
        "severity": pattern.severity.value,
        "providers": list(pattern.providers),
        "wrapper": pattern.wrapper,
        "tier": pattern.tier,
        "description": pattern.description,
        "role": pattern.role.value,
        "indicators": [_indicator_document(i) for i in pattern.indicators],
        "solutions": unstructure(pattern.solutions),
        "prevention": list(pattern.prevention),
        "learn_more": list(pattern.learn_more),
        "origin": pattern.origin,
        "version": pattern.version,
    }


def describe_pattern(pattern: FailurePattern) -> str:
    """The pattern as readable text."""
    lines = [
        f"{pattern.id}: {pattern.name}",
        f"  category {pattern.category} · severity {pattern.severity.value} · providers {', '.join(pattern.providers)}"
        + (" · wrapper (a symptom, never the root cause)" if pattern.wrapper else ""),
    ]
    if pattern.description:
        lines.append(f"  {pattern.description}")
    lines.append("Indicators:")
    for indicator in pattern.indicators:
        doc = _indicator_document(indicator)
        what = ", ".join(f"{k}={v}" for k, v in doc.items() if k not in ("id", "kind", "weight", "examples"))
        lines.append(f"  - {indicator.id} [{indicator.kind.value}, weight {indicator.weight}] {what}")
        lines.extend(f"      e.g. {example}" for example in indicator.examples[:3])
    for solution in pattern.solutions:
        lines.append(f"Fix: {solution.title}")
        lines.extend(f"  {n}. {step}" for n, step in enumerate(solution.steps, 1))
        for change in solution.config_changes:
            lines.append(f"  {change.file}: {change.key_path}: {change.before} -> {change.after}")
    if pattern.prevention:
        lines.append("Prevention:")
        lines.extend(f"  - {p}" for p in pattern.prevention)
    if pattern.learn_more:
        lines.append("Learn more:")
        lines.extend(f"  {url}" for url in pattern.learn_more)
    lines.append(f"Defined in {pattern.origin}")
    return "\n".join(lines)
