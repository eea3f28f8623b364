"""Facts derived from the service status: is the rollout healthy, do ports agree.

These are the only places the engine reasons about the status as a whole;
everything else is matching indicators against signals.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

from scdiag._records import record
from scdiag.analysis.patterns import FactName, compile_regex

from scdiag.models import ContainerStatus, Instance, RolloutOutcome, RolloutVerdict, ServiceStatus, SourceLocation

__all__ = ["LISTENING", "Fact", "RolloutHealth", "all_listed_ready", "assess_rollout", "derive_facts", "failing_instances", "rollout_verdict"]

class RolloutHealth(str, enum.Enum):
    """The platform's verdict on the current rollout, before any pattern."""

    HEALTHY = "healthy"
    FAILED = "failed"
    PROGRESSING = "progressing"
    UNKNOWN = "unknown"


def _container_failing(container: ContainerStatus) -> bool:
    """The adapter's word when it gave one; else a failed end, now or before the last restart."""
    if container.failing is not None:
        return container.failing
    if container.termination is not None and container.termination.failed:
        return True
    return container.last_termination is not None and container.restart_count > 0 and bool(container.last_termination.failed)


def _instance_failing(instance: Instance) -> bool:
    if instance.terminating:
        return False
    if instance.failing is not None:
        return instance.failing
    return any(_container_failing(container) for container in instance.containers)


def failing_instances(status: ServiceStatus, old: set[str]) -> list[Instance]:
    """Instances of the current rollout that show a failure."""
    return [instance for instance in status.instances if instance.id not in old and _instance_failing(instance)]


_FAILED_OUTCOMES = (RolloutOutcome.FAILED, RolloutOutcome.ROLLED_BACK, RolloutOutcome.NOT_STARTED)


def assess_rollout(status: ServiceStatus | None, old: set[str]) -> RolloutHealth:
    """What the status alone says about the attempted rollout (healthy now or not, the attempt decides)."""
    if status is None:
        return RolloutHealth.UNKNOWN
    rollout = status.current_rollout()
    if rollout is not None and rollout.outcome in _FAILED_OUTCOMES:
        return RolloutHealth.FAILED
    failing = failing_instances(status, old)
    conditions = list(status.conditions) + (list(rollout.conditions) if rollout else [])
    if any(condition.failing for condition in conditions):
        return RolloutHealth.FAILED
    if rollout is not None and (rollout.rollout_state or "").upper() == "FAILED":
        return RolloutHealth.FAILED
    if failing:
        return RolloutHealth.FAILED
    desired = rollout.desired if rollout and rollout.desired is not None else status.desired_count
    running = rollout.running if rollout and rollout.running is not None else status.running_count
    ready = rollout.ready if rollout and rollout.ready is not None else None
    complete = rollout is None or (rollout.rollout_state or "COMPLETED").upper() == "COMPLETED"
    ready_condition = any(c.failing is False for c in conditions) or (rollout is not None and rollout.outcome is RolloutOutcome.SUCCEEDED)
    if any(e.kind == "selector" and e.ready_addresses == 0 and e.not_ready_addresses == 0 for e in status.endpoints):
        return RolloutHealth.FAILED
    if desired is not None and running is not None:
        enough = running >= desired and (ready is None or ready >= desired)
        if enough and complete and not any(t.state == "unhealthy" for t in status.targets):
            return RolloutHealth.HEALTHY
        return RolloutHealth.PROGRESSING
    if ready_condition:
        return RolloutHealth.HEALTHY
    if rollout is None and all_listed_ready(status, old):
        return RolloutHealth.HEALTHY
    return RolloutHealth.UNKNOWN


def all_listed_ready(status: ServiceStatus, old: set[str]) -> bool:
    """Every instance listed runs ready, and none of its containers ever restarted.

    What a list of instances without the rollout's desired count can show
    (``kubectl get pods`` alone); a restart, even one the instance recovered
    from, leaves the verdict open.
    """
    current = [i for i in status.instances if i.id not in old and not i.terminating]
    if not current:
        return False
    for instance in current:
        containers = [c for c in instance.containers if not c.init]
        if instance.ready is False or _instance_failing(instance) or not containers:
            return False
        if any(c.ready is not True or c.restart_count > 0 for c in containers):
            return False
    return True


def rollout_verdict(status: ServiceStatus | None, old: set[str], health: RolloutHealth) -> RolloutVerdict | None:
    """The attempted rollout, what serves now, and the checks behind ``health``, in words."""
    if status is None:
        return None
    attempted = status.current_rollout()
    # Another rollout serves only when the attempt does not (it may share the traffic while it rolls out).
    serving = None if attempted is not None and attempted.serving else next((r for r in status.rollouts if r.serving and r is not attempted), None)
    checks: list[str] = []
    if attempted is not None:
        state = attempted.outcome.value.replace("_", " ") if attempted.outcome else (attempted.rollout_state or "").lower().replace("_", " ")
        checks.append(f"attempted rollout {attempted.id}: {state or 'state not reported'}" + (f" ({attempted.reason})" if attempted.reason else ""))
    if serving is not None:
        checks.append(f"rollout {serving.id} receives the traffic now")
    current = [i for i in status.instances if i.id not in old and not i.terminating]
    failing = failing_instances(status, old)
    if current:
        checks.append(f"{len(failing)} of {len(current)} instance(s) of the attempted rollout show a failure")
    desired = attempted.desired if attempted and attempted.desired is not None else status.desired_count
    running = attempted.running if attempted and attempted.running is not None else status.running_count
    if desired is not None and running is not None:
        checks.append(f"{running} of {desired} desired instance(s) running")
    elif attempted is None and current and all_listed_ready(status, old):
        checks.append(f"all {len(current)} listed instance(s) ready, none restarted (the data does not say how many the rollout wants)")
    if status.targets:
        unhealthy = sum(1 for t in status.targets if t.state == "unhealthy")
        checks.append(f"{unhealthy} of {len(status.targets)} load-balancer target(s) unhealthy")
    for condition in status.conditions:
        if condition.failing is not None:
            checks.append(f"{condition.type}={condition.status}" + (f" ({condition.reason})" if condition.reason else ""))
    outcome = attempted.outcome if attempted is not None else None
    if outcome is None and health is RolloutHealth.HEALTHY:
        outcome = RolloutOutcome.SUCCEEDED
    elif outcome is None and health is RolloutHealth.FAILED:
        outcome = RolloutOutcome.FAILED
    elif outcome is None and health is RolloutHealth.PROGRESSING:
        outcome = RolloutOutcome.IN_PROGRESS
    return RolloutVerdict(
        attempted=attempted.id if attempted is not None else None,
        serving=serving.id if serving is not None else None,
        outcome=outcome,
        reason=attempted.reason if attempted is not None else None,
        checks=tuple(checks),
    )


LISTENING = compile_regex(
    r"(?i)\b(?:listening|running|serving|started|bound|accepting connections)\b.{0,60}?(?:\bport\s*[:=]?\s*|:)(\d{2,5})\b"
)
"""A line saying which port the application listens on (the port-mismatch rule reads it)."""


def _listen_port_mismatch(status: ServiceStatus, listening: Iterable[tuple[str, SourceLocation | None]]) -> Fact | None:
    expected = {p for c in status.containers if not c.init for p in c.ports}
    expected |= {e.target_port for e in status.endpoints if isinstance(e.target_port, int)}
    if not expected:
        return None
    for line, location in listening:
        match = LISTENING.compiled.search(line)
        if match and int(match.group(1)) not in expected:
            port = int(match.group(1))
            return Fact(f"the application says it listens on port {port}, but the platform sends traffic to {', '.join(map(str, sorted(expected)))}", location)
    return None


@record
class Fact:
    """A derived fact: the sentence saying why it holds, and where it was seen."""

    sentence: str
    location: SourceLocation | None = None


def derive_facts(status: ServiceStatus | None, old: set[str], log_lines: Iterable[tuple[str, SourceLocation | None]] = ()) -> dict[FactName, Fact]:
    """Configuration facts that hold, each with a sentence saying why."""
    facts: dict[FactName, Fact] = {}
    if status is None:
        return facts
    mismatch = _listen_port_mismatch(status, log_lines)
    if mismatch:
        facts[FactName.LISTEN_PORT_MISMATCH] = mismatch
    container_ports = {port for container in status.containers for port in container.ports}
    for endpoint in status.endpoints:
        target = endpoint.target_port
        if isinstance(target, int) and container_ports and target not in container_ports:
            facts[FactName.PORT_MISMATCH] = Fact(
                f"{endpoint.kind} {endpoint.name} sends traffic to port {target}, "
                f"but the containers listen on {', '.join(map(str, sorted(container_ports)))}"
            )
        if endpoint.kind == "selector":
            if endpoint.ready_addresses == 0 and endpoint.not_ready_addresses == 0:
                facts[FactName.SELECTOR_MATCHES_NOTHING] = Fact(f"Service {endpoint.name} selects no pod (selector {dict(endpoint.selector)})")
            if endpoint.ready_addresses == 0:
                facts[FactName.NO_READY_ENDPOINTS] = Fact(f"Service {endpoint.name} has no ready endpoints")
    not_found = [t for t in status.targets if t.http_status == 404]
    if not_found:
        facts[FactName.HEALTH_CHECK_PATH_NOT_FOUND] = Fact("load-balancer health checks get HTTP 404 on the configured path", not_found[0].location)
    rollout = status.current_rollout()
    if rollout is not None and (rollout.rollout_state or "").upper() == "FAILED":
        facts[FactName.ROLLOUT_FAILED] = Fact(f"rollout {rollout.id} failed" + (f": {rollout.reason}" if rollout.reason else ""))
    current = [i for i in status.instances if i.id not in old and not i.terminating]
    never_ready = [i for i in current if i.ready is False]
    if never_ready:
        names = ", ".join(i.id for i in never_ready[:3])
        facts[FactName.NEVER_READY] = Fact(f"{len(never_ready)} instance(s) of the current rollout never became ready: {names}", never_ready[0].location)
    return facts
