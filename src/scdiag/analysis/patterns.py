"""Failure patterns: the declarative knowledge the engine matches.

A pattern names one failure concept across providers (``container-oom-kill``)
and lists *indicators*: observations that point to it, each matched against
the field it belongs to. Patterns are written in YAML (see
``scdiag/analysis/patterns/*.yaml``) and loaded by :mod:`scdiag.analysis.loader`.

Indicator kinds and what each one looks at:

=================  =============================================================
``log``            a log line's message (``pattern``)
``event``          a platform event: ``reason`` and/or message ``pattern``
                   (ECS service event, Kubernetes event, Cloud Run / Azure system log)
``status``         an instance's reason and message (ECS ``stopCode`` /
                   ``stoppedReason``, pod ``status.reason`` / ``message``), a
                   rollout's reason, a condition's ``reason`` / ``message``
``container``      a container's waiting or termination ``reason`` / ``message``
``exit_code``      a container's exit ``codes`` (current or last termination)
``metric``         a metric (``metric``) ``above`` / ``below`` a threshold ``for`` a duration
``target_health``  a load-balancer target's ``state`` and ``reason`` / description
``fact``           a configuration fact the engine derives (``fact``: ``port_mismatch``,
                   ``no_ready_endpoints``, ``never_ready``...)
=================  =============================================================

Every expression of a pattern is compiled and matched by RE2 (linear time): a
pattern from a plugin cannot hang the engine, and constructs RE2 cannot run
are load-time errors. (The optional Hyperscan prefilter only names the lines
RE2 then asks.)
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

import attrs

from scdiag import regex
from scdiag._records import record
from scdiag.models import Severity, Solution

__all__ = [
    "CATEGORIES",
    "FactName",
    "FailurePattern",
    "Indicator",
    "IndicatorKind",
    "PatternRole",
    "Regex",
    "compile_regex",
]

FIRST_PARTY = frozenset({"aws", "gcp", "kubernetes", "azure"})
"""Providers whose patterns are scoped; any other provider sees every pattern."""

CATEGORIES = (
    "resource_constraints",
    "networking",
    "image",
    "configuration",
    "permissions",
    "scheduling",
    "health_checks",
    "application",
    "external_dependencies",
    "platform",
)
"""The failure taxonomy shared by every provider."""


class IndicatorKind(str, enum.Enum):
    """Which field of the collected data an indicator looks at."""

    LOG = "log"
    EVENT = "event"
    STATUS = "status"
    CONTAINER = "container"
    EXIT_CODE = "exit_code"
    METRIC = "metric"
    TARGET_HEALTH = "target_health"
    FACT = "fact"


class FactName(str, enum.Enum):
    """Facts the engine derives from the service status for ``fact`` indicators."""

    PORT_MISMATCH = "port_mismatch"
    """A container port differs from the port the load balancer or Service targets."""
    NO_READY_ENDPOINTS = "no_ready_endpoints"
    """A Kubernetes Service selects no ready pod."""
    SELECTOR_MATCHES_NOTHING = "selector_matches_nothing"
    """A Kubernetes Service's selector matches no pod of the workload."""
    NEVER_READY = "never_ready"
    """The current rollout has instances that never became ready."""
    HEALTH_CHECK_PATH_NOT_FOUND = "health_check_path_not_found"
    """Load-balancer health checks get 404 on the configured path."""
    ROLLOUT_FAILED = "rollout_failed"
    """The platform gave up on the current rollout."""
    LISTEN_PORT_MISMATCH = "listen_port_mismatch"
    """The application's log says it listens on a port the platform does not send traffic to."""


@record(eq=False)
class Regex:
    """A regular expression compiled with RE2 (linear-time matching).

    A pattern read from the knowledge base's cache compiles its expressions
    when first used: most of them are never asked in a given analysis.
    """

    source: str
    _compiled: regex.Pattern | None = attrs.field(default=None, repr=False, alias="compiled")

    @property
    def compiled(self) -> regex.Pattern:
        """The compiled expression."""
        compiled = self._compiled
        if compiled is None:
            compiled = regex.compile(self.source)
            object.__setattr__(self, "_compiled", compiled)
        return compiled

    def __reduce__(self) -> tuple[type[Regex], tuple[str]]:
        # The compiled program cannot be pickled; its source is recompiled on first use.
        return (Regex, (self.source,))

    def search(self, text: str) -> bool:
        """Whether the expression matches anywhere in ``text``."""
        return self.compiled.search(text) is not None

    def find(self, text: str) -> tuple[int, int] | None:
        """The span of the first match in ``text``, if any."""
        match = self.compiled.search(text)
        return None if match is None else match.span()


def compile_regex(source: str) -> Regex:
    """Compile with RE2.

    Raises:
        ValueError: RE2 cannot run the expression (look-around, back-references)
            or it is not valid; the message says which.
    """
    try:
        return Regex(source, regex.compile(source))
    except regex.InvalidExpression as error:
        raise ValueError(f"RE2 cannot compile {source!r}: {error.reason}") from None


@record(eq=False)
class Indicator:
    """One observation that points to a pattern."""

    id: str
    kind: IndicatorKind
    weight: float
    """How strongly this observation alone points to the pattern, in (0, 1]."""
    pattern: Regex | None = None
    """Message / text expression."""
    reason: Regex | None = None
    """Reason-field expression (events, status, containers, targets)."""
    source: str | None = None
    """Only events or logs whose ``source`` equals this (``ecs-service``...)."""
    codes: tuple[int, ...] = ()
    metric: str | None = None
    above: float | None = None
    below: float | None = None
    duration_seconds: float = 0.0
    fact: FactName | None = None
    state: str | None = None
    """Target health state for ``target_health``."""
    providers: tuple[str, ...] = ()
    """Providers this indicator applies to; empty means the pattern's."""
    required: bool = False
    """The pattern is only a candidate when a required indicator matches."""
    tail_only: bool = False
    """For ``log``: only lines among the last ones of their stream count."""
    examples: tuple[str, ...] = ()
    """Real messages this indicator must match (tested)."""
    description: str = ""

    def applies_to(self, provider: str) -> bool:
        """Whether the indicator is relevant to ``provider`` (see :meth:`FailurePattern.applies_to`)."""
        return provider not in FIRST_PARTY or not self.providers or provider in self.providers


class PatternRole(str, enum.Enum):
    """What a pattern is, in the order candidates are ranked (first wins).

    One comparator (:func:`scdiag.analysis.ranking.rank`) orders matches by
    role, then score. A cause outranks the symptoms it produces: the image
    that cannot be pulled outranks the crash loop, a missing variable the
    failing readiness probe.
    """

    PLATFORM_CAUSE = "platform-cause"
    """A specific reason the platform could not start the container (the image, a secret, a volume, capacity)."""
    PLATFORM_FAILURE = "platform-failure"
    """The platform failed to start it, for a reason a platform cause names better (sandbox, scheduling)."""
    KILL = "kill"
    """The platform stopped a running container for an explicit reason (memory, eviction)."""
    APP_CAUSE = "app-cause"
    """The application failed for a named reason (a missing variable, module, port, certificate, name)."""
    APP_DEPENDENCY = "app-dependency"
    """The application could not use something it needs (a database, a file); a named cause may lie behind it."""
    CRASH = "crash"
    """The application crashed; nothing more specific is known."""
    PORT_SYMPTOM = "port-symptom"
    """It listens elsewhere than the platform probes."""
    PROBE_SYMPTOM = "probe-symptom"
    """A readiness or startup probe fails."""
    HEALTH_CHECK_SYMPTOM = "health-check-symptom"
    """A container or load balancer health check fails."""
    CONSEQUENCE = "consequence"
    """What follows from the rest: no endpoints, a task the platform stopped."""
    WRAPPER = "wrapper"
    """A state that wraps the cause (CrashLoopBackOff, a circuit breaker, a revision not ready): never the root cause."""

    @property
    def rank(self) -> int:
        """Position in the ranking: lower wins."""
        return list(PatternRole).index(self)

    @property
    def symptom(self) -> bool:
        """A role that another, higher-ranked cause produces: below such a cause it is a symptom, not a secondary cause."""
        return self.rank >= PatternRole.CRASH.rank


ROLE_FOR_TIER = {1: PatternRole.PLATFORM_CAUSE, 2: PatternRole.KILL, 3: PatternRole.APP_CAUSE, 4: PatternRole.PROBE_SYMPTOM, 5: PatternRole.WRAPPER}
"""The role of a pattern that declares none (a plugin's written before roles), from its tier."""


@record(eq=False)
class FailurePattern:
    """A failure concept with its indicators, fixes and references."""

    id: str
    name: str
    category: str
    severity: Severity
    providers: tuple[str, ...]
    indicators: tuple[Indicator, ...]
    description: str = ""
    wrapper: bool = False
    """A symptom (CrashLoopBackOff, circuit breaker...): never the root cause."""
    tier: int = 3
    """Where it fails: 1 before the container starts, 2 the platform kills it for an
    explicit reason, 3-5 the application after it started (a report's "stage"). The
    ranking reads :attr:`role`, not the tier."""
    role: PatternRole = PatternRole.APP_CAUSE
    """What it is; the ranking's first key (see :class:`PatternRole`)."""
    recovered_by: tuple[Regex, ...] = ()
    """Log lines that, after a matching line in the same stream, show recovery."""
    may_recover: bool = False
    """The platform retries this state and it may clear by itself (a pull timeout, a rate
    limit, capacity not there yet): while watching, it gets the grace period before it
    counts as doomed."""
    solutions: tuple[Solution, ...] = ()
    prevention: tuple[str, ...] = ()
    learn_more: tuple[str, ...] = ()
    learn_more_providers: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict)
    """The clouds a link is about (``{url: [aws]}``); a link not listed is about all of them."""
    version: str = "1"
    origin: str = ""
    """The file or plugin the pattern came from."""
    attributes: Mapping[str, str] = attrs.field(factory=dict)

    def links_for(self, provider: str) -> tuple[str, ...]:
        """The learn-more links about ``provider``'s platform, and those about every platform."""
        return tuple(url for url in self.learn_more if provider in self.learn_more_providers.get(url, (provider,)))

    def applies_to(self, provider: str) -> bool:
        """Whether the pattern is relevant to ``provider``.

        Provider scoping only excludes among the first-party providers: for a
        third-party provider, or when the provider is unknown, every pattern applies.
        """
        return provider not in FIRST_PARTY or not self.providers or provider in self.providers
