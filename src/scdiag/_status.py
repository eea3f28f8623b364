"""What the platform says about a service: rollouts, instances, containers, targets.

Shared across clouds: an ECS task, a Kubernetes pod, a Cloud Run instance and a
Container Apps replica are all an :class:`Instance`; an ECS deployment, a
ReplicaSet, a Cloud Run revision and a Container Apps revision are all a
:class:`Rollout`.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime

import attrs

from scdiag._records import record
from scdiag._values import check_scalars, optional_aware


@record
class SourceLocation:
    """Where evidence was read: a capture file and line, or an API."""

    source: str
    """A file path, or an API name such as ``ecs.DescribeTasks``."""
    line: int | None = None
    """1-based line number in a file, when the source is a file."""

    def __str__(self) -> str:
        return f"{self.source}:{self.line}" if self.line is not None else self.source


@record
class Condition:
    """A status condition (Kubernetes, Cloud Run and Container Apps all have them)."""

    type: str
    status: str
    """``True``, ``False`` or ``Unknown``."""
    reason: str | None = None
    message: str | None = None
    last_transition: datetime | None = attrs.field(default=None, validator=optional_aware)
    location: SourceLocation | None = None
    """Where the condition was read, when read from a file."""
    failing: bool | None = None
    """True when the adapter knows this condition to say the service or rollout failed."""

    def __attrs_post_init__(self) -> None:
        check_scalars(self)


@record
class Termination:
    """How a container's process ended."""

    exit_code: int | None = None
    signal: int | None = None
    reason: str | None = None
    """``OOMKilled``, ``Error``, ``OutOfMemoryError: Container killed...``"""
    message: str | None = None
    started_at: datetime | None = attrs.field(default=None, validator=optional_aware)
    finished_at: datetime | None = attrs.field(default=None, validator=optional_aware)
    failed: bool | None = None
    """True when the platform counts this end as a failure (not a clean completion)."""

    def __attrs_post_init__(self) -> None:
        check_scalars(self)


@record
class ContainerStatus:
    """The observed state of one container of an instance."""

    name: str
    state: str = "unknown"
    """``waiting``, ``running``, ``terminated``, ``stopped`` or ``unknown``."""
    reason: str | None = None
    """The waiting reason (``CrashLoopBackOff``) or the container's reason."""
    message: str | None = None
    image: str | None = None
    ready: bool | None = None
    restart_count: int = 0
    termination: Termination | None = None
    """The current termination, when the container is terminated."""
    last_termination: Termination | None = None
    """The previous run's termination (Kubernetes ``lastState``)."""
    health_status: str | None = None
    """Container health check result (ECS ``healthStatus``)."""
    init: bool = False
    """True for init containers."""
    failing: bool | None = None
    """True when the adapter knows the container to be failing (waiting on an error, ended with a
    failure, failing its health check); ``None`` when the data does not say."""
    location: SourceLocation | None = None
    """Where the container's reason was read (the line of its termination or waiting reason), when read from a file."""

    def __attrs_post_init__(self) -> None:
        check_scalars(self)


@record
class Instance:
    """One running copy of the service: an ECS task, a pod, a replica."""

    id: str
    kind: str = "task"
    """``task``, ``pod``, ``instance`` or ``replica``."""
    rollout_id: str | None = None
    """The rollout it belongs to (ECS deployment id, ReplicaSet, revision)."""
    phase: str | None = None
    """ECS ``lastStatus`` or Kubernetes ``status.phase``."""
    desired_phase: str | None = None
    reason: str | None = None
    """ECS ``stopCode``, Kubernetes ``status.reason``."""
    message: str | None = None
    """ECS ``stoppedReason``, Kubernetes ``status.message``."""
    health_status: str | None = None
    conditions: tuple[Condition, ...] = ()
    containers: tuple[ContainerStatus, ...] = ()
    node: str | None = None
    created_at: datetime | None = attrs.field(default=None, validator=optional_aware)
    started_at: datetime | None = attrs.field(default=None, validator=optional_aware)
    stopped_at: datetime | None = attrs.field(default=None, validator=optional_aware)
    terminating: bool = False
    """True for an instance being deleted (an old pod on its way out)."""
    location: SourceLocation | None = None
    """Where the instance was read (capture file and line), when read from a file."""
    attributes: Mapping[str, str] = attrs.field(factory=dict)
    failing: bool | None = None
    """True when the adapter knows the instance to have failed (stopped abnormally, evicted,
    unschedulable, a container failing); False when it stopped or runs as it should."""
    ready: bool | None = None
    """False for an instance that runs but does not pass its readiness checks."""

    def __attrs_post_init__(self) -> None:
        check_scalars(self)


class RolloutOutcome(str, enum.Enum):
    """What became of a rollout, in words every provider maps its own onto."""

    SUCCEEDED = "succeeded"
    FAILED = "failed"
    ROLLED_BACK = "rolled_back"
    """It failed, and the platform (or the deploy tool) went back to the previous rollout."""
    IN_PROGRESS = "in_progress"
    NOT_STARTED = "not_started"
    """The deploy was refused before any instance of it started."""


@record
class Rollout:
    """One deployment of the service: ECS deployment, ReplicaSet, revision."""

    id: str
    current: bool = True
    """True for the rollout the user attempted (the newest one pushed), the one being diagnosed."""
    status: str | None = None
    """ECS ``PRIMARY``/``ACTIVE``; otherwise the provider's own word."""
    rollout_state: str | None = None
    """``IN_PROGRESS``, ``COMPLETED`` or ``FAILED`` where the provider says."""
    reason: str | None = None
    desired: int | None = None
    running: int | None = None
    pending: int | None = None
    failed: int | None = None
    ready: int | None = None
    created_at: datetime | None = attrs.field(default=None, validator=optional_aware)
    updated_at: datetime | None = attrs.field(default=None, validator=optional_aware)
    conditions: tuple[Condition, ...] = ()
    attributes: Mapping[str, str] = attrs.field(factory=dict)
    serving: bool | None = None
    """True for the rollout that receives the traffic now; ``None`` when the provider does not say."""
    outcome: RolloutOutcome | None = None
    """What became of it, when the provider's data says (set by the adapter's normaliser)."""

    def __attrs_post_init__(self) -> None:
        check_scalars(self)


@record
class HealthCheckSpec:
    """A health check as configured (load balancer, probe or container check)."""

    kind: str
    """``load-balancer``, ``liveness``, ``readiness``, ``startup`` or ``container``."""
    path: str | None = None
    port: int | str | None = None
    protocol: str | None = None
    command: str | None = None
    matcher: str | None = None
    """Expected HTTP codes, e.g. ``200-399``."""
    interval_seconds: float | None = None
    timeout_seconds: float | None = None
    failure_threshold: int | None = None
    initial_delay_seconds: float | None = None

    def __attrs_post_init__(self) -> None:
        check_scalars(self)


@record
class ContainerSpec:
    """One container as configured (task definition, pod spec, revision template)."""

    name: str
    image: str | None = None
    ports: tuple[int, ...] = ()
    memory_limit_mib: float | None = None
    memory_request_mib: float | None = None
    cpu_limit: float | None = None
    """vCPUs."""
    essential: bool = True
    health_checks: tuple[HealthCheckSpec, ...] = ()
    env_names: tuple[str, ...] = ()
    """Names only: values may be secrets."""
    log_driver: str | None = None
    init: bool = False

    def __attrs_post_init__(self) -> None:
        check_scalars(self)


@record
class LoadBalancerTarget:
    """One target of a load balancer and its health."""

    target_id: str
    state: str
    """``healthy``, ``unhealthy``, ``initial``, ``draining``, ``unused``, ``unavailable``."""
    target_group: str | None = None
    port: int | None = None
    reason: str | None = None
    """e.g. ``Target.ResponseCodeMismatch``."""
    description: str | None = None
    location: SourceLocation | None = None
    """Where the target's health was read, when read from a file."""
    http_status: int | None = None
    """The HTTP status the health checks got, when the platform says."""

    def __attrs_post_init__(self) -> None:
        check_scalars(self)


@record
class ServiceEndpoint:
    """How traffic reaches the service: a target group or a Kubernetes Service."""

    name: str
    kind: str = "target-group"
    """``target-group`` (a load balancer's), ``selector`` (traffic to the instances a label
    selector picks) or ``ingress``."""
    target_port: int | str | None = None
    """The port traffic is sent to (target group port, Service ``targetPort``)."""
    health_check: HealthCheckSpec | None = None
    ready_addresses: int | None = None
    not_ready_addresses: int | None = None
    selector: Mapping[str, str] = attrs.field(factory=dict)

    def __attrs_post_init__(self) -> None:
        check_scalars(self)


@record
class ServiceStatus:
    """The platform's view of a service at collection time."""

    name: str
    state: str | None = None
    """ECS ``ACTIVE``, Kubernetes availability, Cloud Run ``Ready``..."""
    health: str = "unknown"
    """``healthy``, ``degraded``, ``unhealthy`` or ``unknown``."""
    desired_count: int | None = None
    running_count: int | None = None
    pending_count: int | None = None
    rollouts: tuple[Rollout, ...] = ()
    instances: tuple[Instance, ...] = ()
    containers: tuple[ContainerSpec, ...] = ()
    endpoints: tuple[ServiceEndpoint, ...] = ()
    targets: tuple[LoadBalancerTarget, ...] = ()
    conditions: tuple[Condition, ...] = ()
    attributes: Mapping[str, str] = attrs.field(factory=dict)

    def current_rollout(self) -> Rollout | None:
        """The rollout being diagnosed: the attempted one.

        The one marked current, else the first. Fragments read from several
        files may mark two as current (a workload names the rollout it serves
        with, its ReplicaSets the one that was rolled back; a service its
        deployment, the deploy command's error a refused one); the attempt that
        was rolled back or refused is the one the user pushed.
        """
        current = [rollout for rollout in self.rollouts if rollout.current]
        for rollout in current:
            if rollout.outcome in (RolloutOutcome.ROLLED_BACK, RolloutOutcome.NOT_STARTED):
                return rollout
        if current:
            return current[0]
        return self.rollouts[0] if self.rollouts else None

    def __attrs_post_init__(self) -> None:
        check_scalars(self)


