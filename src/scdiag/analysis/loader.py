"""Loading failure patterns from YAML, with errors that name the file and pattern.

A pattern file holds ``patterns:``, a list of patterns::

    patterns:
      - id: container-oom-kill
        name: Container killed for exceeding its memory limit
        category: resource_constraints
        severity: critical
        providers: [aws, kubernetes, gcp, azure]
        tier: 2
        indicators:
          - id: k8s-oomkilled
            kind: container
            reason: '^OOMKilled$'
            weight: 0.95
            examples: [OOMKilled]
        solutions:
          - title: Give the container more memory
            steps: [...]
        learn_more: [https://...]

Every expression is compiled with RE2, and every example must match its
indicator: a pattern whose examples do not match is rejected at load time.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scdiag import regex
from scdiag._records import record
from scdiag._units import parse_duration
from scdiag.errors import AnalysisError
from scdiag.models import Severity, Solution
from scdiag.plugins import PatternSource

from scdiag.analysis.kbcache import PatternCache
from scdiag.analysis.patterns import (
    CATEGORIES,
    FactName,
    FailurePattern,
    Indicator,
    IndicatorKind,
    PatternRole,
    Regex,
    ROLE_FOR_TIER,
    compile_regex,
)

if TYPE_CHECKING:
    import cattrs

__all__ = ["PatternLoadError", "load_pattern_file", "load_pattern_sources", "patterns_from_data"]

_ID = regex.deferred(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_TEXT_KINDS = {IndicatorKind.LOG, IndicatorKind.EVENT, IndicatorKind.STATUS, IndicatorKind.CONTAINER, IndicatorKind.TARGET_HEALTH}


class PatternLoadError(AnalysisError):
    """A pattern file or pattern is invalid; the message names file, pattern and key."""


@record
class _IndicatorSpec:
    kind: IndicatorKind
    weight: float
    id: str = ""
    pattern: str | None = None
    reason: str | None = None
    source: str | None = None
    codes: tuple[int, ...] = ()
    metric: str | None = None
    above: float | None = None
    below: float | None = None
    duration: str | None = None
    fact: FactName | None = None
    state: str | None = None
    providers: tuple[str, ...] = ()
    required: bool = False
    tail_only: bool = False
    examples: tuple[str, ...] = ()
    description: str = ""


@record
class _LinkSpec:
    url: str
    providers: tuple[str, ...] = ()


@record
class _PatternSpec:
    id: str
    name: str
    category: str
    severity: Severity
    providers: tuple[str, ...]
    indicators: tuple[_IndicatorSpec, ...]
    description: str = ""
    wrapper: bool = False
    tier: int = 3
    role: str | None = None
    recovered_by: tuple[str, ...] = ()
    may_recover: bool = False
    solutions: tuple[Solution, ...] = ()
    prevention: tuple[str, ...] = ()
    learn_more: tuple[str | _LinkSpec, ...] = ()
    version: str = "1"


@functools.cache
def _converter() -> cattrs.Converter:
    # Made on first use: a run whose patterns all come from the cache structures none.
    import cattrs

    converter = cattrs.Converter(forbid_extra_keys=True)

    def strict_str(value: Any, _type: Any) -> str:
        if not isinstance(value, str):
            raise ValueError(f"expected text, got {type(value).__name__} {value!r}")
        return value

    # A predicate, not a class: a class hook for str would also catch str-valued enums.
    converter.register_structure_hook_func(lambda t: t is str, strict_str)

    def link(value: Any, _type: Any) -> str | _LinkSpec:
        # A learn-more link: a URL about every platform, or {url, providers} about some.
        if isinstance(value, str):
            return value
        if isinstance(value, dict):
            return converter.structure(value, _LinkSpec)
        raise ValueError(f"expected a URL or {{url, providers}}, got {type(value).__name__} {value!r}")

    converter.register_structure_hook_func(lambda t: t == (str | _LinkSpec), link)
    return converter


def _problems(error: Exception) -> str:
    import cattrs

    if isinstance(error, cattrs.BaseValidationError):
        lines = []
        for line in cattrs.transform_error(error, path="$"):
            message, _, path = line.rpartition(" @ ")
            lines.append(f"{path.removeprefix('$').lstrip('.') or '(pattern)'}: {message}")
        return "; ".join(lines)
    return str(error)


def _compile(where: str, source: str | None) -> Regex | None:
    if source is None:
        return None
    try:
        return compile_regex(source)
    except ValueError as error:
        raise PatternLoadError(f"{where}: {error}") from None


def _indicator(spec: _IndicatorSpec, index: int, pattern_id: str, providers: tuple[str, ...]) -> Indicator:
    where = f"indicators[{index}]" + (f" ({spec.id})" if spec.id else "")
    if not 0.0 < spec.weight <= 1.0:
        raise PatternLoadError(f"{where}.weight: must be in (0, 1], got {spec.weight}")
    kind = spec.kind
    if kind in (IndicatorKind.LOG,) and spec.pattern is None:
        raise PatternLoadError(f"{where}: a log indicator needs 'pattern'")
    if kind in (IndicatorKind.EVENT, IndicatorKind.STATUS, IndicatorKind.CONTAINER) and spec.pattern is None and spec.reason is None:
        raise PatternLoadError(f"{where}: a {kind.value} indicator needs 'pattern' or 'reason'")
    if kind is IndicatorKind.EXIT_CODE and not spec.codes:
        raise PatternLoadError(f"{where}: an exit_code indicator needs 'codes'")
    if kind is IndicatorKind.METRIC and (spec.metric is None or (spec.above is None and spec.below is None)):
        raise PatternLoadError(f"{where}: a metric indicator needs 'metric' and 'above' or 'below'")
    if kind is IndicatorKind.FACT and spec.fact is None:
        raise PatternLoadError(f"{where}: a fact indicator needs 'fact'")
    if kind is IndicatorKind.TARGET_HEALTH and spec.state is None and spec.reason is None and spec.pattern is None:
        raise PatternLoadError(f"{where}: a target_health indicator needs 'state', 'reason' or 'pattern'")
    unknown_providers = set(spec.providers) - set(providers)
    if unknown_providers:
        raise PatternLoadError(f"{where}.providers: {sorted(unknown_providers)} are not among the pattern's providers")
    duration = 0.0
    if spec.duration is not None:
        try:
            duration = parse_duration(spec.duration).total_seconds()
        except ValueError as error:
            raise PatternLoadError(f"{where}.duration: {error}") from None
    pattern = _compile(f"{where}.pattern", spec.pattern)
    reason = _compile(f"{where}.reason", spec.reason)
    if kind in _TEXT_KINDS and spec.examples:
        for example in spec.examples:
            if not any(expression.search(example) for expression in (pattern, reason) if expression is not None):
                raise PatternLoadError(f"{where}.examples: {example!r} does not match the indicator")
    return Indicator(
        id=spec.id or f"{pattern_id}#{index}",
        kind=kind,
        weight=spec.weight,
        pattern=pattern,
        reason=reason,
        source=spec.source,
        codes=spec.codes,
        metric=spec.metric,
        above=spec.above,
        below=spec.below,
        duration_seconds=duration,
        fact=spec.fact,
        state=spec.state,
        providers=spec.providers,
        required=spec.required,
        tail_only=spec.tail_only,
        examples=spec.examples,
        description=spec.description,
    )


def _build(spec: _PatternSpec, origin: str) -> FailurePattern:
    if not _ID.match(spec.id):
        raise PatternLoadError(f"id: {spec.id!r} must be lower-case words joined by '-'")
    if spec.category not in CATEGORIES:
        raise PatternLoadError(f"category: {spec.category!r} is not one of {', '.join(CATEGORIES)}")
    if not spec.indicators:
        raise PatternLoadError("indicators: a pattern needs at least one indicator")
    if not 1 <= spec.tier <= 5:
        raise PatternLoadError(f"tier: must be 1 to 5, got {spec.tier}")
    try:
        role = PatternRole(spec.role) if spec.role is not None else (PatternRole.WRAPPER if spec.wrapper else ROLE_FOR_TIER[spec.tier])
    except ValueError:
        raise PatternLoadError(f"role: {spec.role!r} is not one of {', '.join(r.value for r in PatternRole)}") from None
    if (role is PatternRole.WRAPPER) != spec.wrapper:
        raise PatternLoadError(f"role: {role.value} and wrapper: {str(spec.wrapper).lower()} disagree (a wrapper's role is wrapper)")
    indicators = tuple(_indicator(item, index, spec.id, spec.providers) for index, item in enumerate(spec.indicators))
    ids = [indicator.id for indicator in indicators]
    if len(set(ids)) != len(ids):
        raise PatternLoadError(f"indicators: duplicate indicator ids {sorted({i for i in ids if ids.count(i) > 1})}")
    recovered = tuple(r for r in (_compile(f"recovered_by[{i}]", s) for i, s in enumerate(spec.recovered_by)) if r)
    return FailurePattern(
        id=spec.id,
        name=spec.name,
        category=spec.category,
        severity=spec.severity,
        providers=spec.providers,
        indicators=indicators,
        description=spec.description.strip(),
        wrapper=spec.wrapper,
        tier=spec.tier,
        role=role,
        recovered_by=recovered,
        may_recover=spec.may_recover,
        solutions=spec.solutions,
        prevention=spec.prevention,
        learn_more=tuple(link if isinstance(link, str) else link.url for link in spec.learn_more),
        learn_more_providers={link.url: link.providers for link in spec.learn_more if not isinstance(link, str) and link.providers},
        version=spec.version,
        origin=origin,
    )


def patterns_from_data(items: Sequence[Any], origin: str) -> list[FailurePattern]:
    """Build patterns from parsed data (a list of pattern mappings).

    Raises:
        PatternLoadError: naming the origin, the pattern and the key.
    """
    import cattrs

    patterns = []
    for index, item in enumerate(items):
        name = item.get("id", f"#{index}") if isinstance(item, Mapping) else f"#{index}"
        try:
            if not isinstance(item, Mapping):
                raise PatternLoadError(f"expected a mapping, got {type(item).__name__}")
            spec = _converter().structure(dict(item), _PatternSpec)
            patterns.append(_build(spec, origin))
        except PatternLoadError as error:
            raise PatternLoadError(f"{origin}: pattern {name}: {error}") from None
        except (cattrs.BaseValidationError, ValueError, TypeError) as error:
            raise PatternLoadError(f"{origin}: pattern {name}: {_problems(error)}") from None
    return patterns


def load_pattern_file(path: Path, cache: PatternCache | None = None) -> list[FailurePattern]:
    """Load every pattern of one YAML file.

    With ``cache``, a file whose content loaded before gives the patterns
    stored then, and a file that loads is stored.

    Raises:
        PatternLoadError: the file cannot be read or a pattern is invalid.
    """
    try:
        content = path.read_bytes()
    except OSError as error:
        raise PatternLoadError(f"{path}: cannot read: {error.strerror or error}") from None
    if cache is not None and (cached := cache.get(path, content)) is not None:
        return cached
    import yaml  # only when a file is parsed: a run that reads the cache needs no YAML parser

    try:
        # libyaml's loader parses the knowledge base ten times faster than the pure-Python one.
        data = yaml.load(content.decode("utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except UnicodeDecodeError as error:
        raise PatternLoadError(f"{path}: not UTF-8 text (byte {error.start})") from None
    except yaml.YAMLError as error:
        raise PatternLoadError(f"{path}: invalid YAML: {error}") from None
    if not isinstance(data, Mapping) or not isinstance(data.get("patterns"), list):
        raise PatternLoadError(f"{path}: expected a mapping with a 'patterns' list")
    extra = set(data) - {"patterns"}
    if extra:
        raise PatternLoadError(f"{path}: unknown top-level key(s) {sorted(extra)}")
    patterns = patterns_from_data(data["patterns"], str(path))
    if cache is not None:
        cache.put(path, content, patterns)
    return patterns


def load_pattern_sources(
    sources: Iterable[PatternSource], cache: PatternCache | None = None
) -> tuple[list[FailurePattern], list[tuple[str, str]]]:
    """Load patterns from plugin sources; a bad source is reported and skipped.

    ``cache`` keeps pattern files that loaded (see :mod:`scdiag.analysis.kbcache`);
    patterns given as data are always built.

    Returns:
        The patterns in registration order (the first of a duplicated id wins),
        and (plugin, problem) for every source or pattern that was rejected.
    """
    patterns: list[FailurePattern] = []
    problems: list[tuple[str, str]] = []
    seen: dict[str, str] = {}
    for source in sources:
        try:
            if source.path is not None:
                loaded = load_pattern_file(source.path, cache)
            else:
                loaded = patterns_from_data([source.data], source.origin)
        except PatternLoadError as error:
            problems.append((source.plugin, str(error)))
            continue
        for pattern in loaded:
            if pattern.id in seen:
                problems.append((source.plugin, f"{pattern.origin}: pattern {pattern.id} is already defined in {seen[pattern.id]}; skipped"))
                continue
            seen[pattern.id] = pattern.origin
            patterns.append(pattern)
    return patterns, problems
