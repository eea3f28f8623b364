"""Plugins load through hooks; a broken one is reported and skipped."""

from __future__ import annotations

import _thread
import signal
import threading
import types
from typing import Any

import pytest

from scdiag.errors import PluginError
from scdiag.plugins import CaptureReaderRegistry, PluginHost, ProviderRegistry, ReportFormatRegistry, hookimpl, resolve
from scdiag.testing import host_with


class GoodPlugin:
    @staticmethod
    @hookimpl
    def scdiag_register_providers(registry: ProviderRegistry) -> None:
        registry.add_provider("good", "scdiag.testing:StaticProvider", description="good")


class RaisingPlugin:
    @staticmethod
    @hookimpl
    def scdiag_register_providers(registry: ProviderRegistry) -> None:
        raise RuntimeError("boom")


class BadSignaturePlugin:
    @staticmethod
    @hookimpl
    def scdiag_register_providers(registry: Any, unexpected: Any) -> None:
        """Asks for an argument the spec does not have."""


def test_a_registered_provider_is_listed() -> None:
    """A provider registered through the hook is known by name."""
    host = host_with(("good", GoodPlugin()))
    assert set(host.providers()) == {"good"}
    assert host.providers()["good"].plugin == "good"


def test_a_plugin_raising_in_a_hook_is_recorded_and_the_others_still_register() -> None:
    """The failure names the plugin and the hook; the good plugin is unaffected."""
    host = host_with(("bad", RaisingPlugin()), ("good", GoodPlugin()))
    assert set(host.providers()) == {"good"}
    (failure,) = host.failures
    assert failure.name == "bad"
    assert failure.stage == "scdiag_register_providers"
    assert "RuntimeError: boom" in str(failure)


def test_a_plugin_breaking_the_hook_contract_is_refused_at_registration() -> None:
    """pluggy's validation error becomes a recorded failure, not an exception."""
    host = host_with(("odd", BadSignaturePlugin()))
    assert [f.stage for f in host.failures] == ["register"]
    assert host.providers() == {}


def test_blocked_plugins_are_not_registered() -> None:
    """SCDIAG_DISABLE_PLUGINS (here: blocked=) keeps a plugin out."""
    host = PluginHost(autoload=False, blocked=frozenset({"good"}))
    assert host.register(GoodPlugin(), "good") is False
    assert host.providers() == {}


def test_the_environment_variable_blocks_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    """SCDIAG_DISABLE_PLUGINS is a comma-separated list of names."""
    monkeypatch.setenv("SCDIAG_DISABLE_PLUGINS", "aws, k8s")
    assert PluginHost(autoload=False).blocked == frozenset({"aws", "k8s"})


def test_an_entry_point_that_fails_to_import_is_recorded(monkeypatch: pytest.MonkeyPatch) -> None:
    """A plugin whose module cannot be imported is reported with its distribution."""
    import importlib.metadata as metadata

    class FakeDist:
        name = "scdiag-broken"
        version = "9.9"

    class FakeEntryPoint:
        name = "broken"
        dist = FakeDist()

        def load(self) -> Any:
            raise ImportError("No module named 'nowhere'")

    monkeypatch.setattr(metadata, "entry_points", lambda group: [FakeEntryPoint()] if group == "scdiag" else [])
    host = PluginHost(autoload=True, blocked=frozenset())
    (failure,) = host.failures
    assert (failure.name, failure.stage, failure.distribution, failure.version) == ("broken", "load", "scdiag-broken", "9.9")
    assert "No module named 'nowhere'" in failure.error


def test_a_reader_that_cannot_be_resolved_is_recorded_and_skipped() -> None:
    """A lazy reference to a missing class loses that reader only."""

    class Readers:
        @staticmethod
        @hookimpl
        def scdiag_register_capture_readers(registry: CaptureReaderRegistry) -> None:
            registry.add_reader("scdiag.nowhere:Reader")
            registry.add_reader("scdiag.captures.text:PlainLogReader")

    host = host_with(("readers", Readers()), builtins=False)
    readers = host.capture_readers()
    assert [type(r).__name__ for r in readers] == ["PlainLogReader"]
    assert host.failures[0].stage == "resolve"


def test_builtin_formats_register_like_any_plugin() -> None:
    """The core's formats come through the same hook."""
    host = host_with()
    assert {"text", "json", "yaml", "markdown", "interactive"} <= set(host.report_formats())


def test_a_plugin_may_add_a_report_format() -> None:
    """Third-party formats sit beside the built-in ones."""

    class Formats:
        @staticmethod
        @hookimpl
        def scdiag_register_report_formats(registry: ReportFormatRegistry) -> None:
            registry.add_format("csv", lambda report: "status\n")

    host = host_with(("formats", Formats()))
    assert "csv" in host.report_formats()


def test_a_missing_first_party_provider_names_the_extra_to_install() -> None:
    """Asking for aws without scdiag-aws says what to pip install."""
    host = host_with()
    with pytest.raises(PluginError, match=r"pip install 'simple-container-diagnostics\[aws\]'"):
        host.create_provider("aws", None)


def test_an_unknown_provider_lists_the_installed_ones() -> None:
    """A typo gets the list of what exists."""
    host = host_with(("good", GoodPlugin()))
    with pytest.raises(PluginError, match="unknown provider 'gud' \\(installed: good\\)"):
        host.create_provider("gud", None)


def test_resolve_imports_module_attribute_strings() -> None:
    """'module:attr' imports lazily; objects pass through."""
    assert resolve("scdiag.plugins:resolve") is resolve
    marker = types.SimpleNamespace()
    assert resolve(marker) is marker
    with pytest.raises(PluginError, match="cannot import"):
        resolve("scdiag.nowhere:thing")


def test_a_plugin_redaction_rule_masks_report_text() -> None:
    """Rules from scdiag_register_redaction_rules apply to every report."""
    from scdiag.app import DiagnosticOrchestrator
    from scdiag.models import DiagnosticRequest, DiagnosticResult, DiagnosticStatus
    from scdiag.plugins import RedactionRegistry

    class Rules:
        @staticmethod
        @hookimpl
        def scdiag_register_redaction_rules(registry: RedactionRegistry) -> None:
            registry.add_rule("ticket", r"TICKET-\d{6}")

    orchestrator = DiagnosticOrchestrator(host=host_with(("rules", Rules())))
    result = DiagnosticResult(status=DiagnosticStatus.UNKNOWN, request=DiagnosticRequest(provider="x", service_name="web"), summary="see TICKET-123456")
    assert "TICKET-123456" not in orchestrator.report_generator().export_report(orchestrator.report_generator().generate_report(result), "text")


class OptionPlugin:
    @staticmethod
    @hookimpl
    def scdiag_register_providers(registry: ProviderRegistry) -> None:
        registry.add_provider("nomad", "scdiag.testing:StaticProvider", description="HashiCorp Nomad")
        registry.add_option("nomad", "job", short="j", help="the Nomad job")


def test_a_provider_declares_its_own_request_options() -> None:
    """A third-party provider's flags come from its registration, not from the core."""
    host = host_with(("nomad", OptionPlugin()), ("good", GoodPlugin()))
    (option,) = host.provider_registry().options["nomad"]
    assert (option.provider, option.name, option.short, option.plugin) == ("nomad", "job", "j", "nomad")


class ExitingPlugin:
    @staticmethod
    @hookimpl
    def scdiag_register_providers(registry: ProviderRegistry) -> None:
        raise SystemExit(3)  # a plugin calling sys.exit() must not end scdiag


class InterruptingPlugin:
    """Raises KeyboardInterrupt itself: plugin code, not the user at the keyboard."""

    @staticmethod
    @hookimpl
    def scdiag_register_providers(registry: ProviderRegistry) -> None:
        raise KeyboardInterrupt


class WaitingPlugin:
    """Blocks in its hook until released, while the user presses Ctrl-C."""

    release = threading.Event()

    @staticmethod
    @hookimpl
    def scdiag_register_providers(registry: ProviderRegistry) -> None:
        WaitingPlugin.release.wait(10)


class SleepingPlugin:
    """A hook that never returns in any useful time (released when its test ends)."""

    release = threading.Event()

    @staticmethod
    @hookimpl
    def scdiag_register_providers(registry: ProviderRegistry) -> None:
        SleepingPlugin.release.wait(60)


def test_a_plugin_that_exits_is_reported_and_skipped() -> None:
    """SystemExit from a hook is a plugin failure; the other plugins still register."""
    host = host_with(("exiting", ExitingPlugin()), ("good", GoodPlugin()))
    assert set(host.providers()) == {"good"}
    assert any(f.name == "exiting" and "SystemExit" in f.error for f in host.failures)


def test_a_keyboard_interrupt_raised_by_plugin_code_is_its_failure() -> None:
    """Only the user's Ctrl-C stops scdiag; a plugin raising KeyboardInterrupt is reported and skipped."""
    host = host_with(("interrupting", InterruptingPlugin()), ("good", GoodPlugin()))
    assert set(host.providers()) == {"good"}
    assert any(f.name == "interrupting" and "KeyboardInterrupt" in f.error for f in host.failures)


def test_the_users_ctrl_c_is_not_swallowed_by_the_isolation() -> None:
    """Ctrl-C while a plugin's hook runs stops scdiag: the main thread is interrupted, not the plugin's."""
    host = host_with(("waiting", WaitingPlugin()))
    # Python's own handler, as in a terminal: a runner started in the background of a script
    # inherits SIGINT ignored, and interrupt_main() then does nothing.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    timer = threading.Timer(0.2, _thread.interrupt_main)
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            host.providers()
    finally:
        WaitingPlugin.release.set()
        timer.cancel()
        signal.signal(signal.SIGINT, previous)


def test_a_hook_that_never_returns_is_abandoned_and_reported() -> None:
    """The other plugins register; the sleeper is one failure naming the hook and the time it was given."""
    host = host_with(("sleeping", SleepingPlugin()), ("good", GoodPlugin()))
    host.hook_timeout = 0.5
    try:
        assert set(host.providers()) == {"good"}
    finally:
        SleepingPlugin.release.set()
    (failure,) = host.failures
    assert (failure.name, failure.stage) == ("sleeping", "scdiag_register_providers")
    assert "did not finish within 0.5 s; abandoned" in failure.error


class AwsImpostor:
    """A third-party plugin registering the first-party provider name ``aws``."""

    @staticmethod
    @hookimpl
    def scdiag_register_providers(registry: ProviderRegistry) -> None:
        registry.add_provider("aws", "scdiag.testing:StaticProvider", description="not the real one")


@pytest.fixture(name="aws_plugin")
def _aws_plugin() -> object:
    import scdiag_aws.plugin

    return scdiag_aws.plugin


def test_a_plugin_cannot_silently_replace_a_first_party_provider(aws_plugin: object) -> None:
    """Whatever the load order, ``aws`` stays scdiag-aws's, and the impostor is reported with the key that would allow it."""
    for order in ((("aws", aws_plugin), ("impostor", AwsImpostor())), (("impostor", AwsImpostor()), ("aws", aws_plugin))):
        host = host_with(*order)
        assert host.providers()["aws"].plugin == "aws"
        (failure,) = host.failures
        assert failure.name == "impostor"
        assert "belongs to scdiag-aws; refused" in failure.error and "providers.allow_replacing: [aws]" in failure.error


def test_a_first_party_name_without_its_distribution_still_needs_consent() -> None:
    """With scdiag-aws absent, a plugin claiming ``aws`` is refused too: the name is reserved."""
    host = host_with(("impostor", AwsImpostor()))
    assert "aws" not in host.providers()
    assert [failure.name for failure in host.failures] == ["impostor"]


def test_replacing_a_first_party_provider_with_consent_is_said(aws_plugin: object) -> None:
    """``providers.allow_replacing: [aws]`` lets the plugin's provider serve, and a notice says so."""
    from scdiag.app import DiagnosticOrchestrator
    from scdiag.config import config_from_mapping

    host = host_with(("aws", aws_plugin), ("impostor", AwsImpostor()))
    config = config_from_mapping({"diagnostics": {"providers": {"allow_replacing": ["aws"]}}})
    DiagnosticOrchestrator(config=config, host=host)
    assert host.providers()["aws"].plugin == "impostor"
    assert host.failures == []
    assert host.notices == ["provider aws of scdiag-aws is replaced by plugin impostor (providers.allow_replacing)"]


def test_allow_replacing_names_only_first_party_providers() -> None:
    """A name that is not a first-party provider is a config error with its key path."""
    from scdiag.config import config_from_mapping
    from scdiag.errors import ConfigError

    with pytest.raises(ConfigError, match=r"diagnostics\.providers\.allow_replacing: .*'ecs'.*aws, azure, gcp, kubernetes"):
        config_from_mapping({"diagnostics": {"providers": {"allow_replacing": ["ecs"]}}})


def test_scdiag_own_plugins_load_and_register_on_the_calling_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """The installed first-party plugins are imported and asked for their readers, formats and patterns without a thread;
    a third-party hook still gets one (its deadline is tested above)."""
    started: list[str] = []
    original = threading.Thread.start

    def start(self: threading.Thread) -> None:
        started.append(self.name)
        original(self)

    monkeypatch.setattr(threading.Thread, "start", start)
    host = PluginHost()
    host.capture_readers()
    host.report_formats()
    host.pattern_sources()
    assert sorted(plugin.name for plugin in host.loaded) == ["aws", "azure", "gcp", "k8s", "scdiag"]
    assert (started, host.failures) == ([], [])
    host_with(("good", GoodPlugin())).providers()
    assert [name.endswith("scdiag_register_providers-good") for name in started] == [True]
