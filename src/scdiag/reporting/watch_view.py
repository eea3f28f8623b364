"""The interactive view of ``scdiag watch`` in a terminal: one panel, updated in place.

It shows the attempted rollout's counts, how long the watch has run, and the
latest events; the verdict and the report follow when the watch ends.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from scdiag.reporting.watch_lines import watch_event_text
from scdiag.watch import RolloutProgress, WatchEvent

__all__ = ["WatchView"]


class WatchView:
    """What the panel holds; :meth:`renderable` draws it (``rich.live.Live`` redraws it in place)."""

    def __init__(self, service: str, mask: Callable[[str], str], events_shown: int = 8) -> None:
        self._service = service
        self._mask = mask
        self._progress: RolloutProgress | None = None
        self._elapsed = 0.0
        self._polls = 0
        self._events: deque[str] = deque(maxlen=events_shown)

    def update(self, event: WatchEvent) -> None:
        """Take in one watch event."""
        self._elapsed, self._polls = event.elapsed, event.poll
        if event.progress is not None:
            self._progress = event.progress
        elif event.event is not None or event.verdict is not None:
            self._events.append(watch_event_text(event, self._mask))

    def renderable(self) -> RenderableType:
        """The panel as it stands."""
        counts = Table.grid(padding=(0, 2))
        progress = self._progress
        row = [
            ("rollout", progress.attempted if progress and progress.attempted else "?"),
            ("desired", progress.desired if progress else None),
            ("running", progress.running if progress else None),
            ("ready", progress.ready if progress else None),
            ("pending", progress.pending if progress else None),
            ("failed", progress.failed if progress else None),
            ("restarts", progress.restarts if progress else None),
        ]
        for label, _value in row:
            counts.add_column(label)
        counts.add_row(*(Text(f"{label} ", style="dim") + Text("-" if value is None else str(value), style="bold") for label, value in row))
        minutes, seconds = divmod(int(self._elapsed), 60)
        events = Text("\n".join(self._events) or "no event yet", style="" if self._events else "dim")
        title = f"scdiag watch {self._service} · {minutes:02d}:{seconds:02d} · poll {self._polls}"
        return Panel(Group(counts, Text(""), events), title=title, title_align="left")
