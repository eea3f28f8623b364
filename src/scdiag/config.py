"""Configuration: ``.sc/diagnostics-config.yaml`` loaded into attrs classes.

The file has one top-level key, ``diagnostics``; every key below it has a
default, so an empty file (or none) is a valid configuration::

    diagnostics:
      enabled: true
      auto_collect_on_failure: true
      providers:
        aws: {enabled: true, regions: [us-east-1]}
        kubernetes: {enabled: true, contexts: [production]}
      collection: {timeout: 5m, log_lines_limit: 1000, metric_resolution: 1m, event_lookback: 1h}
      analysis:
        pattern_matching: true
        ml_classification: false
        confidence_threshold: 0.7
        patterns:
          disabled: ["cloudrun-cpu-*"]
          thresholds: {critical: 0.6}
      output: {format: interactive, export_formats: [json, markdown], show_raw_data: false}
      cache: {enabled: true, ttl: 1h, max_size: 100MB}

Durations are written like ``"90s"``, ``"5m"``, ``"1h30m"``; sizes like ``"100MB"``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from scdiag._records import record
from scdiag._units import format_duration, parse_duration, parse_size
from scdiag.errors import ConfigError

if TYPE_CHECKING:
    import cattrs

__all__ = [
    "AnalysisConfig",
    "AwsProviderConfig",
    "AzureProviderConfig",
    "CacheConfig",
    "CollectionConfig",
    "DEFAULT_CONFIG_PATH",
    "DiagnosticsConfig",
    "GcpProviderConfig",
    "KubernetesProviderConfig",
    "OutputConfig",
    "PatternRegistryConfig",
    "ProvidersConfig",
    "RedactionConfig",
    "load_config",
]

DEFAULT_CONFIG_PATH = Path(".sc") / "diagnostics-config.yaml"
"""Where ``sc`` keeps the file, relative to the project root."""


class ByteSize(int):
    """A size in bytes, read from ``"100MB"`` and the like."""


class _FieldProblem(ValueError):
    """A validator's complaint, carrying the field name for the key path."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def _positive(_instance: Any, attribute: attrs.Attribute[Any], value: timedelta) -> None:
    if value <= timedelta(0):
        raise _FieldProblem(attribute.name, f"must be a positive duration, got {value.total_seconds():g}s")


def _re2_expressions(_instance: Any, attribute: attrs.Attribute[Any], value: tuple[str, ...]) -> None:
    from scdiag.redaction import compile_rule

    for index, pattern in enumerate(value):
        try:
            compile_rule(pattern)
        except ValueError as error:
            raise _FieldProblem(f"{attribute.name}[{index}]", f"{error} in {pattern!r}") from None


def _at_least_one(_instance: Any, attribute: attrs.Attribute[Any], value: int) -> None:
    if value < 1:
        raise _FieldProblem(attribute.name, f"must be at least 1, got {value}")


def _probability(_instance: Any, attribute: attrs.Attribute[Any], value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise _FieldProblem(attribute.name, f"must be between 0 and 1, got {value}")


def _probabilities(_instance: Any, attribute: attrs.Attribute[Any], value: Mapping[str, float]) -> None:
    for key, number in value.items():
        if not 0.0 <= number <= 1.0:
            raise _FieldProblem(f"{attribute.name}.{key}", f"must be between 0 and 1, got {number}")


@record
class AwsProviderConfig:
    """``providers.aws``."""

    enabled: bool = True
    """False turns the provider off (offline analysis of AWS captures still works)."""
    regions: tuple[str, ...] = ()
    """The region used when ``--region`` is not given (the first), before the SDK's default chain."""
    services: tuple[str, ...] = ("ecs",)
    """What the live provider may diagnose; it reads ECS services, so without ``ecs`` it refuses."""


@record
class GcpEndpointsConfig:
    """``providers.gcp.endpoints``: base URLs of the Google APIs, when not the public ones.

    For private endpoints and VPC Service Controls; an ``http://`` URL means plain HTTP.
    """

    run: str | None = None
    logging: str | None = None
    monitoring: str | None = None


@record
class GcpProviderConfig:
    """``providers.gcp``."""

    enabled: bool = True
    """False turns the provider off."""
    projects: tuple[str, ...] = ()
    """The project used when ``--project`` is not given (the first), before the credentials' own."""
    services: tuple[str, ...] = ("cloud-run",)
    """What the live provider may diagnose; it reads Cloud Run services, so without ``cloud-run`` it refuses."""
    regions: tuple[str, ...] = ()
    """The region used when ``--region`` is not given (the first)."""
    endpoints: GcpEndpointsConfig = GcpEndpointsConfig()


@record
class KubernetesProviderConfig:
    """``providers.kubernetes``."""

    enabled: bool = True
    """False turns the provider off."""
    contexts: tuple[str, ...] = ()
    """The kubeconfig context used when ``--context`` is not given (the first), before the current one."""
    label_selector: str = "app={service}"
    """How pods of a service are found when the workload is not named."""


@record
class AzureEndpointsConfig:
    """``providers.azure.endpoints``: base URLs for sovereign clouds and private links."""

    arm: str | None = None
    """Azure Resource Manager (default ``https://management.azure.com``)."""
    logs: str | None = None
    """The Log Analytics query API (default ``https://api.loganalytics.io``)."""
    metrics: str | None = None
    """Azure Monitor metrics (default: the ARM endpoint)."""


@record
class AzureProviderConfig:
    """``providers.azure``: the first of each list is used when its flag is not given."""

    enabled: bool = True
    """False turns the provider off."""
    subscriptions: tuple[str, ...] = ()
    """Subscription ids (``--subscription``)."""
    resource_groups: tuple[str, ...] = ()
    """Resource groups (``--resource-group``)."""
    workspaces: tuple[str, ...] = ()
    """Log Analytics workspace (customer) ids; without one, the app's managed environment names it."""
    endpoints: AzureEndpointsConfig = AzureEndpointsConfig()


_FIRST_PARTY = ("aws", "azure", "gcp", "kubernetes")


def _first_party_names(_instance: Any, attribute: attrs.Attribute[Any], value: tuple[str, ...]) -> None:
    unknown = [name for name in value if name not in _FIRST_PARTY]
    if unknown:
        raise _FieldProblem(attribute.name, f"{unknown[0]!r} is not a first-party provider (expected one of: {', '.join(_FIRST_PARTY)})")


@record
class ProvidersConfig:
    """``providers``: one section per first-party provider."""

    aws: AwsProviderConfig = AwsProviderConfig()
    gcp: GcpProviderConfig = GcpProviderConfig()
    kubernetes: KubernetesProviderConfig = KubernetesProviderConfig()
    azure: AzureProviderConfig = AzureProviderConfig()
    allow_replacing: tuple[str, ...] = attrs.field(default=(), validator=_first_party_names)
    """First-party providers (aws, gcp, kubernetes, azure) a plugin may replace; without this a plugin that registers one is refused and reported."""

    def enabled(self, provider: str) -> bool:
        """Whether the named provider is enabled; unknown (plugin) providers are."""
        section = getattr(self, provider, None)
        return bool(getattr(section, "enabled", True))


@record
class CollectionConfig:
    """``collection``: how much to collect and for how long."""

    timeout: timedelta = attrs.field(default=timedelta(minutes=5), validator=_positive)
    """One deadline for the whole collection, credential check included (``--timeout``)."""
    log_lines_limit: int = attrs.field(default=1000, validator=_at_least_one)
    """Log lines read per stream (newest first)."""
    metric_resolution: timedelta = attrs.field(default=timedelta(minutes=1), validator=_positive)
    """The period of metric points."""
    event_lookback: timedelta = attrs.field(default=timedelta(hours=1), validator=_positive)
    """The window when no start is given (``--since``)."""


@record
class PatternRegistryConfig:
    """``analysis.patterns``: which patterns run, and their thresholds."""

    enabled: tuple[str, ...] = ("*",)
    """Globs of pattern ids to run."""
    disabled: tuple[str, ...] = ()
    """Globs of pattern ids never to run; wins over ``enabled``."""
    thresholds: Mapping[str, float] = attrs.field(factory=dict, validator=_probabilities)
    """Confidence thresholds by severity (``critical``...) or pattern id."""


@record
class AnalysisConfig:
    """``analysis``."""

    pattern_matching: bool = True
    """False runs no failure pattern (only the health verdict, and the classifier if on)."""
    ml_classification: bool = False
    """A naive Bayes guess, labelled as one, when no pattern reaches its threshold."""
    confidence_threshold: float = attrs.field(default=0.7, validator=_probability)
    """The confidence a cause needs to be reported as the root cause rather than a possible one."""
    calibrate: bool = True
    """Report each cause's score mapped to the share of right answers at that score on the
    development evaluation (:mod:`scdiag.analysis.calibration`); False reports the raw combined weight."""
    patterns: PatternRegistryConfig = PatternRegistryConfig()


@record
class OutputConfig:
    """``output``."""

    format: str = "interactive"
    """The report format when ``-o`` is not given."""
    export_formats: tuple[str, ...] = ()
    """More formats written next to ``--output-file`` (``report.md``, ``report.json``...)."""
    show_raw_data: bool = False
    """True: reports include everything collected, as with ``--deep``."""


@record
class RedactionConfig:
    """``redaction``: extra rules on top of the built-in ones."""

    enabled: bool = True
    """False shows secrets in reports (local use only; the report says so)."""
    patterns: tuple[str, ...] = attrs.field(default=(), validator=_re2_expressions)
    """Extra RE2 expressions whose matches (or ``secret`` groups) are masked."""


@record
class CacheConfig:
    """``cache``."""

    enabled: bool = True
    """Keep collected data (redacted) in ``$SCDIAG_CACHE_DIR`` to serve an identical request again."""
    ttl: timedelta = attrs.field(default=timedelta(hours=1), validator=_positive)
    """How long an entry is served."""
    max_size: ByteSize = ByteSize(100 * 1000**2)
    """The cache directory's cap; the oldest entries go first."""


def _at_least_kib(_instance: Any, attribute: attrs.Attribute[Any], value: int) -> None:
    if value < 1024:
        raise _FieldProblem(attribute.name, f"must be at least 1KiB, got {value} bytes")


@record
class CapturesConfig:
    """``captures``: limits on what offline analysis reads from one input."""

    max_file_size: ByteSize = attrs.field(default=ByteSize(8 * 1024**3), validator=_at_least_kib)
    """Bytes read from one file or pipe as stored; the rest is left unread and said so."""
    max_decompressed_size: ByteSize = attrs.field(default=ByteSize(8 * 1024**3), validator=_at_least_kib)
    """Bytes read from one gzip input after decompression, so a small archive cannot unpack without end."""
    max_line_length: ByteSize = attrs.field(default=ByteSize(1024**2), validator=_at_least_kib)
    """A longer line is cut at this length (the count of cut lines is said), so one endless line cannot fill memory."""
    max_document_size: ByteSize = attrs.field(default=ByteSize(64 * 1024**2), validator=_at_least_kib)
    """Readers that parse a whole JSON document at once (describe output, kubectl lists) read at most this much of it."""
    plugin_reader_timeout: timedelta = attrs.field(default=timedelta(minutes=5), validator=_positive)
    """A capture reader from a plugin that takes longer on one input is abandoned and reported; the input goes to no other reader."""


@record
class DiagnosticsConfig:
    """The whole ``diagnostics`` section, with a default for every key."""

    enabled: bool = True
    """False turns live diagnosis off; offline analysis still works."""
    auto_collect_on_failure: bool = True
    """A watch that ends failed or doomed collects once more, over ``collection.event_lookback``, for its report."""
    providers: ProvidersConfig = ProvidersConfig()
    collection: CollectionConfig = CollectionConfig()
    analysis: AnalysisConfig = AnalysisConfig()
    output: OutputConfig = OutputConfig()
    redaction: RedactionConfig = RedactionConfig()
    cache: CacheConfig = CacheConfig()
    captures: CapturesConfig = CapturesConfig()


def _strict_scalar(expected: type[Any]) -> Any:
    def structure(value: Any, _type: Any) -> Any:
        # YAML's bool is an int subclass and cattrs would coerce "yes" to str:
        # a config key is either the right scalar or an error.
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if type(value) is not expected:
            raise ValueError(f"expected {expected.__name__}, got {type(value).__name__} {value!r}")
        return value

    return structure


def _structure_duration(value: Any, _type: Any) -> timedelta:
    if not isinstance(value, str):
        raise ValueError(f'expected a duration such as "5m", got {value!r}')
    return parse_duration(value)


def _structure_size(value: Any, _type: Any) -> ByteSize:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError(f'expected a size such as "100MB", got {value!r}')
    return ByteSize(value if isinstance(value, int) else parse_size(value))


def _structure_names(value: Any, _type: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(f"expected a list of strings, got {value!r}")
    return tuple(value)


# One converter of each kind for the process, made on first use: cattrs generates (compiles) its
# functions once per class, and a run without a configuration file structures nothing.
@functools.cache
def _structurer() -> cattrs.Converter:
    import cattrs

    converter = cattrs.Converter(forbid_extra_keys=True)
    for scalar in (bool, int, float, str):
        converter.register_structure_hook(scalar, _strict_scalar(scalar))
    converter.register_structure_hook(timedelta, _structure_duration)
    converter.register_structure_hook(ByteSize, _structure_size)
    converter.register_structure_hook_func(lambda t: t == tuple[str, ...], _structure_names)
    return converter


def _problem_lines(error: Exception) -> list[str]:
    import cattrs

    def describe(exc: BaseException, cls: Any) -> str:
        if isinstance(exc, _FieldProblem):
            return f"{exc.field}\0{exc.message}"
        if isinstance(exc, cattrs.ForbiddenExtraKeysError):
            known = ", ".join(field.name for field in attrs.fields(exc.cl))
            unknown = ", ".join(sorted(exc.extra_fields))
            return f"unknown key(s): {unknown} (expected one of: {known})"
        if isinstance(exc, KeyError):
            return "required key is missing"
        return str(exc)

    lines = []
    for line in cattrs.transform_error(error, path="$", format_exception=describe):
        message, _, path = line.rpartition(" @ ")
        keys = ["diagnostics", *filter(None, path.removeprefix("$").split("."))]
        field, nul, detail = message.partition("\0")
        if nul:
            keys.append(field)
            message = detail
        lines.append(f"{'.'.join(keys)}: {message}")
    return lines


def config_from_mapping(data: Mapping[str, Any] | None, path: str | None = None) -> DiagnosticsConfig:
    """Build a configuration from already-parsed data (the file's top level).

    Raises:
        ConfigError: one line per problem, each naming the key path.
    """
    if data is None:
        return DiagnosticsConfig()
    if not isinstance(data, Mapping):
        raise ConfigError(f"expected a mapping with a 'diagnostics' key, got {type(data).__name__}", path)
    unknown = sorted(set(data) - {"diagnostics"})
    if unknown:
        raise ConfigError(f"unknown top-level key(s): {', '.join(map(str, unknown))} (expected 'diagnostics')", path)
    section = data.get("diagnostics")
    if section is None:
        return DiagnosticsConfig()
    if not isinstance(section, Mapping):
        raise ConfigError(f"diagnostics: expected a mapping, got {type(section).__name__}", path)
    import cattrs

    try:
        return _structurer().structure(dict(section), DiagnosticsConfig)
    except (cattrs.BaseValidationError, ValueError, TypeError) as error:
        if isinstance(error, cattrs.BaseValidationError):
            raise ConfigError(_problem_lines(error), path) from None
        raise ConfigError(f"diagnostics: {error}", path) from None


def load_config(path: str | Path | None = None) -> DiagnosticsConfig:
    """Load the diagnostics configuration.

    Args:
        path: the YAML file. ``None`` reads ``.sc/diagnostics-config.yaml`` when
            it exists and returns the defaults otherwise.

    Raises:
        ConfigError: the file cannot be read or parsed, or a key is unknown,
            of the wrong type or out of range. The message names the file and
            the key path, e.g. ``collection.timeout: expected a duration such
            as "5m", got 'five'``.
    """
    if path is None:
        if not DEFAULT_CONFIG_PATH.exists():
            return DiagnosticsConfig()
        path = DEFAULT_CONFIG_PATH
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"cannot read the file: {error.strerror or error}", str(file)) from None
    except UnicodeDecodeError:
        raise ConfigError("the file is not UTF-8 text", str(file)) from None
    import yaml  # only with a configuration file: most runs have none

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        raise ConfigError(f"{where}invalid YAML: {problem}", str(file)) from None
    return config_from_mapping(data, str(file))


@functools.cache
def _unstructurer() -> cattrs.Converter:
    import cattrs

    converter = cattrs.Converter()
    converter.register_unstructure_hook(timedelta, format_duration)
    converter.register_unstructure_hook(ByteSize, int)
    return converter


def unstructure_config(config: DiagnosticsConfig) -> dict[str, Any]:
    """The configuration as plain data, durations and sizes written as in the file."""
    return {"diagnostics": _unstructurer().unstructure(config)}
