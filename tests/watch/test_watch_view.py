"""The terminal view of a watch: the rollout's counts, the time, the latest events, redrawn in place."""

from __future__ import annotations

import io
from datetime import datetime, timezone

from rich.console import Console

from scdiag.models import DiagnosticEvent, EventLevel
from scdiag.reporting.watch_view import WatchView
from scdiag.watch import RolloutProgress, WatchEvent, WatchEventType

AT = datetime(2026, 11, 20, 14, 0, tzinfo=timezone.utc)


def _render(view: WatchView) -> str:
    out = io.StringIO()
    Console(file=out, width=120, color_system=None).print(view.renderable())
    return out.getvalue()


def test_the_panel_shows_the_latest_counts_and_events() -> None:
    """A later progress replaces the earlier one; events accumulate, secrets masked."""
    view = WatchView("web", mask=lambda text: text.replace("hunter22", "****"), events_shown=2)
    view.update(WatchEvent(WatchEventType.PROGRESS, 1, 0.0, AT, progress=RolloutProgress("web-7f8c", desired=3, running=1, ready=0, pending=2)))
    view.update(WatchEvent(WatchEventType.EVENT, 1, 0.0, AT, event=DiagnosticEvent("pulling image", source="kubernetes-event", reason="Pulling")))
    view.update(WatchEvent(WatchEventType.EVENT, 2, 5.0, AT, event=DiagnosticEvent("DB_PASSWORD=hunter22 rejected", source="kubernetes-event", level=EventLevel.WARNING, reason="Failed")))
    view.update(WatchEvent(WatchEventType.EVENT, 3, 10.0, AT, event=DiagnosticEvent("Back-off pulling image", source="kubernetes-event", level=EventLevel.WARNING, reason="BackOff")))
    view.update(WatchEvent(WatchEventType.PROGRESS, 3, 72.0, AT, progress=RolloutProgress("web-7f8c", desired=3, running=1, ready=1, pending=1, failed=1, restarts=2)))
    text = _render(view)
    assert "scdiag watch web · 01:12 · poll 3" in text
    assert "ready 1" in text and "failed 1" in text and "restarts 2" in text
    assert "DB_PASSWORD=**** rejected" in text and "Back-off pulling image" in text
    assert "Pulling pulling image" not in text  # only the last two are shown
