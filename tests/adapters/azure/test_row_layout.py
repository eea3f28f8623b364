"""A row read by the spellings its columns have says what it says when every spelling is tried."""

from __future__ import annotations

from typing import Any

import pytest

from scdiag_azure.normalize import RowLayout, system_row_words

ROWS: dict[str, dict[str, Any]] = {
    "classic system table": {"TimeGenerated": "2026-11-20T14:00:00Z", "ContainerAppName_s": "web", "RevisionName_s": "web--rev7", "Reason_s": "ContainerCrashing", "Log_s": "Container 'web' crashed", "EventSource_s": "ContainerAppController"},
    "newer system table": {"TimeGenerated": "2026-11-20T14:00:00Z", "ContainerAppName": "web", "RevisionName": "web--rev7", "Reason": "ProbeFailed", "Msg": "Probe of StartUp failed", "EventSource": "ContainerAppController"},
    "console table": {"TimeGenerated": "2026-11-20T14:00:00Z", "ContainerAppName_s": "web", "RevisionName_s": "web--rev7", "Stream_s": "stderr", "Log_s": "Error: listen EADDRINUSE"},
    "an empty first spelling": {"ContainerAppName_s": "", "ContainerAppName": "api", "RevisionName_s": None, "RevisionName": "api--r2", "Reason_s": "", "Reason": "ImagePullBackOff", "Log_s": "", "Message": "Back-off pulling image"},
    "no names, a numeric reason": {"Reason_d": 3, "Log_s": "exit code 3"},
    "falsy values": {"Reason_d": 0, "Log_s": False, "EventSource_s": []},
    "neither system nor console": {"TimeGenerated": "2026-11-20T14:00:00Z", "Computer": "aks-node-1"},
}


def _every_spelling(row: dict[str, Any]) -> tuple[tuple[str | None, str | None], tuple[str, str] | None]:
    def text(*keys: str) -> str | None:
        return next((value for value in (row.get(key) for key in keys) if isinstance(value, str) and value), None)

    return (text("ContainerAppName_s", "ContainerAppName"), text("RevisionName_s", "RevisionName")), system_row_words(row)


@pytest.mark.parametrize("row", ROWS.values(), ids=ROWS.keys())
def test_a_layout_reads_a_row_as_every_spelling_does(row: dict[str, Any]) -> None:
    assert RowLayout(tuple(row)).read(row) == _every_spelling(row)


def test_columns_named_with_their_unit_are_said_to_need_renaming() -> None:
    layout = RowLayout(("TimeGenerated [UTC]", "Reason_s", "Log_s"))
    assert layout.units
    assert layout.read({"TimeGenerated": "2026-11-20T14:00:00Z", "Reason_s": "ContainerCrashing", "Log_s": "crashed"})[1] == ("crashed", "ContainerCrashing")
