"""`scdiag analyze` against the physical floor of each input shape, measured in the same run.

    python benchmarks/bench_floors.py [--quick] [--keep DIR]

Floors, each timed in this run on the same file:
- plain logs: Python reading the file's lines; GNU grep and ripgrep with the
  knowledge base's own log expressions (when installed); 1, 2, 4 and 8 M lines,
  with RE2 alone and, when the ``fast`` extra is installed, with Hyperscan
  (after a first run that compiles and keeps its databases, as a user's first
  large log does; that run's time is printed too). A log just within the paste
  limit, which is cut into renderings before it is read, against one just past
  it, which is streamed: what looking for a paste in a mid-size text costs.
- JSON captures (gcloud logging, Log Analytics rows, CloudWatch events, a
  kubectl List of 5,000 pods and one of 50,000 events): ``json.load`` of the
  same files.
- the small case (the README's ``scdiag analyze examples/k8s-oom-kill/``, through
  the installed ``scdiag`` script): ``python -c "import scdiag"``.
- the one-shot API: ``scdiag.analyze_captures`` calls a second on the examples.

Large inputs are built from the shipped examples: their failing entries come
last, after copies of an ordinary entry, so the shape is the one the clouds
print. Each figure of `scdiag analyze` is the fastest of 3 fresh processes and
each floor its fastest of 3, taken in turns (floor, scdiag, floor, ...) so both
are measured in the same minutes (the small case: medians of 11 on both sides).
They run with bytecode caches and the knowledge base's cache written (a first
run writes both, in the work directory's ``cache``; the small case also
reports a run without the knowledge base's cache); peak memory is the highest
maximum resident set of those processes. The targets
are printed next to each figure; the exit code is 1 when one is missed.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

sys.path.insert(0, str(Path(__file__).parent))

from bench_analyze import _best_of as _best  # noqa: E402
from generate_log import generate  # noqa: E402

from scdiag.analysis.accel import ACCEL_AFTER_BYTES, ACCEL_STORED_AFTER_BYTES, enabled  # noqa: E402
from scdiag.captures.paste import MAX_PASTE_CHARS  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

# The command's own entry point, as the console script calls it (it also sets up the
# process: the garbage collector's frozen objects), timed from after its import.
# The peak is the process's VmHWM: unlike ru_maxrss, it starts afresh at exec and
# does not inherit the resident size of the process that forked it.
_ANALYZE = """
import sys, time
from scdiag.cli import run
sys.argv = ["scdiag", "analyze", *sys.argv[2:], "-o", "json", "--output-file", sys.argv[1]]
started = time.perf_counter()
try:
    run()
except SystemExit as exit:
    code = exit.code
elapsed = time.perf_counter() - started
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(f"{code} {elapsed:.3f} {peak / 1024:.1f}", file=sys.stderr)
"""

_ONE_SHOT = """
import sys, time
from pathlib import Path
import scdiag
examples = sorted(path for path in Path(sys.argv[1]).iterdir() if path.is_dir())
for example in examples:
    scdiag.analyze_captures(example)
calls, started = 0, time.perf_counter()
while time.perf_counter() - started < float(sys.argv[2]):
    for example in examples:
        scdiag.analyze_captures(example)
        calls += 1
print(f"{calls / (time.perf_counter() - started):.1f} {len(examples)}")
"""

_SMALL_RUNS = 11
"""Runs of the small case and of its floor: a fifth of a second each, on a machine whose speed drifts."""
_ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
"""Users run with bytecode caches: a run that recompiles every module measures the compiler."""


def _analyze(paths: list[Path], workdir: Path, *, matcher: str = "") -> tuple[float, float, str]:
    """(seconds, peak MB, root cause or status) of `scdiag analyze` in a fresh process (``matcher="re2"``: without Hyperscan)."""
    report = workdir / "report.json"
    env = {**_ENV, "SCDIAG_MATCHER": matcher} if matcher else _ENV
    done = subprocess.run([sys.executable, "-c", _ANALYZE, str(report), *map(str, paths)], capture_output=True, text=True, env=env, check=False)
    _code, elapsed, peak = done.stderr.strip().splitlines()[-1].split()
    document = json.loads(report.read_text(encoding="utf-8")) if report.exists() else {}
    report.unlink(missing_ok=True)
    cause = (document.get("root_cause") or {}).get("pattern_id") or document.get("status", "?")
    return float(elapsed), float(peak), str(cause)


class _Run(NamedTuple):
    seconds: float
    peak: float
    cause: str


def _against_floor(floor: Callable[[], object], paths: list[Path], workdir: Path, *, matchers: tuple[str, ...] = ("",), rounds: int = 3) -> tuple[float, list[_Run]]:
    """The floor's fastest of ``rounds`` and, per matcher, :func:`_analyze`'s fastest (with the highest peak),
    taken in turns so that both sides are measured in the same minutes of a machine whose speed drifts."""
    floors: list[float] = []
    measured: list[list[tuple[float, float, str]]] = [[] for _ in matchers]
    for _ in range(rounds):
        floors.append(_best(1, floor))
        for runs, matcher in zip(measured, matchers):
            runs.append(_analyze(paths, workdir, matcher=matcher))
    return min(floors), [_Run(min(run[0] for run in runs), max(run[1] for run in runs), runs[-1][2]) for runs in measured]


def _json_load(paths: list[Path]) -> Callable[[], object]:
    def load() -> None:
        for path in paths:
            with path.open(encoding="utf-8") as handle:
                if path.read_bytes()[:1] not in (b"[", b"{"):
                    handle.readline()  # gcloud's warning line before the array
                json.load(handle)

    return load


def _around_paste_limit(source: Path, workdir: Path) -> tuple[Path, Path]:
    """The whole lines of ``source`` within the paste limit, and those and the next line (ASCII: a byte is a character)."""
    with source.open("rb") as log:
        head = log.read(MAX_PASTE_CHARS + (64 << 10))
    cut = head.rfind(b"\n", 0, MAX_PASTE_CHARS) + 1
    within, past = workdir / "paste-limit-within.log", workdir / "paste-limit-past.log"
    within.write_bytes(head[:cut])
    past.write_bytes(head[: head.find(b"\n", cut) + 1])
    return within, past


def _read_lines(path: Path) -> Callable[[], object]:
    def read() -> None:
        with path.open(encoding="utf-8") as handle:
            for _line in handle:
                pass

    return read


def _log_expressions() -> list[str]:
    from scdiag.app import DiagnosticOrchestrator

    matcher = DiagnosticOrchestrator().engine().log_matcher  # type: ignore[attr-defined]
    return [rule.regex.source for index, rule in enumerate(matcher.rules) if index not in matcher.engine_rules]


def _grep_floor(tool: str, path: Path, expressions: list[str], workdir: Path) -> float | None:
    """Seconds for grep or ripgrep to find every line any expression matches; None when it is not installed or refuses one."""
    binary = shutil.which(tool)
    if binary is None:
        return None
    patterns = workdir / "expressions.txt"
    patterns.write_text("\n".join(expressions) + "\n", encoding="utf-8")
    # GNU grep -P takes one expression: the alternation of them all.
    joined = "|".join(f"(?:{expression})" for expression in expressions)
    command = [binary, "-c", "-f", str(patterns), str(path)] if tool == "rg" else [binary, "-c", "-P", "-e", joined, str(path)]
    started = time.perf_counter()
    if subprocess.run(command, capture_output=True, check=False).returncode > 1:
        return None
    first = time.perf_counter() - started
    return min(first, _best(1, lambda: subprocess.run(command, capture_output=True, check=False))) if tool == "rg" else first


# -- inputs built from the examples -----------------------------------------------


def _load(path: Path) -> tuple[str, Any]:
    text = path.read_text(encoding="utf-8")
    prefix = ""
    if not text.lstrip().startswith(("[", "{")):
        prefix, _, text = text.partition("\n")
        prefix += "\n"
    return prefix, json.loads(text)


def _write(path: Path, prefix: str, data: Any) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write(prefix)
        json.dump(data, out, indent=4)


def _ordinary(entry: dict[str, Any], key: str, index: int) -> dict[str, Any]:
    ordinary = copy.deepcopy(entry)
    ordinary[key] = f"GET /api/products/{index} 200 served in 12ms"
    return ordinary


def _gcloud(workdir: Path, entries: int) -> list[Path]:
    source = EXAMPLES / "cloud-run-missing-env"
    prefix, logs = _load(source / "logs.json")
    filler = [_ordinary(logs[0], "textPayload", i) for i in range(entries - len(logs))]
    for item in filler:
        item["severity"] = "INFO"
    target = workdir / "gcloud"
    target.mkdir(exist_ok=True)
    _write(target / "logs.json", prefix, filler + logs)
    shutil.copy(source / "service.json", target / "service.json")
    return [target / "logs.json", target / "service.json"]


def _log_analytics(workdir: Path, rows: int) -> list[Path]:
    source = EXAMPLES / "container-apps-image-not-found"
    _prefix, logs = _load(source / "system-logs.json")
    filler = [_ordinary(logs[0], "Log_s", i) for i in range(rows - len(logs))]
    for item in filler:
        item["Reason_s"] = "RequestServed"
    target = workdir / "log-analytics"
    target.mkdir(exist_ok=True)
    _write(target / "system-logs.json", "", filler + logs)
    for name in ("app.json", "revisions.json"):
        shutil.copy(source / name, target / name)
    return [target / "system-logs.json", target / "app.json", target / "revisions.json"]


def _cloudwatch(workdir: Path, events: int) -> list[Path]:
    source = EXAMPLES / "ecs-health-check-404"
    _prefix, logs = _load(source / "logs.json")
    failing = logs["events"]
    filler = [_ordinary(failing[0], "message", i) for i in range(events - len(failing))]
    target = workdir / "cloudwatch"
    target.mkdir(exist_ok=True)
    _write(target / "logs.json", "", {**logs, "events": filler + failing})
    others = [path for path in source.iterdir() if path.name != "logs.json"]
    for path in others:
        shutil.copy(path, target / path.name)
    return [target / "logs.json", *(target / path.name for path in others)]


def _kubectl(workdir: Path, pods: int, events: int) -> list[Path]:
    source = EXAMPLES / "k8s-oom-kill"
    _prefix, pod_list = _load(source / "pods.json")
    _prefix, event_list = _load(source / "events.json")
    healthy = next((pod for pod in pod_list["items"] if pod.get("status", {}).get("phase") == "Running"), pod_list["items"][0])
    filler_pods = []
    for i in range(pods - len(pod_list["items"])):
        pod = copy.deepcopy(healthy)
        pod["metadata"]["name"] = f"catalog-{i:05d}"
        pod["metadata"].setdefault("labels", {})["app"] = "catalog"
        filler_pods.append(pod)
    ordinary_event = event_list["items"][0]
    filler_events = []
    for i in range(events - len(event_list["items"])):
        event = copy.deepcopy(ordinary_event)
        event["involvedObject"]["name"] = f"catalog-{i % max(1, len(filler_pods)):05d}"
        event["metadata"]["name"] = f"catalog-{i:06d}.1879"
        filler_events.append(event)
    target = workdir / "kubectl"
    target.mkdir(exist_ok=True)
    _write(target / "pods.json", "", {**pod_list, "items": filler_pods + pod_list["items"]})
    _write(target / "events.json", "", {**event_list, "items": filler_events + event_list["items"]})
    for name in ("deployment.json", "orders-api-previous.log"):
        shutil.copy(source / name, target / name)
    return [target / "pods.json", target / "events.json", target / "deployment.json", target / "orders-api-previous.log"]


# -- the report -----------------------------------------------------------------------


class _Table:
    def __init__(self) -> None:
        self.rows: list[tuple[str, ...]] = []
        self.missed: list[str] = []

    def add(self, name: str, measured: str, floor: str, ratio: float | None, target: float | None, note: str = "") -> None:
        met = target is None or ratio is None or ratio <= target
        if not met:
            self.missed.append(name)
        verdict = "" if target is None else ("met" if met else "MISSED")
        self.rows.append((name, measured, floor, "" if ratio is None else f"{ratio:.2f}x", "" if target is None else f"<= {target:g}x", verdict, note))

    def print(self) -> None:
        header = ("input", "scdiag analyze", "floor", "ratio", "target", "", "notes")
        widths = [max(len(row[i]) for row in [header, *self.rows]) for i in range(len(header))]
        for row in [header, *self.rows]:
            print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="1 M lines only and smaller JSON captures (a check, not the figures)")
    parser.add_argument("--keep", type=Path, help="directory to keep the generated inputs in")
    args = parser.parse_args()
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="scdiag-bench-floors-"))
    workdir.mkdir(parents=True, exist_ok=True)
    _ENV["SCDIAG_CACHE_DIR"] = str(workdir / "cache")
    small = EXAMPLES / "k8s-oom-kill"
    _analyze([small], workdir)  # writes the bytecode caches and the knowledge base's
    table = _Table()
    memory: list[tuple[str, float]] = []

    # Plain logs, at growing sizes: the ratio to the line read should not grow.
    expressions = _log_expressions()
    accelerated = enabled()
    sizes = (1,) if args.quick else (1, 2, 4, 8)
    for millions in sizes:
        log = workdir / f"service-{millions}M.log"
        if not log.exists():
            generate(log, millions * 1_000_000)
    first_fast = None
    if accelerated:
        # As after a user's first large log: the prefilter's databases are compiled once and kept.
        warm = workdir / f"service-{sizes[-1]}M.log"
        first_fast = _analyze([warm], workdir)[0]
    for millions in sizes:
        log = workdir / f"service-{millions}M.log"
        floor, ((elapsed, peak, cause), *fast_run) = _against_floor(_read_lines(log), [log], workdir, matchers=("re2", "") if accelerated else ("re2",))
        memory.append((f"plain log {millions}M", peak))
        if fast_run:
            fast, fast_peak, fast_cause = fast_run[0]
            table.add(f"plain log, {millions} M lines, [fast]", f"{fast:.2f} s", f"line read {floor:.2f} s", fast / floor, 2.0, f"{fast_cause}; peak {fast_peak:.0f} MB (kept database loaded past {ACCEL_STORED_AFTER_BYTES >> 10} KB)")
        # grep -P backtracks through the alternation (minutes a million lines): timed once, on the first size.
        grep = _grep_floor("grep", log, expressions, workdir) if millions == 1 else None
        rg = _grep_floor("rg", log, expressions, workdir)
        tools = ", ".join(f"{name} {seconds:.2f} s ({elapsed / seconds:.1f}x)" for name, seconds in (("GNU grep -P", grep), ("ripgrep", rg)) if seconds)
        table.add(f"plain log, {millions} M lines, RE2 alone", f"{elapsed:.2f} s", f"line read {floor:.2f} s", elapsed / floor, 3.0, f"{cause}; peak {peak:.0f} MB; {tools or 'grep/ripgrep: not installed'}")

    # Just within the paste limit, a log is first looked through for renderings; just past it, streamed.
    within, past = _around_paste_limit(workdir / "service-1M.log", workdir)
    limit_runs: dict[Path, list[float]] = {within: [], past: []}
    for _ in range(3):
        for path, runs in limit_runs.items():
            runs.append(_analyze([path], workdir)[0])
    cut, streamed = min(limit_runs[within]), min(limit_runs[past])
    table.add(
        f"plain log within the paste limit ({within.stat().st_size / 1e6:.1f} MB)",
        f"{cut:.3f} s",
        f"a line more, streamed {streamed:.3f} s",
        cut / streamed,
        None,
        "looked through for renderings first; no target",
    )

    # JSON captures against json.load of the same files.
    scale = 10 if args.quick else 1
    captures = {
        "gcloud logging read (JSON)": _gcloud(workdir, 200_000 // scale),
        "Log Analytics rows (JSON)": _log_analytics(workdir, 300_000 // scale),
        "CloudWatch filter-log-events (JSON)": _cloudwatch(workdir, 400_000 // scale),
    }
    for name, paths in captures.items():
        floor, ((elapsed, peak, cause),) = _against_floor(_json_load([path for path in paths if path.suffix == ".json"]), [paths[0].parent], workdir)
        memory.append((name, peak))
        size = sum(path.stat().st_size for path in paths) / 1e6
        table.add(f"{name}, {size:.0f} MB", f"{elapsed:.2f} s", f"json.load {floor:.2f} s", elapsed / floor, 2.0, f"{cause}; peak {peak:.0f} MB")

    kubectl = _kubectl(workdir, 5_000 // scale, 50_000 // scale)
    floor, ((elapsed, peak, cause),) = _against_floor(_json_load([path for path in kubectl if path.suffix == ".json"]), [kubectl[0].parent], workdir)
    size = sum(path.stat().st_size for path in kubectl) / 1e6
    kubectl_ok = elapsed <= 4.0 and peak < 100.0
    if not kubectl_ok:
        table.missed.append("kubectl")
    table.add(
        f"kubectl {5_000 // scale:,} pods + {50_000 // scale:,} events, {size:.0f} MB",
        f"{elapsed:.2f} s",
        f"json.load {floor:.2f} s",
        elapsed / floor,
        None,
        f"{cause}; peak {peak:.0f} MB; target <= 4 s and < 100 MB: {'met' if kubectl_ok else 'MISSED'}",
    )

    # The small case: the README's command in a fresh process, as `sc deploy` runs it.
    script = Path(sys.executable).with_name("scdiag")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "scdiag"]
    cold = []
    for _ in range(3):
        shutil.rmtree(workdir / "cache" / "patterns", ignore_errors=True)
        started = time.perf_counter()
        subprocess.run([*command, "analyze", str(small)], capture_output=True, check=False, env=_ENV)
        cold.append(time.perf_counter() - started)
    runs = [_analyze([small], workdir)[0] for _ in range(_SMALL_RUNS)]
    started_imports: list[float] = []
    small_wall: list[float] = []
    for _ in range(_SMALL_RUNS):  # in turns, as the other floors
        for times, argv in ((started_imports, [sys.executable, "-c", "import scdiag"]), (small_wall, [*command, "analyze", str(small)])):
            started = time.perf_counter()
            subprocess.run(argv, capture_output=True, check=True, env=_ENV)
            times.append(time.perf_counter() - started)
    wall = statistics.median(small_wall)
    small_ok = wall < 0.2
    if not small_ok:
        table.missed.append("small case")
    table.add(
        "small case (examples/k8s-oom-kill)",
        f"{wall * 1000:.0f} ms wall",
        f"import scdiag {statistics.median(started_imports) * 1000:.0f} ms wall",
        wall / statistics.median(started_imports),
        None,
        f"median of {_SMALL_RUNS}; in-process {statistics.median(runs) * 1000:.0f} ms; without the knowledge base's cache "
        f"{statistics.median(cold) * 1000:.0f} ms; target < 200 ms wall: {'met' if small_ok else 'MISSED'}",
    )

    one_shot = subprocess.run([sys.executable, "-c", _ONE_SHOT, str(EXAMPLES), "3" if args.quick else "10"], capture_output=True, text=True, check=True, env=_ENV)
    rate, count = one_shot.stdout.split()
    rate_ok = float(rate) >= 100.0
    if not rate_ok:
        table.missed.append("one-shot")
    table.add(f"one-shot scdiag.analyze_captures ({count} examples)", f"{rate} calls/s", "", None, None, f"target >= 100 calls/s: {'met' if rate_ok else 'MISSED'}")

    table.print()
    flat = max(peak for _name, peak in memory[: 1 if args.quick else 4])
    print(f"plain-log peak memory with RE2 alone, 1 to {'1' if args.quick else '8'} M lines: at most {flat:.1f} MB (target < 60 MB: {'met' if flat < 60 else 'MISSED'})")
    if flat >= 60:
        table.missed.append("plain-log memory")
    if first_fast is not None:
        print(
            f"[fast]: the first run over the {sizes[-1]} M-line log, which compiles the prefilter's databases "
            f"past {ACCEL_AFTER_BYTES >> 20} MB and keeps them, took {first_fast:.2f} s; the runs above load them"
        )
    print("targets:", "met" if not table.missed else "MISSED: " + ", ".join(table.missed))
    return 0 if not table.missed else 1


if __name__ == "__main__":
    raise SystemExit(main())
