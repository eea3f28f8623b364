"""Deadlines on the monotonic clock, shared by collection and cloud calls."""

from __future__ import annotations

import time
from collections.abc import Callable

import attrs

__all__ = ["Deadline"]


@attrs.frozen
class Deadline:
    """A point in time (on the monotonic clock) by which work must finish."""

    expires_at: float
    """``time.monotonic()`` value of the deadline."""

    @classmethod
    def after(cls, seconds: float, *, clock: Callable[[], float] = time.monotonic) -> Deadline:
        """A deadline ``seconds`` from now."""
        return cls(clock() + seconds)

    @classmethod
    def never(cls) -> Deadline:
        """A deadline that never expires."""
        return cls(float("inf"))

    def remaining(self, *, clock: Callable[[], float] = time.monotonic) -> float:
        """Seconds left, never negative."""
        return max(0.0, self.expires_at - clock())

    def expired(self, *, clock: Callable[[], float] = time.monotonic) -> bool:
        """Whether the deadline has passed."""
        return self.remaining(clock=clock) <= 0.0
