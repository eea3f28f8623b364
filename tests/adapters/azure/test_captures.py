"""az captures normalise into the shared models."""

from __future__ import annotations

from tests.adapters.conftest import SCENARIOS


def test_system_rows_become_events_with_reasons(read) -> None:  # type: ignore[no-untyped-def]
    """ContainerAppSystemLogs_CL rows: Reason_s and Log_s."""
    data = read(SCENARIOS / "aca-oom" / "system-logs.json")
    events = [e for g in data.events for e in g.events]
    assert any(e.reason == "ContainerTerminated" and "OOMKilled" in e.message for e in events)
    assert data.provider == "azure" and data.service_name == "web"


def test_the_newer_tables_read_the_same(read) -> None:  # type: ignore[no-untyped-def]
    """ContainerAppSystemLogs rows (no _s suffix) give events too."""
    events = [e for g in read(SCENARIOS / "aca-liveness" / "system-logs.json").events for e in g.events]
    assert any(e.reason == "StoppingContainer" for e in events)


def test_console_rows_become_log_lines(read) -> None:  # type: ignore[no-untyped-def]
    """ContainerAppConsoleLogs_CL rows are the container's log."""
    data = read(SCENARIOS / "aca-dns" / "console-logs.json")
    assert any("ENOTFOUND redis" in e.message for log in data.logs for e in log.entries)


def test_revisions_mark_the_newest_current_and_failed(read) -> None:  # type: ignore[no-untyped-def]
    """The newest revision is the one diagnosed, with its running state."""
    rollout = read(SCENARIOS / "aca-provisioning-crash" / "revisions.json").status.current_rollout()
    assert rollout is not None and rollout.id == "web--rev7" and rollout.rollout_state == "FAILED"


def test_az_errors_are_read_as_azure_output(read) -> None:  # type: ignore[no-untyped-def]
    """An az error with a Container Apps code is taken by the Azure reader."""
    data = read(SCENARIOS / "aca-keyvault" / "az-output.txt")
    assert data.inputs[0].reader == "az-deploy-error-text" and data.provider == "azure"


def test_log_analytics_rows_copied_as_a_tab_separated_grid(read, read_text) -> None:  # type: ignore[no-untyped-def]
    """The portal's results grid, copied with its header, reads like the query's JSON rows."""
    from scdiag.captures.jsontext import load_json_text

    rows_file = SCENARIOS / "aca-oom" / "system-logs.json"
    rows = load_json_text(rows_file.read_text(encoding="utf-8")).value
    columns = [c for c in rows[0] if c != "TableName"]
    grid = "\n".join(["\t".join(columns), *("\t".join(str(r.get(c, "")) for c in columns) for r in rows)]) + "\n"
    data = read_text(grid, name="results.tsv")
    assert data.inputs[0].reader == "az-log-analytics-rows"
    events = [(e.reason, e.message) for g in data.events for e in g.events]
    assert events == [(e.reason, e.message) for g in read(rows_file).events for e in g.events] != []


def test_a_grid_too_large_to_segment_is_converted_while_read(read, read_text, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Past the paste limit the rows stream through the same conversion, each on its own line."""
    from scdiag.captures import pipeline
    from scdiag.captures.jsontext import load_json_text

    monkeypatch.setattr(pipeline, "MAX_PASTE_CHARS", 200)
    rows_file = SCENARIOS / "aca-oom" / "system-logs.json"
    rows = load_json_text(rows_file.read_text(encoding="utf-8")).value
    columns = [c for c in rows[0] if c != "TableName"]
    grid = "\n".join(["\t".join(columns), *("\t".join(str(r.get(c, "")) for c in columns) for r in rows)]) + "\n"
    data = read_text(grid, name="results.tsv")
    assert data.inputs[0].reader == "az-log-analytics-rows" and data.inputs[0].problems == ()
    events = [e for g in data.events for e in g.events]
    assert [(e.reason, e.message) for e in events] == [(e.reason, e.message) for g in read(rows_file).events for e in g.events]
    assert [e.location.line for e in events] == sorted(e.location.line for e in events)
    assert events[0].location.line >= 2


def test_a_revision_that_failed_to_activate_leaves_the_traffic_on_the_previous_one(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Container Apps: the latest revision is the attempt; the ready one keeps the traffic and is named."""
    import json

    from scdiag.app import DiagnosticOrchestrator
    from scdiag.captures.jsontext import load_json_text
    from scdiag.models import DiagnosticStatus, RolloutOutcome

    scenario = SCENARIOS / "aca-provisioning-crash"
    revisions = load_json_text((scenario / "revisions.json").read_text(encoding="utf-8")).value
    for revision in revisions:
        revision["properties"]["trafficWeight"] = 100 if revision["name"] == "web--rev6" else 0
    (tmp_path / "revisions.json").write_text(json.dumps(revisions))
    (tmp_path / "app.json").write_text((scenario / "app.json").read_text(encoding="utf-8"))
    result = DiagnosticOrchestrator().analyze_captures([str(tmp_path)])
    assert result.status is DiagnosticStatus.FAILED
    assert (result.rollout.attempted, result.rollout.serving, result.rollout.outcome) == ("web--rev7", "web--rev6", RolloutOutcome.FAILED)
    assert "the traffic stays on web--rev6" in result.summary
    assert result.data.service_name == "web"


def test_job_executions_read_like_the_live_ones(read_text) -> None:  # type: ignore[no-untyped-def]
    """`az containerapp job execution list`: the newest execution is the attempt, with its status as the outcome."""
    import json

    executions = [
        {"name": "migrate-8f2k1", "type": "Microsoft.App/jobs/executions", "properties": {"status": "Succeeded", "startTime": "2026-11-19T14:00:00+00:00"}},
        {"name": "migrate-x7k2p", "type": "Microsoft.App/jobs/executions", "properties": {"status": "Failed", "startTime": "2026-11-20T14:00:00+00:00"}},
    ]
    data = read_text(json.dumps(executions, indent=2), name="executions.json")
    attempt = data.status.current_rollout()
    assert (attempt.id, attempt.outcome.value) == ("migrate-x7k2p", "failed")


def test_a_long_export_keeps_the_rows_that_matter_and_reports_the_unreadable_ones(read_text) -> None:  # type: ignore[no-untyped-def]
    """Thousands of ordinary system rows: the failing one and the last ones are kept; a bad field is named."""
    import json

    ordinary = {
        "TimeGenerated": "2026-11-20T14:00:00Z", "ContainerAppName_s": "web", "RevisionName_s": "web--rev7",
        "Type_s": "Normal", "Reason_s": "ContainerStarted", "Log_s": "Started container 'web'", "EventSource_s": "ContainerAppController",
    }
    rows = [dict(ordinary) for _ in range(5000)]
    rows[2500].update(Type_s="Warning", Reason_s="ContainerTerminated", Log_s="Container 'web' was terminated with exit code '137' and reason 'OOMKilled'")
    rows[-1]["Reason_s"] = {"not": "a reason"}
    data = read_text("[\n" + ",\n".join(json.dumps(row) for row in rows) + "\n]\n", name="rows.json")
    events = [e for g in data.events for e in g.events]
    assert any("OOMKilled" in e.message for e in events)
    assert len(events) < 300
    assert [e.reason for e in events if e.location.line == 5001] == [None]
    assert any(problem.startswith(f"{data.inputs[0].path}:5001:") and "Reason_s" in problem for problem in data.inputs[0].problems)


def test_rows_named_with_units_read_like_the_query_rows(read, read_text) -> None:  # type: ignore[no-untyped-def]
    """The portal's export names columns with their unit ("TimeGenerated [UTC]"): the same events."""
    import json

    from scdiag.captures.jsontext import load_json_text

    rows_file = SCENARIOS / "aca-oom" / "system-logs.json"
    rows = load_json_text(rows_file.read_text(encoding="utf-8")).value
    with_units = [{(f"{key} [UTC]" if key == "TimeGenerated" else key): value for key, value in row.items()} for row in rows]
    data = read_text(json.dumps(with_units, indent=2), name="export.json")

    def events(of):  # type: ignore[no-untyped-def]
        return [(e.reason, e.message, e.timestamp, e.resource) for g in of.events for e in g.events]

    assert events(data) == events(read(rows_file)) != []
    assert (data.service_name, data.deployment_id) == ("web", read(rows_file).deployment_id)


def test_rows_with_other_columns_among_them_read_each_by_its_own(read_text) -> None:  # type: ignore[no-untyped-def]
    """Rows that leave out empty columns, or come from two tables, each read by their own columns."""
    import json

    rows = [
        {"TimeGenerated": "2026-11-20T14:00:00Z", "ContainerAppName_s": "web", "Reason_s": "ContainerStarted", "Log_s": "Started container 'web'", "EventSource_s": "ContainerAppController"},
        {"TimeGenerated": "2026-11-20T14:00:01Z", "ContainerAppName": "web", "Reason": "ContainerTerminated", "Log": "Container 'web' was terminated with exit code '137' and reason 'OOMKilled'", "EventSource": "ContainerAppController"},
        {"TimeGenerated": "2026-11-20T14:00:02Z", "ContainerAppName_s": "web", "Stream_s": "stderr", "Log_s": "java.lang.OutOfMemoryError: Java heap space"},
    ]
    data = read_text(json.dumps(rows, indent=2), name="rows.json")

    assert [(e.reason, e.message) for g in data.events for e in g.events] == [
        ("ContainerStarted", "Started container 'web'"),
        ("ContainerTerminated", "Container 'web' was terminated with exit code '137' and reason 'OOMKilled'"),
    ]
    assert [e.message for log in data.logs for e in log.entries] == ["java.lang.OutOfMemoryError: Java heap space"]
    assert data.service_name == "web"
