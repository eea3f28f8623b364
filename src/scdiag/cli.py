"""The ``scdiag`` command: the only module that prints, exits or configures logging.

Exit codes: 0 a report was produced; 1 (with ``--exit-code``) the report
diagnoses a failure; 2 usage or configuration error; 3 nothing could be
collected or read, or nothing in the inputs was recognised; 130 interrupted.
Errors are one readable line; ``--debug`` adds the traceback.
"""

from __future__ import annotations

import argparse
import contextvars
import gc
import json
import logging
import os
import sys
import time
import traceback
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from scdiag._units import parse_duration
from scdiag._version import __version__, install_hint
from scdiag.deadline import unfinished_work
from scdiag.errors import ConfigError, PluginError, RenderError, ScdiagError

if TYPE_CHECKING:
    from scdiag.models import DiagnosticData
    from scdiag.plugins import PluginHost

__all__ = ["main"]

EXIT_OK = 0
EXIT_FAILURE_FOUND = 1
EXIT_USAGE = 2
EXIT_NOTHING = 3
EXIT_STILL_PROGRESSING = 4

_PROVIDERS = ("aws", "gcp", "kubernetes", "azure")
_PROVIDER_ALIASES = {"k8s": "kubernetes", "kube": "kubernetes", "ecs": "aws", "cloudrun": "gcp", "cloud-run": "gcp", "aca": "azure"}

_EXIT_CODES = """exit codes:
  0    a report was produced
  1    with --exit-code: the report diagnoses a failed deployment
  2    usage or configuration error
  3    nothing could be collected or read, or nothing in the inputs was recognised
  4    watch: the rollout was still progressing at --timeout
  130  interrupted"""

_EXAMPLES = {
    "diagnose": """examples:
  scdiag diagnose -p aws --cluster prod -s web --region eu-west-1
  scdiag diagnose -p k8s -n shop -s web --context prod -o markdown --output-file report.md
  scdiag diagnose -p gcp --project acme-prod --region europe-west1 -s web --since 2h
  scdiag diagnose -p azure --subscription SUB --resource-group shop -s web --exit-code""",
    "analyze": """examples:
  scdiag analyze examples/k8s-oom-kill/ -o text
  kubectl describe pod web-7f8c | scdiag analyze -
  scdiag analyze captures/ -o json --output-file report.json --exit-code""",
    "capture": """examples:
  scdiag capture --print -p kubernetes -s web -n shop
  scdiag capture --print -p aws -s web --cluster prod --region eu-west-1""",
    "watch": """examples:
  scdiag watch -p k8s -n shop -s web --timeout 10m
  scdiag watch -p aws --cluster prod -s web -o jsonl | my-deploy-ui
watch exit codes: 0 healthy, 1 failed or doomed (the diagnosis is printed), 2 usage,
3 nothing collected, 4 still progressing at --timeout""",
    "providers": """examples:
  scdiag providers
  scdiag providers -o json""",
    "patterns": """examples:
  scdiag patterns
  scdiag patterns show container-oom-kill
  scdiag patterns -o json""",
    "version": """examples:
  scdiag version""",
    "completion": """examples:
  source <(scdiag completion bash)
  scdiag completion zsh > "${fpath[1]}/_scdiag"
  scdiag completion fish > ~/.config/fish/completions/scdiag.fish""",
}


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        print(f"scdiag: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def _duration(text: str) -> timedelta:
    try:
        return parse_duration(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _add_config_option(parser: argparse.ArgumentParser) -> None:
    # Accepted before or after the command; SUPPRESS keeps a missing one from hiding the other.
    parser.add_argument("--config", "-c", metavar="FILE", default=argparse.SUPPRESS, help="diagnostics config (default: .sc/diagnostics-config.yaml when present)")


def _provider_name(text: str) -> str:
    return _PROVIDER_ALIASES.get(text.lower(), text)


def _add_output_options(parser: argparse.ArgumentParser) -> None:
    _add_config_option(parser)
    group = parser.add_argument_group("output")
    group.add_argument(
        "--output", "-o", "--format", "-f", dest="format", metavar="FORMAT",
        help="interactive, text, json, yaml, markdown, html, github or a plugin's (any case; default: output.format of the config)",
    )
    group.add_argument("--output-file", metavar="PATH", help="write the report to PATH instead of standard output")
    group.add_argument("--exit-code", action="store_true", help="exit 1 when the report diagnoses a failed deployment (for CI steps)")
    verbosity = group.add_mutually_exclusive_group()
    verbosity.add_argument("--quiet", "-q", action="store_true", help="print only the report: no notes on standard error")
    verbosity.add_argument("--verbose", "-v", action="store_true", help="also say which reader read each input, and how long each step took")
    detail = group.add_mutually_exclusive_group()
    detail.add_argument("--details", action="store_const", const="details", dest="detail", help="all causes, timeline, every solution")
    detail.add_argument("--deep", action="store_const", const="deep", dest="detail", help="everything collected, with data gaps and versions")
    group.add_argument("--no-redact", action="store_true", help="do not mask secrets in the report (local use only; the report says so). Caches, spans and error lines stay masked, and a diagnosis is collected afresh: the cache holds masked data only")


_HOST: contextvars.ContextVar[PluginHost | None] = contextvars.ContextVar("scdiag_cli_host", default=None)


def _plugin_host(entry_point_cache: Path | None = None) -> PluginHost:
    """The run's plugin host: the installed plugins load once per command, however many parts need them.

    ``entry_point_cache`` counts only where the host is made: a command that
    needs the providers' flags to parse its line makes it before the
    configuration (and its ``cache.enabled``) is read, and keeps nothing.
    """
    host = _HOST.get()
    if host is None:
        from scdiag.plugins import PluginHost

        host = PluginHost(entry_point_cache=entry_point_cache)
        _HOST.set(host)
    return host


def _provider_options() -> dict[str, list[Any]]:
    """The request options every installed provider declared, by option name."""
    by_name: dict[str, list[Any]] = {}
    for options in _plugin_host().provider_registry().options.values():
        for option in options:
            by_name.setdefault(option.name, []).append(option)
    return by_name


def _option_dest(name: str) -> str:
    return "option_" + name.replace("-", "_")


def _add_provider_options(parser: argparse.ArgumentParser) -> None:
    # Each provider declares its own flags (scdiag_register_providers: registry.add_option), so a
    # third-party provider gets `scdiag diagnose --provider X --its-flag` without a change here.
    group = parser.add_argument_group("provider options (each provider reads its own; see scdiag providers)")
    for name, options in sorted(_provider_options().items()):
        flags = [f"--{name}"] + sorted({f"-{o.short}" for o in options if o.short})
        described = "; ".join(f"{o.provider}: {o.help}" for o in options)
        group.add_argument(*flags, dest=_option_dest(name), metavar=name.upper().replace("-", "_"), help=described)


def _add_target_options(parser: argparse.ArgumentParser, verb: str, provider_options: bool) -> None:
    """What diagnose and watch both need: the provider, the service and where it lives, the Simple Container names."""
    parser.add_argument("--provider", "-p", required=True, type=_provider_name, help=f"one of {', '.join(_PROVIDERS)} (k8s for kubernetes) or a plugin's provider")
    parser.add_argument("--service", "-s", required=True, help="service, deployment, Cloud Run service or container app")
    parser.add_argument("--region", help="cloud region")
    if provider_options:
        _add_provider_options(parser)
    parser.add_argument("--deployment-id", help=f"the deployment, ReplicaSet or revision to {verb}")
    parser.add_argument("--stack", help="Simple Container stack, to fill in fix steps")
    parser.add_argument("--environment", help="Simple Container environment, to fill in fix steps")


_WITHOUT_PROVIDER_OPTIONS = frozenset({"analyze", "capture", "providers", "patterns", "version"})
"""Commands that take no provider's options: their parser need not load the plugins to learn them."""


def _command_in(argv: Sequence[str]) -> str | None:
    """The command ``argv`` names, read as the parser reads it: the first word that is no option or value of one."""
    tokens = iter(argv)
    for token in tokens:
        if token in ("--config", "-c"):
            next(tokens, None)
        elif token == "--":
            return next(tokens, None)
        elif not token.startswith("-"):
            return token
    return None


def _needs_provider_options(argv: Sequence[str]) -> bool:
    return _command_in(argv) not in _WITHOUT_PROVIDER_OPTIONS


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """argparse's formatter, told the terminal's width as :func:`shutil.get_terminal_size` finds it.

    Left to find it, each formatter imports :mod:`shutil`, and with it the
    bz2 and lzma modules (2.7 ms measured); one is made for every option
    added, though help is seldom printed.
    """

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24, width: int | None = None, **options: Any) -> None:
        # **options: any other setting argparse's own formatter takes, passed on as given.
        super().__init__(prog, indent_increment, max_help_position, _terminal_columns() - 2 if width is None else width, **options)


def _terminal_columns() -> int:
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns if sys.__stdout__ is not None else 0
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


def _parser(provider_options: bool = True, only: str | None = None) -> argparse.ArgumentParser:
    """The command line; ``provider_options=False`` leaves out the flags the installed providers declare.

    With ``only`` a command, the other commands are named, with their help,
    but take no options: a run parses the line of one command, and adding
    every command's options cost it about 3 ms.
    """
    parser = _Parser(prog="scdiag", description="Why did my container deployment fail, and what do I change?", epilog=_EXIT_CODES, formatter_class=_Formatter)
    parser.add_argument("--version", action="version", version=f"scdiag {__version__}")
    parser.add_argument("--config", "-c", metavar="FILE", help="diagnostics config (default: .sc/diagnostics-config.yaml when present)")
    parser.add_argument("--debug", action="store_true", help="log debug output and show tracebacks")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def command(name: str, help: str) -> argparse.ArgumentParser | None:
        epilog = "\n\n".join(part for part in (_EXAMPLES.get(name), _EXIT_CODES) if part)
        parser: argparse.ArgumentParser = sub.add_parser(name, help=help, description=help, epilog=epilog, formatter_class=_Formatter)
        return parser if only is None or only == name else None

    if diagnose := command("diagnose", "diagnose a live deployment through a provider"):
        _add_target_options(diagnose, "diagnose", provider_options)
        diagnose.add_argument("--since", type=_duration, help='how far back to look, e.g. "30m" (default: collection.event_lookback)')
        diagnose.add_argument("--timeout", type=_duration, help='collection deadline, e.g. "2m" (default: collection.timeout)')
        diagnose.add_argument("--no-cache", action="store_true", help="collect afresh even if the same request was cached (cache.ttl)")
        _add_output_options(diagnose)

    if watch := command("watch", "watch a rollout as it happens: progress, events, and the diagnosis as soon as it is doomed"):
        _add_target_options(watch, "watch", provider_options)
        watch.add_argument("--interval", type=_duration, default=timedelta(seconds=5), help='time between polls, e.g. "5s" (default 5s; longer while the API throttles)')
        watch.add_argument("--timeout", type=_duration, default=timedelta(minutes=15), help='give up after, e.g. "15m" (default 15m; exit 4)')
        watch.add_argument("--grace", type=_duration, default=timedelta(minutes=3), help='how long probes may fail while the app warms up, e.g. "3m"')
        watch.add_argument("--since", type=_duration, help='events and logs from this long before the watch started belong to the rollout (default 5m)')
        _add_output_options(watch)

    if analyze := command("analyze", "analyse captured CLI output (no cloud access needed)"):
        analyze.add_argument("paths", nargs="+", metavar="PATH", help="files, directories, or - for standard input (.gz too)")
        analyze.add_argument("--provider", "-p", type=_provider_name, help="override the provider the content suggests")
        analyze.add_argument("--service", "-s", help="override the service name the content suggests")
        analyze.add_argument("--since", type=_duration, help='only look at the last span of time, e.g. "30m"')
        analyze.add_argument("--stack", help="Simple Container stack, to fill in fix steps")
        analyze.add_argument("--environment", help="Simple Container environment, to fill in fix steps")
        _add_output_options(analyze)

    if capture := command("capture", "print the commands that capture what scdiag analyze reads"):
        capture.add_argument("--print", action="store_true", help="print the commands (what this command does)")
        capture.add_argument("--provider", "-p", required=True, type=_provider_name, help=f"one of {', '.join(_PROVIDERS)} (k8s for kubernetes)")
        capture.add_argument("--service", "-s", required=True, help="service, deployment, Cloud Run service or container app")
        capture.add_argument("--namespace", "-n", help="Kubernetes namespace")
        capture.add_argument("--cluster", help="ECS cluster")
        capture.add_argument("--region", help="cloud region")
        capture.add_argument("--project", help="GCP project")
        capture.add_argument("--resource-group", help="Azure resource group")
        capture.add_argument("--workspace", help="Azure Log Analytics workspace id")

    if providers := command("providers", "list providers and what each can do"):
        _add_config_option(providers)
        providers.add_argument("--output", "-o", "--format", "-f", dest="format", type=str.lower, choices=("text", "json"), default="text")

    if patterns := command("patterns", "list the failure patterns of the knowledge base"):
        patterns.add_argument("action", nargs="?", choices=("list", "show"), default="list")
        patterns.add_argument("pattern_id", nargs="?", metavar="ID")
        patterns.add_argument("--output", "-o", "--format", "-f", dest="format", type=str.lower, choices=("text", "json"), default="text")
        _add_config_option(patterns)

    command("version", "print the version of scdiag and its plugins")
    if completion := command("completion", "print a shell completion script, generated from these commands and options"):
        completion.add_argument("shell", choices=("bash", "zsh", "fish"))
    return parser


# -- commands -------------------------------------------------------------------


def _orchestrator(args: argparse.Namespace) -> Any:
    from scdiag.app import DiagnosticOrchestrator
    from scdiag.cache import default_cache_directory
    from scdiag.config import load_config

    config = load_config(args.config)
    entry_points = default_cache_directory() / "plugins" if config.cache.enabled else None
    return DiagnosticOrchestrator(config=config, host=_plugin_host(entry_points))


def _warn_plugin_failures(orchestrator: Any) -> None:
    for failure in orchestrator.host.failures:
        print(f"scdiag: warning: {failure}", file=sys.stderr)
    for notice in orchestrator.host.notices:
        print(f"scdiag: note: {notice}", file=sys.stderr)


def _deliver(args: argparse.Namespace, text: str) -> None:
    """The report to ``--output-file`` (with a note saying so), or to standard output."""
    if args.output_file:
        _write(Path(args.output_file), text)
        _note(args, f"report written to {args.output_file}")
    else:
        sys.stdout.write(text)


def _note(args: argparse.Namespace, message: str) -> None:
    """A note on standard error, unless --quiet."""
    if not getattr(args, "quiet", False):
        print(f"scdiag: {message}", file=sys.stderr)


def _report_format(orchestrator: Any, args: argparse.Namespace) -> str:
    """The format asked for, in any case, checked before any input is read or any cloud is called."""
    fmt = str(args.format or orchestrator.config.output.format).lower()
    known = sorted(orchestrator.host.report_formats())
    if fmt not in known:
        raise _UsageError(f"unknown output format {args.format or fmt!r}; one of {', '.join(known)}")
    return fmt


def _exit_for(result: Any, args: argparse.Namespace) -> int:
    if getattr(args, "exit_code", False) and result.status.value == "failed":
        return EXIT_FAILURE_FOUND
    return EXIT_OK


def _emit(orchestrator: Any, result: Any, args: argparse.Namespace) -> None:
    config = orchestrator.config
    fmt = _report_format(orchestrator, args)
    if fmt == "interactive" and (args.output_file or not sys.stdout.isatty()):
        fmt = "text"
    generator = orchestrator.report_generator(redact=not args.no_redact)
    detail = args.detail or ("deep" if config.output.show_raw_data else "summary")
    report = generator.generate_report(result, detail)
    _deliver(args, generator.export_report(report, fmt))
    base = Path(args.output_file).with_suffix("") if args.output_file else None
    for extra in config.output.export_formats:
        if base is None or extra == fmt:
            continue
        suffix = {"markdown": ".md", "interactive": ".txt", "text": ".txt", "github": ".github.txt"}.get(extra, f".{extra}")
        target = base.with_suffix(suffix)
        _write(target, generator.export_report(report, extra))
        _note(args, f"report written to {target}")


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise _UsageError(f"{path}: cannot write the report: {error.strerror or error}") from None


def _live_request(orchestrator: Any, args: argparse.Namespace, **times: Any) -> Any:
    """The request of diagnose and watch, with the provider's own options, refusing another provider's."""
    from scdiag.models import DiagnosticRequest, RequestContext

    declared = orchestrator.host.provider_registry().options.get(args.provider, [])
    given = {name: value for name in _provider_options() if (value := getattr(args, _option_dest(name), None))}
    foreign = sorted(set(given) - {option.name for option in declared})
    if foreign:
        own = ", ".join(f"--{option.name}" for option in declared) or "none"
        raise _UsageError(f"--{foreign[0]} is not an option of provider {args.provider} (its options: {own})")
    context = RequestContext(options=given, stack=args.stack, environment=args.environment)
    return DiagnosticRequest(provider=args.provider, service_name=args.service, deployment_id=args.deployment_id, region=args.region, context=context, **times)


def _cmd_watch(args: argparse.Namespace) -> int:
    from scdiag.reporting.watch_lines import watch_event_document, watch_event_text
    from scdiag.watch import WatchEventType, WatchPolicy

    orchestrator = _orchestrator(args)
    lines = str(args.format or "").lower() == "jsonl"
    fmt = "json" if lines else _report_format(orchestrator, args)
    live_view = fmt == "interactive" and sys.stdout.isatty() and not args.output_file and not args.quiet
    if fmt == "interactive" and not live_view:
        fmt = "text"  # not a terminal: the changes scroll as lines, the report follows them
    from scdiag.models import utcnow

    start = utcnow() - args.since if args.since else None
    request = _live_request(orchestrator, args, start_time=start, timeout=min(args.interval * 6, timedelta(seconds=60)))
    policy = WatchPolicy(interval=args.interval, timeout=args.timeout, grace=args.grace)
    mask = _mask_for(orchestrator, args, report=True)
    generator = orchestrator.report_generator(redact=not args.no_redact)
    detail = args.detail or ("deep" if orchestrator.config.output.show_raw_data else "summary")
    # Changes go to standard output with a text or jsonl report; with another format, to standard error.
    changes = sys.stdout if lines or fmt == "text" else sys.stderr
    outcome = None
    if live_view:
        return _watch_live(orchestrator, request, policy, generator, detail, mask, args)
    for event in orchestrator.watch(request, policy, redact=not args.no_redact):
        if event.type is WatchEventType.REPORT:
            assert event.result is not None
            report = generator.generate_report(event.result, detail)
            if lines:
                from scdiag.reporting.document import report_document

                print(json.dumps(watch_event_document(event, mask, report_document(report)), ensure_ascii=False), flush=True)
            else:
                _deliver(args, generator.export_report(report, fmt))
            continue
        if event.verdict is not None:
            outcome = event.verdict.outcome
        if lines:
            print(json.dumps(watch_event_document(event, mask), ensure_ascii=False), flush=True)
        elif not args.quiet:
            print(watch_event_text(event, mask), file=changes, flush=True)
    return _watch_exit(outcome)


def _watch_exit(outcome: Any) -> int:
    from scdiag.watch import WatchOutcome

    codes = {
        WatchOutcome.HEALTHY: EXIT_OK,
        WatchOutcome.FAILED: EXIT_FAILURE_FOUND,
        WatchOutcome.DOOMED: EXIT_FAILURE_FOUND,
        WatchOutcome.TIMEOUT: EXIT_STILL_PROGRESSING,
        WatchOutcome.NOTHING_COLLECTED: EXIT_NOTHING,
    }
    return codes.get(outcome, EXIT_NOTHING) if outcome is not None else EXIT_NOTHING


def _watch_live(orchestrator: Any, request: Any, policy: Any, generator: Any, detail: str, mask: Any, args: argparse.Namespace) -> int:
    """The terminal view: one panel redrawn in place, then the verdict and the report."""
    from rich.live import Live

    from scdiag.reporting.watch_lines import watch_event_text
    from scdiag.reporting.watch_view import WatchView
    from scdiag.watch import WatchEventType

    view = WatchView(request.service_name, mask)
    outcome = None
    final = None
    verdict_line = ""
    with Live(view.renderable(), refresh_per_second=4, transient=False) as live:
        for event in orchestrator.watch(request, policy, redact=not args.no_redact):
            if event.type is WatchEventType.REPORT:
                final = event.result
                continue
            if event.verdict is not None:
                outcome = event.verdict.outcome
                verdict_line = watch_event_text(event, mask)
            view.update(event)
            live.update(view.renderable())
    if outcome is not None:
        print(verdict_line)
    if final is not None:
        sys.stdout.write(generator.export_report(generator.generate_report(final, detail), "interactive"))
    return _watch_exit(outcome)


_STARTED = time.monotonic()


def _left_of(timeout: timedelta | None) -> timedelta | None:
    """What is left of ``--timeout`` once scdiag has started: the command, not only the collection, keeps it."""
    if timeout is None:
        return None
    return max(timeout - timedelta(seconds=time.monotonic() - _STARTED), timedelta(seconds=0.5))


def _cmd_diagnose(args: argparse.Namespace) -> int:
    from scdiag.errors import NothingCollected
    from scdiag.models import utcnow

    orchestrator = _orchestrator(args)
    _report_format(orchestrator, args)
    start = utcnow() - args.since if args.since else None
    request = _live_request(orchestrator, args, start_time=start, timeout=_left_of(args.timeout))
    try:
        # The cache holds masked data only: a report asked for unmasked is built from a fresh collection.
        result = orchestrator.diagnose(request, use_cache=not (args.no_cache or args.no_redact), redact=not args.no_redact)
    except NothingCollected as nothing:
        _warn_plugin_failures(orchestrator)
        for reason in nothing.reasons:  # masked by the orchestrator
            print(f"scdiag: {reason}", file=sys.stderr)
        print("scdiag: nothing could be collected", file=sys.stderr)
        return EXIT_NOTHING
    _warn_plugin_failures(orchestrator)
    _emit(orchestrator, result, args)
    return _exit_for(result, args)


def _mask_for(orchestrator: Any, args: argparse.Namespace, *, report: bool = False) -> Any:
    """How the command masks what it prints: with every rule. ``--no-redact`` unmasks the report (and watch's lines) only."""
    if (report and getattr(args, "no_redact", False)) or not orchestrator.config.redaction.enabled:
        return lambda text: text
    return orchestrator.redactor().redact


def _note_inputs(args: argparse.Namespace, data: DiagnosticData, mask: Any) -> None:
    for record in data.inputs:
        # Which reader read an input is for --verbose; a problem with it is worth a note anyway.
        if args.verbose:
            _note(args, f"{record.path}: {record.reader or 'not read'}")
        for problem in record.problems:
            # A problem may quote the input (a field that was dropped): mask it like the report.
            _note(args, mask(problem))


def _cmd_analyze(args: argparse.Namespace) -> int:
    from scdiag.captures.pipeline import CaptureOverrides, nothing_recognised
    from scdiag.errors import NothingCollected
    from scdiag.models import DiagnosticData

    for raw in args.paths:
        if raw != "-" and not Path(raw).exists():
            raise _UsageError(f"{raw}: no such file or directory")
    orchestrator = _orchestrator(args)
    _report_format(orchestrator, args)
    orchestrator.engine()
    orchestrator.host.capture_readers()
    _started_up()
    started = time.perf_counter()
    overrides = CaptureOverrides(args.provider, args.service, args.since, stack=args.stack, environment=args.environment)
    try:
        result = orchestrator.analyze_captures(args.paths, overrides, redact=not args.no_redact)
    except NothingCollected as nothing:
        _warn_plugin_failures(orchestrator)
        _note_inputs(args, nothing.data, _mask_for(orchestrator, args))
        print("scdiag: nothing could be read from the inputs", file=sys.stderr)
        return EXIT_NOTHING
    _warn_plugin_failures(orchestrator)
    data = result.data or DiagnosticData(provider="", service_name="")
    _note_inputs(args, data, _mask_for(orchestrator, args))
    if args.verbose:
        _note(args, f"read and analysed in {time.perf_counter() - started:.2f} s")
    matched = result.status.value == "healthy" or bool(result.symptoms) or (
        result.root_cause is not None and result.root_cause.pattern_id != "unknown"
    )
    if nothing_recognised(data, orchestrator.host.capture_readers(), matched):
        if result.root_cause is not None:
            # The error lines found are still worth showing.
            _emit(orchestrator, result, args)
        _explain_unrecognised(orchestrator, args, len(data.inputs))
        return EXIT_NOTHING
    _emit(orchestrator, result, args)
    return _exit_for(result, args)


def _head_of(paths: Sequence[str]) -> str:
    heads = []
    for raw in paths:
        path = Path(raw)
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path] if raw != "-" else []
        for item in files:
            try:
                with open(item, "rb") as stream:
                    heads.append(stream.read(64 * 1024).decode("utf-8", errors="replace"))
            except OSError:
                continue
    return "\n".join(heads)


def _explain_unrecognised(orchestrator: Any, args: argparse.Namespace, inputs: int) -> None:
    from scdiag.captures.guides import capture_guides, looks_like, render_commands

    readers = sorted(reader.name for reader in orchestrator.host.capture_readers() if reader.provider)
    print(f"scdiag: nothing in the input{'s' if inputs > 1 else ''} was recognised: read as plain log text, and no failure pattern matched", file=sys.stderr)
    print(f"scdiag: formats scdiag reads: {', '.join(readers)}", file=sys.stderr)
    provider = args.provider if args.provider in capture_guides() else looks_like(_head_of(args.paths))
    if provider is None:
        print("scdiag: to capture a deployment's data: scdiag capture --provider kubernetes|aws|gcp|azure --service NAME", file=sys.stderr)
        return
    print(f"scdiag: this looks like {capture_guides()[provider].label} output; these commands capture what scdiag reads:", file=sys.stderr)
    for command in render_commands(provider, {"service": args.service}):
        print(f"  {command}", file=sys.stderr)


def _cmd_capture(args: argparse.Namespace) -> int:
    from scdiag.captures.guides import capture_guides, render_commands

    provider = args.provider
    if provider not in capture_guides():
        raise _UsageError(f"no capture guide for provider {args.provider!r}; one of {', '.join(capture_guides())}")
    values = {
        "service": args.service,
        "namespace": args.namespace,
        "cluster": args.cluster,
        "region": args.region,
        "project": args.project,
        "resource_group": args.resource_group,
        "workspace": args.workspace,
    }
    print(f"# capture {args.service} for scdiag analyze ({capture_guides()[provider].label}); then: scdiag analyze .")
    for command in render_commands(provider, values):
        print(command)
    return EXIT_OK


def _provider_rows(orchestrator: Any) -> list[dict[str, Any]]:
    from scdiag.plugins import FIRST_PARTY_PROVIDERS

    host = orchestrator.host
    registry = host.provider_registry()
    installed = {p.name: p for p in host.loaded}
    rows = []
    names = list(FIRST_PARTY_PROVIDERS) + sorted(set(registry.providers) - set(FIRST_PARTY_PROVIDERS))
    for name in names:
        dist, extra = FIRST_PARTY_PROVIDERS.get(name, (None, None))
        registration = registry.providers.get(name)
        capabilities = registry.capabilities.get(name, [])
        plugin = installed.get(extra or "") if extra else None
        if registration is not None:
            status = "available"
        elif capabilities:
            status = "installed; live diagnosis not available yet"
        else:
            status = f"not installed: {install_hint(extra)}" if extra else "not installed"
        rows.append(
            {
                "name": name,
                "status": status,
                "live": registration is not None,
                "distribution": (plugin.distribution if plugin else None) or dist,
                "version": plugin.version if plugin else None,
                "plugin": registration.plugin if registration else (plugin.name if plugin else None),
                "description": registration.description if registration else "",
                "capabilities": capabilities,
            }
        )
    return rows


def _cmd_providers(args: argparse.Namespace) -> int:
    orchestrator = _orchestrator(args)
    rows = _provider_rows(orchestrator)
    failures = [str(f) for f in orchestrator.host.failures]
    if args.format == "json":
        print(json.dumps({"providers": rows, "plugin_failures": failures}, indent=2))
        return EXIT_OK
    for row in rows:
        version = f" ({row['distribution']} {row['version']})" if row["version"] else ""
        print(f"{row['name']:<12} {row['status']}{version}")
        for capability in row["capabilities"]:
            print(f"{'':<12}   - {capability}")
    for failure in failures:
        print(f"warning: {failure}")
    return EXIT_OK


def _cmd_patterns(args: argparse.Namespace) -> int:
    orchestrator = _orchestrator(args)
    from scdiag.ports import PatternAnalyzer

    engine = orchestrator.engine()
    patterns = list(engine.patterns) if isinstance(engine, PatternAnalyzer) else []
    for problem in engine.problems if isinstance(engine, PatternAnalyzer) else ():
        print(f"scdiag: warning: {problem}", file=sys.stderr)
    if args.action == "show":
        if not args.pattern_id:
            raise _UsageError("patterns show needs a pattern ID")
        from scdiag.analysis.describe import describe_pattern, pattern_document

        match = next((p for p in patterns if p.id == args.pattern_id), None)
        if match is None:
            raise _UsageError(f"no pattern {args.pattern_id!r}; see 'scdiag patterns'")
        if args.format == "json":
            print(json.dumps(pattern_document(match), indent=2))
        else:
            print(describe_pattern(match))
        return EXIT_OK
    rows: list[dict[str, Any]] = [
        {"id": p.id, "name": p.name, "category": p.category, "severity": p.severity.value, "providers": list(p.providers), "wrapper": p.wrapper}
        for p in patterns
    ]
    if args.format == "json":
        print(json.dumps(rows, indent=2))
        return EXIT_OK
    for row in rows:
        kind = " [wrapper]" if row["wrapper"] else ""
        print(f"{row['id']:<42} {row['category']:<22} {row['severity']:<9} {','.join(row['providers'])}{kind}")
    print(f"{len(rows)} patterns")
    return EXIT_OK


def _cmd_version(args: argparse.Namespace) -> int:
    print(f"scdiag {__version__}")
    host = _plugin_host()
    for plugin in host.loaded:
        if plugin.distribution:
            print(f"  {plugin.distribution} {plugin.version} (plugin {plugin.name})")
    for failure in host.failures:
        print(f"  warning: {failure}")
    return EXIT_OK


def _cmd_completion(args: argparse.Namespace) -> int:
    from scdiag.completion import completion_script

    host = _plugin_host()
    providers = sorted({*_PROVIDERS, *host.provider_registry().providers})
    formats = sorted(host.report_formats())
    hints = {"--provider": providers, "--output": formats}
    sys.stdout.write(completion_script(_parser(), args.shell, hints))
    return EXIT_OK


_COMMANDS = {
    "diagnose": _cmd_diagnose,
    "watch": _cmd_watch,
    "analyze": _cmd_analyze,
    "capture": _cmd_capture,
    "providers": _cmd_providers,
    "patterns": _cmd_patterns,
    "version": _cmd_version,
    "completion": _cmd_completion,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    token = _HOST.set(None)
    try:
        return _main(argv)
    finally:
        _HOST.reset(token)


def _main(argv: list[str]) -> int:
    parser = _parser(provider_options=_needs_provider_options(argv), only=_command_in(argv))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING, format="scdiag: %(levelname)s %(name)s: %(message)s")
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    if args.command != "analyze":
        _started_up()  # analyze says when, once its knowledge base and readers are loaded
    try:
        return _COMMANDS[args.command](args)
    except (_UsageError, ConfigError, RenderError) as error:
        print(f"scdiag: error: {error}", file=sys.stderr)
        if args.debug:
            raise
        return EXIT_USAGE
    except PluginError as error:
        print(f"scdiag: error: {error}", file=sys.stderr)
        if args.debug:
            raise
        return EXIT_USAGE
    except ScdiagError as error:
        print(f"scdiag: error: {error}", file=sys.stderr)
        if args.debug:
            raise
        return EXIT_NOTHING
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (| head): not an error worth a traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


_collection_held = False
"""Whether :func:`run` holds the cyclic collector off until the command has started up."""


def _started_up() -> None:
    """The command's long-lived objects are made: they are frozen with the rest, and the collector runs again."""
    global _collection_held
    if _collection_held:
        _collection_held = False
        gc.freeze()
        gc.enable()


def run() -> NoReturn:
    """Console-script entry point."""
    # The cyclic collector would otherwise walk every module, class and
    # compiled pattern in each of its full passes, during the run and several
    # times over while the interpreter finalises: on a small case that was
    # about 40 ms of a 250 ms run. What is frozen is only what a process keeps
    # until it exits anyway; main() itself, as a library call, freezes nothing.
    gc.freeze()
    _keep_freed_blocks()
    global _collection_held
    # Starting up (the modules, the plugins, the knowledge base) makes objects that live until exit, and
    # about 1,800 in cycles no longer used, as many whatever the input (measured): collecting among them
    # took about 6 ms of a small case. They are frozen with the rest once the command has started up.
    gc.disable()
    _collection_held = True
    try:
        code = main()
    except BaseException:
        if not unfinished_work():
            raise
        traceback.print_exc()  # only --debug lets an exception out of main()
        code = 1
    if unfinished_work(wait=0.2):
        _leave_without_finalising(code)
    gc.freeze()
    raise SystemExit(code)


_KEPT_HEAP = 32 << 20
"""Freed memory below this much the process keeps for its next allocations (glibc's malloc)."""


def _keep_freed_blocks() -> None:
    """Let the blocks a large log is read in reuse freed memory instead of fresh pages.

    glibc's malloc hands back to the system the top of its heap past a
    threshold, 128 KB to begin with, raised only when a mapped block is
    freed (mallopt(3)). A log read in megabyte blocks, several in flight,
    then touched fresh pages for most of them: 13,300 page faults for a
    million lines, 7,900 with the thresholds set (measured). Setting them is
    the process's own choice, so the command line does it, not the library.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (ImportError, OSError, AttributeError):
        return  # no ctypes, or another C library: its own heap policy
    mallopt(-3, _KEPT_HEAP)  # M_MMAP_THRESHOLD: larger allocations are mapped, and unmapped when freed
    mallopt(-1, 2 * _KEPT_HEAP)  # M_TRIM_THRESHOLD: the free top of the heap kept before trimming


def _leave_without_finalising(code: int) -> NoReturn:
    """Exit while abandoned work still runs, skipping interpreter finalisation.

    A thread abandoned at its deadline may be inside RE2, which releases the
    GIL while it matches; if it takes the GIL back while the interpreter
    finalises, the C++ runtime aborts the process (exit 134). What finalising
    would have flushed is flushed here first.
    """
    from opentelemetry import trace

    flush = getattr(trace.get_tracer_provider(), "force_flush", None)
    if callable(flush):
        try:
            flush(2000)
        except Exception:  # a tracing backend failing at exit must not change the exit code
            pass
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)
