"""Plugin loading and isolation: the ``hookimpl`` marker and :class:`PluginHost`.

:class:`PluginHost` walks the ``scdiag`` entry points itself, so that a
plugin that fails to import, or raises in a hook, is recorded as a
:class:`PluginFailure` and skipped while the others go on. Set
``SCDIAG_DISABLE_PLUGINS=name,name`` to block plugins by entry-point name.
It offers one typed method per hook, so callers never touch ``pm.hook``.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs
import pluggy

from scdiag import hookspecs
from scdiag._records import mutable_record, record
from scdiag._version import install_hint
from scdiag.deadline import call_within
from scdiag.errors import PluginError

__all__ = [
    "FIRST_PARTY_PROVIDERS",
    "first_party",
    "CaptureReaderRegistry",
    "LoadedPlugin",
    "PatternRegistry",
    "PatternSource",
    "PluginFailure",
    "PluginHost",
    "ProviderOption",
    "ProviderRegistration",
    "ProviderRegistry",
    "RedactionRegistry",
    "ReportFormatRegistration",
    "ReportFormatRegistry",
    "hookimpl",
    "resolve",
]

hookimpl = pluggy.HookimplMarker(hookspecs.PROJECT_NAME)
"""Marks a plugin's hook implementations."""

_BUILTIN_PLUGIN = "scdiag._builtin"

FIRST_PARTY_PROVIDERS: Mapping[str, tuple[str, str]] = {
    "aws": ("scdiag-aws", "aws"),
    "gcp": ("scdiag-gcp", "gcp"),
    "kubernetes": ("scdiag-k8s", "k8s"),
    "azure": ("scdiag-azure", "azure"),
}
"""Provider name -> (distribution, extra), for install hints."""

_FIRST_PARTY_ROOTS = frozenset({"scdiag", "scdiag_aws", "scdiag_gcp", "scdiag_k8s", "scdiag_azure"})


def first_party(obj: object) -> bool:
    """Whether ``obj`` (a reader, a renderer) is scdiag's own code; plugin code runs isolated under a deadline."""
    module = getattr(obj, "__module__", None) or type(obj).__module__
    return module.split(".", 1)[0] in _FIRST_PARTY_ROOTS


def _names_own_module(value: str | None) -> bool:
    """Whether an entry point's ``module:attribute`` is in one of scdiag's own packages."""
    return value is not None and value.partition(":")[0].strip().split(".", 1)[0] in _FIRST_PARTY_ROOTS


def _isolated(call: Callable[[], Any], timeout: float, name: str, *, own: bool) -> Any:
    """``call()``: a plugin's code under ``timeout`` on a thread of its own, scdiag's own code in line,
    as its readers and renderers run (a small case makes eleven such calls; their threads took 2-4 ms)."""
    return call() if own else call_within(call, timeout, name=name)


_FIRST_PARTY_PACKAGES: Mapping[str, str] = {"aws": "scdiag_aws", "gcp": "scdiag_gcp", "kubernetes": "scdiag_k8s", "azure": "scdiag_azure"}


def resolve(target: str | object) -> Any:
    """Import a ``"module:attribute"`` string; anything else is returned as is.

    Raises:
        PluginError: the module or attribute cannot be found.
    """
    if not isinstance(target, str):
        return target
    module_name, _, attribute = target.partition(":")
    try:
        value: Any = importlib.import_module(module_name)
        for part in filter(None, attribute.split(".")):
            value = getattr(value, part)
    except ImportError as error:
        raise PluginError(f"cannot import {target}: {error}") from error
    except AttributeError as error:
        raise PluginError(f"cannot find {target}: {error}") from error
    return value


@record
class LoadedPlugin:
    """A plugin that loaded."""

    name: str
    distribution: str | None = None
    version: str | None = None
    module: str = ""


@record
class PluginFailure:
    """A plugin that failed, and how."""

    name: str
    error: str
    stage: str
    """``load`` (import), ``register`` (pluggy validation), a hook name, or ``resolve``."""
    distribution: str | None = None
    version: str | None = None

    def __str__(self) -> str:
        dist = f" ({self.distribution} {self.version})" if self.distribution else ""
        return f"plugin {self.name}{dist} failed in {self.stage}: {self.error}"


@record
class ProviderRegistration:
    """A provider as a plugin registered it."""

    name: str
    factory: str | Callable[..., Any]
    plugin: str
    description: str = ""


@record
class ReportFormatRegistration:
    """A report format as a plugin registered it."""

    name: str
    renderer: str | Callable[..., Any]
    plugin: str
    description: str = ""


@record
class PatternSource:
    """Where patterns come from: a YAML file, or one pattern's data."""

    plugin: str
    path: Path | None = None
    data: Mapping[str, Any] | None = None
    origin: str = ""


@mutable_record
class _Registry:
    plugin: str = ""


@mutable_record
class ProviderRegistry(_Registry):
    """Handed to ``scdiag_register_providers``."""

    providers: dict[str, ProviderRegistration] = attrs.field(factory=dict)
    capabilities: dict[str, list[str]] = attrs.field(factory=dict)
    options: dict[str, list[ProviderOption]] = attrs.field(factory=dict)
    contenders: dict[str, list[ProviderRegistration]] = attrs.field(factory=dict)
    """Every registration of each provider name, in registration order (merged registries only)."""

    def add_provider(self, name: str, factory: str | Callable[..., Any], *, description: str = "") -> None:
        """Register a live provider under ``name``."""
        self.providers[name] = ProviderRegistration(name, factory, self.plugin, description)

    def add_capability(self, name: str, text: str) -> None:
        """Say what the plugin offers for provider ``name`` (shown by ``scdiag providers``)."""
        self.capabilities.setdefault(name, []).append(text)

    def add_option(self, provider: str, name: str, *, help: str, short: str | None = None) -> None:
        """Declare a request option of ``provider``: ``scdiag diagnose --provider PROVIDER --NAME VALUE``.

        The value reaches the provider as ``request.context.options[name]``;
        ``name`` uses dashes (``resource-group``). ``short`` is an optional one-letter flag.
        """
        self.options.setdefault(provider, []).append(ProviderOption(provider, name, help, short, self.plugin))


@record
class ProviderOption:
    """A request option a provider declared."""

    provider: str
    name: str
    help: str
    short: str | None = None
    plugin: str = ""


@mutable_record
class CaptureReaderRegistry(_Registry):
    """Handed to ``scdiag_register_capture_readers``."""

    readers: list[tuple[str, str | object]] = attrs.field(factory=list)

    def add_reader(self, reader: str | object) -> None:
        """Register a capture reader (``"module:Class"``, class or instance)."""
        self.readers.append((self.plugin, reader))


@mutable_record
class PatternRegistry(_Registry):
    """Handed to ``scdiag_register_patterns``."""

    sources: list[PatternSource] = attrs.field(factory=list)

    def add_pattern_file(self, path: str | Path) -> None:
        """Add the patterns of one YAML file."""
        self.sources.append(PatternSource(self.plugin, path=Path(path), origin=str(path)))

    def add_pattern_directory(self, path: str | Path) -> None:
        """Add every ``*.yaml`` file of a directory, in name order."""
        for file in sorted(Path(path).glob("*.yaml")):
            self.add_pattern_file(file)

    def add_pattern_data(self, data: Mapping[str, Any], origin: str = "") -> None:
        """Add one pattern given as already-parsed data."""
        self.sources.append(PatternSource(self.plugin, data=data, origin=origin or f"plugin {self.plugin}"))


@mutable_record
class ReportFormatRegistry(_Registry):
    """Handed to ``scdiag_register_report_formats``."""

    formats: dict[str, ReportFormatRegistration] = attrs.field(factory=dict)

    def add_format(self, name: str, renderer: str | Callable[..., Any], *, description: str = "") -> None:
        """Register a renderer for ``--format name``."""
        self.formats[name] = ReportFormatRegistration(name, renderer, self.plugin, description)


@mutable_record
class RedactionRegistry(_Registry):
    """Handed to ``scdiag_register_redaction_rules``."""

    rules: list[tuple[str, str]] = attrs.field(factory=list)
    refused: list[tuple[str, str]] = attrs.field(factory=list)
    """(rule name, why) of rules that are not valid RE2; they are reported, the plugin's other rules kept."""

    def add_rule(self, name: str, regex: str) -> None:
        """Mask every match of ``regex`` (or of its ``secret`` group); RE2 syntax.

        A rule that is not valid RE2 is refused and reported as the plugin's
        failure; the plugin's other rules still apply.
        """
        from scdiag.redaction import compile_rule

        try:
            compile_rule(regex)
        except ValueError as error:
            self.refused.append((name, f"{error} in {regex!r}"))
            return
        self.rules.append((name, regex))


_PLUGIN_ERRORS = BaseException
"""What a plugin may raise at a seam: anything, sys.exit() and SystemExit included."""


def _unless_interrupted(error: BaseException) -> None:
    # A plugin's failure is reported and skipped; the user's Ctrl-C still stops scdiag.
    if isinstance(error, KeyboardInterrupt):
        raise error


def _blocked_from_env() -> frozenset[str]:
    raw = os.environ.get("SCDIAG_DISABLE_PLUGINS", "")
    return frozenset(name.strip() for name in raw.split(",") if name.strip())


@mutable_record
class PluginHost:
    """Loads plugins, isolates their failures and calls their hooks.

    Args:
        autoload: walk the ``scdiag`` entry points (the default); tests pass
            ``False`` and register what they need.
        blocked: entry-point names not to load; defaults to
            ``SCDIAG_DISABLE_PLUGINS``.
        builtins: register the core's own plugin (generic readers, formats,
            the knowledge base).
        entry_point_cache: a directory where the entry points found are kept
            between runs, while the installed distributions stay the same
            (``None``: looked up through :mod:`importlib.metadata` each time).
    """

    autoload: bool = True
    blocked: frozenset[str] = attrs.field(factory=_blocked_from_env)
    builtins: bool = True
    allow_replacing: frozenset[str] = frozenset()
    """First-party provider names a plugin may replace (``providers.allow_replacing``)."""
    hook_timeout: float = 30.0
    """Seconds a plugin's import or one of its hooks may take before it is abandoned and reported."""
    entry_point_cache: Path | None = None
    loaded: list[LoadedPlugin] = attrs.field(factory=list, init=False)
    failures: list[PluginFailure] = attrs.field(factory=list, init=False)
    notices: list[str] = attrs.field(factory=list, init=False)
    """What a user should know about the plugins that is no failure (a provider replaced with consent)."""
    _pm: pluggy.PluginManager = attrs.field(init=False)
    _cache: dict[str, Any] = attrs.field(factory=dict, init=False)

    def __attrs_post_init__(self) -> None:
        self._pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
        self._pm.add_hookspecs(hookspecs)
        if self.builtins:
            self.register(importlib.import_module(_BUILTIN_PLUGIN), "scdiag")
        if self.autoload:
            self._load_entry_points()

    def register(self, plugin: object, name: str, *, distribution: str | None = None, version: str | None = None) -> bool:
        """Register a plugin object; on a contract violation record it and return False."""
        if name in self.blocked:
            return False
        try:
            self._pm.register(plugin, name=name)
        except _PLUGIN_ERRORS as error:  # isolation seam: pluggy's validation errors
            _unless_interrupted(error)
            self.failures.append(PluginFailure(name, str(error), "register", distribution, version))
            return False
        module = getattr(plugin, "__name__", type(plugin).__name__)
        self.loaded.append(LoadedPlugin(name, distribution, version, module))
        self._cache.clear()
        return True

    def _load_entry_points(self) -> None:
        from scdiag._entry_points import find_entry_points

        for entry_point in find_entry_points(hookspecs.PROJECT_NAME, self.entry_point_cache):
            if entry_point.name in self.blocked or self._pm.has_plugin(entry_point.name):
                continue
            dist_name, dist_version = entry_point.distribution, entry_point.version
            try:
                plugin = _isolated(entry_point.load, self.hook_timeout, f"load-{entry_point.name}", own=_names_own_module(entry_point.value))
            except _PLUGIN_ERRORS as error:  # isolation seam: a broken plugin must not break the others
                _unless_interrupted(error)
                message = f"{type(error).__name__}: {error}"
                self.failures.append(PluginFailure(entry_point.name, message, "load", dist_name, dist_version))
                continue
            self.register(plugin, entry_point.name, distribution=dist_name, version=dist_version)

    def _call_each(self, hook_name: str, make_registry: Callable[[str], _Registry]) -> list[_Registry]:
        """Call one hook implementation at a time, so one failure skips one plugin."""
        registries = []
        hook = getattr(self._pm.hook, hook_name)
        for impl in reversed(hook.get_hookimpls()):
            name = self._pm.get_name(impl.plugin) or impl.plugin_name
            registry = make_registry(name)
            registry.plugin = name
            try:
                _isolated(lambda: impl.function(**{arg: registry for arg in impl.argnames}), self.hook_timeout, f"{hook_name}-{name}", own=first_party(impl.function))
            except _PLUGIN_ERRORS as error:  # isolation seam
                _unless_interrupted(error)
                info = self._info(name)
                self.failures.append(
                    PluginFailure(name, f"{type(error).__name__}: {error}", hook_name, info.distribution, info.version)
                )
                continue
            registries.append(registry)
        return registries

    def _info(self, name: str) -> LoadedPlugin:
        for plugin in self.loaded:
            if plugin.name == name:
                return plugin
        return LoadedPlugin(name)

    def _cached(self, key: str, build: Callable[[], Any]) -> Any:
        if key not in self._cache:
            self._cache[key] = build()
        return self._cache[key]

    def provider_registry(self) -> ProviderRegistry:
        """Every provider, capability and request option registered by every plugin."""

        def build() -> ProviderRegistry:
            merged = ProviderRegistry()
            for registry in self._call_each("scdiag_register_providers", lambda _n: ProviderRegistry()):
                assert isinstance(registry, ProviderRegistry)
                for name, registration in registry.providers.items():
                    merged.contenders.setdefault(name, []).append(registration)
                for name, texts in registry.capabilities.items():
                    merged.capabilities.setdefault(name, []).extend(texts)
                for name, options in registry.options.items():
                    merged.options.setdefault(name, []).extend(options)
            for name, contenders in merged.contenders.items():
                chosen = self._choose_provider(name, contenders)
                if chosen is not None:
                    merged.providers[name] = chosen
            return merged

        result: ProviderRegistry = self._cached("providers", build)
        return result

    def allow_provider_replacement(self, names: Iterable[str]) -> None:
        """Let plugins replace these first-party providers (``providers.allow_replacing``)."""
        allowed = frozenset(names)
        if allowed != self.allow_replacing:
            self.allow_replacing = allowed
            self._cache.pop("providers", None)

    def _first_party(self, provider: str, registration: ProviderRegistration) -> bool:
        package = _FIRST_PARTY_PACKAGES.get(provider)
        module = self._info(registration.plugin).module
        return package is not None and (module == package or module.startswith(package + "."))

    def _notice(self, text: str) -> None:
        # The registry is rebuilt when a plugin registers: say each thing once.
        if text not in self.notices:
            self.notices.append(text)

    def _fail(self, failure: PluginFailure) -> None:
        if failure not in self.failures:
            self.failures.append(failure)

    def _choose_provider(self, name: str, contenders: list[ProviderRegistration]) -> ProviderRegistration | None:
        """Which registration serves ``name``: a first-party name stays first-party unless the config consents."""
        if name not in FIRST_PARTY_PROVIDERS:
            if len(contenders) > 1:
                plugins = ", ".join(c.plugin for c in contenders)
                self._notice(f"provider {name} is registered by plugins {plugins}; {contenders[-1].plugin}'s is used")
            return contenders[-1]
        own = [c for c in contenders if self._first_party(name, c)]
        others = [c for c in contenders if not self._first_party(name, c)]
        if not others:
            return own[-1]
        dist = FIRST_PARTY_PROVIDERS[name][0]
        if name in self.allow_replacing:
            self._notice(f"provider {name} of {dist} is replaced by plugin {others[-1].plugin} (providers.allow_replacing)")
            return others[-1]
        for other in others:
            info = self._info(other.plugin)
            self._fail(
                PluginFailure(
                    other.plugin,
                    f"registers provider {name!r}, which belongs to {dist}; refused (to let it replace {dist}, set providers.allow_replacing: [{name}])",
                    "scdiag_register_providers",
                    info.distribution,
                    info.version,
                )
            )
        return own[-1] if own else None

    def providers(self) -> dict[str, ProviderRegistration]:
        """Registered providers by name."""
        return dict(self.provider_registry().providers)

    def create_provider(self, name: str, config: Any) -> Any:
        """Build the provider registered as ``name``.

        Raises:
            PluginError: no such provider, or its factory failed.
        """
        registration = self.providers().get(name)
        if registration is None:
            raise PluginError(self.missing_provider_message(name))
        try:
            factory = resolve(registration.factory)
            return factory(config)
        except PluginError as error:
            raise PluginError(f"provider {name} (plugin {registration.plugin}): {error}") from error
        except _PLUGIN_ERRORS as error:
            _unless_interrupted(error)
            raise PluginError(f"provider {name} (plugin {registration.plugin}) failed to start: {type(error).__name__}: {error}") from error

    def missing_provider_message(self, name: str) -> str:
        """Why provider ``name`` is not available, with the install hint."""
        if name in FIRST_PARTY_PROVIDERS:
            dist, extra = FIRST_PARTY_PROVIDERS[name]
            capabilities = self.provider_registry().capabilities.get(name)
            if capabilities:
                return f"live diagnosis for {name} is not available in this version of {dist} (it provides: {'; '.join(capabilities)})"
            return f"provider {name} is not installed: {install_hint(extra)}"
        known = ", ".join(sorted(self.providers())) or "none"
        return f"unknown provider {name!r} (installed: {known})"

    def capture_readers(self) -> list[Any]:
        """Instances of every registered capture reader that could be resolved."""

        def build() -> list[Any]:
            readers = []
            for registry in self._call_each("scdiag_register_capture_readers", lambda _n: CaptureReaderRegistry()):
                assert isinstance(registry, CaptureReaderRegistry)
                for plugin, target in registry.readers:
                    try:
                        reader = resolve(target)
                        readers.append(reader() if isinstance(reader, type) else reader)
                    except _PLUGIN_ERRORS as error:  # isolation seam
                        _unless_interrupted(error)
                        self.failures.append(PluginFailure(plugin, f"capture reader {target}: {error}", "resolve"))
            return readers

        result: list[Any] = self._cached("readers", build)
        return result

    def pattern_sources(self) -> list[PatternSource]:
        """Every pattern file or pattern registered, core first."""

        def build() -> list[PatternSource]:
            sources: list[PatternSource] = []
            for registry in self._call_each("scdiag_register_patterns", lambda _n: PatternRegistry()):
                assert isinstance(registry, PatternRegistry)
                sources.extend(registry.sources)
            return sources

        result: list[PatternSource] = self._cached("patterns", build)
        return result

    def report_formats(self) -> dict[str, ReportFormatRegistration]:
        """Registered report formats by name."""

        def build() -> dict[str, ReportFormatRegistration]:
            formats: dict[str, ReportFormatRegistration] = {}
            for registry in self._call_each("scdiag_register_report_formats", lambda _n: ReportFormatRegistry()):
                assert isinstance(registry, ReportFormatRegistry)
                formats.update(registry.formats)
            return formats

        result: dict[str, ReportFormatRegistration] = self._cached("formats", build)
        return result

    def redaction_rules(self) -> list[tuple[str, str]]:
        """Extra redaction rules, as (name, regex)."""

        def build() -> list[tuple[str, str]]:
            rules: list[tuple[str, str]] = []
            for registry in self._call_each("scdiag_register_redaction_rules", lambda _n: RedactionRegistry()):
                assert isinstance(registry, RedactionRegistry)
                rules.extend(registry.rules)
                info = self._info(registry.plugin)
                for name, why in registry.refused:
                    self._fail(PluginFailure(registry.plugin, f"redaction rule {name} refused: {why}", "scdiag_register_redaction_rules", info.distribution, info.version))
            return rules

        result: list[tuple[str, str]] = self._cached("redaction", build)
        return result
