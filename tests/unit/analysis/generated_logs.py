"""Generated logs for the tests that compare two ways of finding the same lines."""

from __future__ import annotations

import random

from tests.unit.analysis.test_knowledge_base import HEALTHY, PATTERNS

_ORDINARY = (
    "2026-11-20T14:00:{second:02d}.{milli:03d}Z INFO GET /api/products/{n} 200 {ms}ms",
    "2026-11-20T14:00:{second:02d}.{milli:03d}Z DEBUG cache hit key=product:{n}",
    "{{\"level\":\"info\",\"msg\":\"served\",\"path\":\"/orders/{n}\",\"ms\":{ms}}}",
    "  at com.example.shop.OrderService.handle(OrderService.java:{n})",
    "",
    "température élevée: {n} °C — ok",
)


def _examples() -> list[str]:
    lines = [str(example if isinstance(example, str) else example.get("message", "")) for pattern in PATTERNS for indicator in pattern.indicators for example in indicator.examples]
    lines += [str(item if isinstance(item, str) else item.get("message", "")) for items in HEALTHY.values() for item in items]
    return [part for line in lines for part in line.split("\n")]


def log(seed: int) -> list[str]:
    """A generated log: ordinary lines with every example of the knowledge base among them."""
    chooser = random.Random(seed)
    lines = []
    for example in _examples():
        for _ in range(chooser.randrange(0, 40)):
            n = chooser.randrange(100000)
            lines.append(chooser.choice(_ORDINARY).format(second=n % 60, milli=n % 1000, n=n, ms=n % 900))
        lines.append(example)
    return lines


def blocks(lines: list[str], size: int) -> list[str]:
    return ["\n".join(lines[start : start + size]) for start in range(0, len(lines), size)]
