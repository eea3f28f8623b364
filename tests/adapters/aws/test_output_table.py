"""``aws ... --output table``, read back into the JSON it draws and diagnosed like it.

The tables are written in the AWS CLI's table shape: a box per key, titled;
``key | value`` rows for one object; a header row over one row per item for
a list of objects; the count of ``|`` on each side as the depth.
"""

from __future__ import annotations

import json

import pytest

from scdiag.models import DiagnosticStatus

from scdiag_aws.table import table_to_json

SERVICES = """$ aws ecs describe-services --cluster prod --services orders-api --output table
--------------------------------------------------------------------------------------------------------
|                                           DescribeServices                                           |
+------------------------------------------------------------------------------------------------------+
||                                              services                                              ||
|+--------------------------+-------------------------------------------------------------------------+|
||  clusterArn              |  arn:aws:ecs:eu-west-1:123456789012:cluster/prod                        ||
||  desiredCount            |  2                                                                      ||
||  launchType              |  FARGATE                                                                ||
||  pendingCount            |  0                                                                      ||
||  runningCount            |  0                                                                      ||
||  serviceArn              |  arn:aws:ecs:eu-west-1:123456789012:service/prod/orders-api             ||
||  serviceName             |  orders-api                                                             ||
||  status                  |  ACTIVE                                                                 ||
||  taskDefinition          |  arn:aws:ecs:eu-west-1:123456789012:task-definition/orders-api:42       ||
|+--------------------------+-------------------------------------------------------------------------+|
|||                                            deployments                                           |||
||+-----------------------+--------------------------------------------------------------------------+||
|||  createdAt            |  2026-11-24T09:40:02.112000+00:00                                        |||
|||  desiredCount         |  2                                                                       |||
|||  failedTasks          |  4                                                                       |||
|||  id                   |  ecs-svc/4620135418820921045                                             |||
|||  pendingCount         |  0                                                                       |||
|||  rolloutState         |  IN_PROGRESS                                                             |||
|||  rolloutStateReason   |  ECS deployment ecs-svc/4620135418820921045 in progress.                 |||
|||  runningCount         |  0                                                                       |||
|||  status               |  PRIMARY                                                                 |||
|||  taskDefinition       |  arn:aws:ecs:eu-west-1:123456789012:task-definition/orders-api:42        |||
|||  updatedAt            |  2026-11-24T09:48:31.551000+00:00                                        |||
||+-----------------------+--------------------------------------------------------------------------+||
|||                                              events                                              |||
||+----------------------------------+--------------------------------------+------------------------+||
|||             createdAt            |                  id                  |        message         |||
||+----------------------------------+--------------------------------------+------------------------+||
|||  2026-11-24T09:48:31.551000+00:00|  0c1d9a3e-8f2b-4c71-a2f3-5b9e1d7c4a10|  (service orders-api) has started 1 tasks: (task 3f9c2e1a7b6d4c5e8f0a1b2c3d4e5f60).  |||
|||  2026-11-24T09:47:10.020000+00:00|  7e2f4b1c-3d5a-4e6f-9a8b-1c2d3e4f5a6b|  (service orders-api) is unable to consistently start tasks successfully. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.  |||
||+----------------------------------+--------------------------------------+------------------------+||
"""

TASKS = """-----------------------------------------------------------------------------------------------------
|                                           DescribeTasks                                           |
+---------------------------------------------------------------------------------------------------+
||                                              tasks                                              ||
|+---------------------+---------------------------------------------------------------------------+|
||  clusterArn         |  arn:aws:ecs:eu-west-1:123456789012:cluster/prod                          ||
||  desiredStatus      |  STOPPED                                                                  ||
||  group              |  service:orders-api                                                       ||
||  lastStatus         |  STOPPED                                                                  ||
||  launchType         |  FARGATE                                                                  ||
||  stopCode           |  EssentialContainerExited                                                 ||
||  stoppedAt          |  2026-11-24T09:47:02.331000+00:00                                         ||
||  stoppedReason      |  Essential container in task exited                                       ||
||  taskArn            |  arn:aws:ecs:eu-west-1:123456789012:task/prod/3f9c2e1a7b6d4c5e8f0a1b2c3d4e5f60||
||  taskDefinitionArn  |  arn:aws:ecs:eu-west-1:123456789012:task-definition/orders-api:42         ||
|+---------------------+---------------------------------------------------------------------------+|
|||                                           containers                                            |||
||+-------------------+-----------------------------------------------------------------------------+||
|||  exitCode         |  137                                                                        |||
|||  lastStatus       |  STOPPED                                                                    |||
|||  name             |  orders-api                                                                 |||
|||  reason           |  OutOfMemoryError: Container killed due to memory usage                     |||
||+-------------------+-----------------------------------------------------------------------------+||
"""

SUBNETS = """----------------------------------------------------------
|                    DescribeServices                    |
+--------------------------------------------------------+
||                       services                       ||
|+-----------------+------------------------------------+|
||  serviceName    |  orders-api                        ||
|+-----------------+------------------------------------+|
|||                networkConfiguration                |||
||+----------------------------------------------------+||
||||                awsvpcConfiguration               ||||
|||+--------------------------------------------------+|||
||||  assignPublicIp   |  DISABLED                     ||||
|||+--------------------------------------------------+|||
|||||                     subnets                    |||||
||||+------------------------------------------------+||||
|||||  subnet-0a1b2c3d                               |||||
|||||  subnet-4e5f6a7b                               |||||
||||+------------------------------------------------+||||
"""


def test_a_stopped_task_table_is_diagnosed_like_its_json(diagnose_text) -> None:  # type: ignore[no-untyped-def]
    """The stop code, exit code and container reason of the table: an OOM kill, read by the table reader."""
    result = diagnose_text(TASKS)
    assert [r.reader for r in result.data.inputs] == ["aws-output-table"]
    assert result.root_cause is not None and result.root_cause.pattern_id == "container-oom-kill"


def test_the_table_and_the_json_of_a_task_give_the_same_instance(read_text) -> None:  # type: ignore[no-untyped-def]
    """The table rebuilt as JSON, and that JSON read as a capture: one instance, the same one."""
    from_table = read_text(TASKS, "tasks.txt").status
    _operation, document = table_to_json(TASKS)
    from_json = read_text(json.dumps(document, indent=4), "tasks.json").status
    assert from_table is not None and from_json is not None
    assert [(i.id, i.reason, i.message, [c.last_termination for c in i.containers]) for i in from_table.instances] == [
        (i.id, i.reason, i.message, [c.last_termination for c in i.containers]) for i in from_json.instances
    ]


def test_a_list_of_objects_drawn_as_columns_becomes_items(read_text) -> None:  # type: ignore[no-untyped-def]
    """The events box: a header row, then one row per event; each becomes an event with its message."""
    data = read_text(SERVICES)
    messages = [event.message for group in data.events for event in group.events]
    assert any("is unable to consistently start tasks successfully" in m for m in messages) and len(messages) == 2


def test_the_service_and_its_deployment_are_read(read_text) -> None:  # type: ignore[no-untyped-def]
    """Counts and the primary deployment's rollout state, from key | value rows in nested boxes."""
    data = read_text(SERVICES)
    assert data.service_name == "orders-api"
    assert data.status is not None and (data.status.desired_count, data.status.running_count) == (2, 0)
    assert [r.rollout_state for r in data.status.rollouts] == ["IN_PROGRESS"]


def test_a_list_of_plain_values_stays_a_list() -> None:
    """subnets, four boxes deep: two values, under the keys above them."""
    _operation, document = table_to_json(SUBNETS)
    network = document["services"][0]["networkConfiguration"]["awsvpcConfiguration"]
    assert network == {"assignPublicIp": "DISABLED", "subnets": ["subnet-0a1b2c3d", "subnet-4e5f6a7b"]}


@pytest.mark.parametrize(
    "damage",
    [lambda t: t.replace("\n", "\r\n"), lambda t: t.rsplit("|+", 1)[0], lambda t: "```\n" + t + "```\n"],
    ids=["crlf", "cut-before-the-last-border", "in-a-markdown-fence"],
)
def test_a_damaged_paste_still_reads(diagnose_text, damage) -> None:  # type: ignore[no-untyped-def]
    """Windows line ends, a paste cut before the last border, a Markdown fence around it."""
    result = diagnose_text(damage(TASKS))
    assert result.root_cause is not None and result.root_cause.pattern_id == "container-oom-kill"


def test_a_healthy_service_table_is_not_failed(diagnose_text) -> None:  # type: ignore[no-untyped-def]
    """A completed deployment with every task running: no failure."""
    healthy = SERVICES.replace("IN_PROGRESS", "COMPLETED").replace("||  runningCount            |  0 ", "||  runningCount            |  2 ")
    healthy = healthy.replace("|||  runningCount         |  0 ", "|||  runningCount         |  2 ").replace("|||  failedTasks          |  4 ", "|||  failedTasks          |  0 ")
    healthy = "\n".join(line for line in healthy.splitlines() if "unable to consistently" not in line) + "\n"
    result = diagnose_text(healthy)
    assert result.status is not DiagnosticStatus.FAILED


def test_evidence_cites_the_tables_own_line(diagnose_text) -> None:  # type: ignore[no-untyped-def]
    """The container's reason is cited at its row of the table, not at a line of the JSON rebuilt from it."""
    result = diagnose_text(TASKS, "tasks.txt")
    lines = TASKS.splitlines()
    cited = [e.location for e in result.root_cause.evidence if e.location is not None and e.location.line]
    assert cited and all("OutOfMemoryError" in lines[location.line - 1] or "137" in lines[location.line - 1] for location in cited)
