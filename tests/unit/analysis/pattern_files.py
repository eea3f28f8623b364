"""The one-pattern YAML file the pattern loading and caching tests write."""

from __future__ import annotations

_PATTERN = """
patterns:
  - id: demo-failure
    name: Demo
    category: application
    severity: high
    providers: [aws]
    indicators:
      - {{id: demo-line, kind: log, pattern: '{expression}', weight: 0.9, examples: ['{example}']}}
"""


def demo_pattern(expression: str = "DEMO FAILED", example: str = "DEMO FAILED now") -> str:
    """A valid pattern file whose one log indicator is ``expression``, with ``example`` as its example."""
    return _PATTERN.format(expression=expression, example=example)
