"""Speed and memory of `scdiag analyze` on 1,000,000-line pastes of each text format.

    python benchmarks/bench_pastes.py [--lines 1000000] [--keep DIR]

Each input is generated in the shape its tool prints, mostly ordinary
content with one failure near the end, and analysed in a fresh process.
Throughput is compared with the plain-log reader on a generated log of the
same run (MB/s), and peak memory with the 200 MB target. Memory is gated
(exit 1 when a run exceeds it); the throughput ratio is reported against
the 2x goal.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

MAX_PEAK_MB = 200.0
GOAL_RATIO = 2.0

_RUN = """
import resource, sys, time
from scdiag.cli import main
started = time.perf_counter()
code = main(["analyze", sys.argv[1], "-o", "json", "--output-file", sys.argv[2]])
elapsed = time.perf_counter() - started
print(f"{code} {elapsed:.3f} {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f}", file=sys.stderr)
"""


def _plain(out: TextIO, lines: int) -> None:
    for i in range(lines):
        out.write(f"2026-11-20T14:00:00Z INFO request {i} served in 12ms path=/api/products user=u{i % 100}\n")
    out.write("2026-11-20T14:00:01Z ERROR Error: connect ECONNREFUSED 10.0.0.5:5432\n")


_POD = """Name:             web-7f8c9d6b5-{n:06d}
Namespace:        shop
Node:             node-a/10.0.0.4
Start Time:       Fri, 20 Nov 2026 14:02:11 +0000
Labels:           app=web
                  pod-template-hash=7f8c9d6b5
Status:           Running
Controlled By:  ReplicaSet/web-7f8c9d6b5
Containers:
  web:
    Image:          registry.example.com/shop/web:2.14.0
    Port:           8080/TCP
    State:          Running
      Started:      Fri, 20 Nov 2026 14:02:20 +0000
    Ready:          True
    Restart Count:  0
    Limits:
      memory:  256Mi
Conditions:
  Type              Status
  Ready             True
Events:
  Type    Reason     Age   From               Message
  ----    ------     ----  ----               -------
  Normal  Scheduled  10m   default-scheduler  Successfully assigned shop/web-7f8c9d6b5-{n:06d} to node-a
  Normal  Pulled     10m   kubelet            Container image "registry.example.com/shop/web:2.14.0" already present on machine
"""


def _describe(out: TextIO, lines: int) -> None:
    per = _POD.count("\n")
    for n in range(lines // per):
        out.write(_POD.format(n=n))
    out.write(
        _POD.format(n=999999)
        .replace("    State:          Running\n      Started:      Fri, 20 Nov 2026 14:02:20 +0000\n", "    State:          Waiting\n      Reason:       CrashLoopBackOff\n    Last State:     Terminated\n      Reason:       OOMKilled\n      Exit Code:    137\n")
    )


def _events(out: TextIO, lines: int) -> None:
    out.write("LAST SEEN   TYPE      REASON      OBJECT                     MESSAGE\n")
    for n in range(lines):
        out.write(f"{n % 59}m          Normal    Pulled      pod/web-7f8c9d6b5-{n:06d}   Container image \"registry.example.com/shop/web:2.14.0\" already present on machine\n")
    out.write("1m          Warning   FailedScheduling   pod/web-7f8c9d6b5-zzzzzz   0/3 nodes are available: 3 Insufficient memory.\n")


def _pods(out: TextIO, lines: int) -> None:
    out.write("NAME                    READY   STATUS      RESTARTS   AGE\n")
    for n in range(lines):
        out.write(f"web-7f8c9d6b5-{n:06d}   1/1     Running     0          2d\n")
    out.write("web-7f8c9d6b5-zzzzzz   0/1     OOMKilled   4          9m\n")


def _console(out: TextIO, lines: int) -> None:
    task = "Task\t{n:032x}\nTask definition\tweb:42\nGroup\tservice:web\nLast status\tRUNNING\nDesired status\tRUNNING\nContainers\nContainer name\tLast status\tExit code\tHealth status\tReason\nweb\tRUNNING\t-\tHEALTHY\t-\n"
    per = task.count("\n")
    for n in range(lines // per):
        out.write(task.format(n=n))
    out.write(task.format(n=1 << 120).replace("Last status\tRUNNING\nDesired status\tRUNNING", "Last status\tSTOPPED\nDesired status\tSTOPPED\nStop code\tEssentialContainerExited\nStopped reason\tEssential container in task exited").replace("web\tRUNNING\t-\tHEALTHY\t-", "web\tSTOPPED\t137\t-\tOutOfMemoryError: Container killed due to memory usage"))


def _gcloud_yaml(out: TextIO, lines: int) -> None:
    entry = (
        "---\ninsertId: {n:012x}\nlogName: projects/acme/logs/run.googleapis.com%2Fstdout\nresource:\n  labels:\n"
        "    revision_name: web-00007-xaz\n    service_name: web\n  type: cloud_run_revision\nseverity: INFO\n"
        "textPayload: GET /api/products 200 12ms\ntimestamp: '2026-11-20T14:00:00.000000Z'\n"
    )
    per = entry.count("\n")
    for n in range(lines // per):
        out.write(entry.format(n=n))
    out.write(entry.format(n=1).replace("run.googleapis.com%2Fstdout", "run.googleapis.com%2Fvarlog%2Fsystem").replace("GET /api/products 200 12ms", "Memory limit of 512 MiB exceeded with 530 MiB used. Consider increasing the memory limit").replace("INFO", "ERROR"))


def _grid(out: TextIO, lines: int) -> None:
    out.write("TimeGenerated\tContainerAppName_s\tRevisionName_s\tType_s\tReason_s\tLog_s\tEventSource_s\n")
    for _n in range(lines):
        out.write("2026-11-20T14:00:00Z\tweb\tweb--rev7\tNormal\tContainerStarted\tStarted container 'web'\tContainerAppController\n")
    out.write("2026-11-20T14:01:00Z\tweb\tweb--rev7\tWarning\tContainerTerminated\tContainer 'web' was terminated with exit code '137' and reason 'OOMKilled'\tContainerAppController\n")


FORMATS: dict[str, Callable[[TextIO, int], None]] = {
    "plain log (the floor)": _plain,
    "kubectl describe pod": _describe,
    "kubectl get events": _events,
    "kubectl get pods": _pods,
    "ECS console task details": _console,
    "gcloud logging read (YAML)": _gcloud_yaml,
    "Log Analytics grid (TSV)": _grid,
}


def _run(path: Path, workdir: Path) -> tuple[int, float, float, str]:
    report = workdir / "report.json"
    finished = subprocess.run([sys.executable, "-c", _RUN, str(path), str(report)], capture_output=True, text=True, check=False)
    code, elapsed, peak = finished.stderr.strip().splitlines()[-1].split()
    cause = ""
    if report.exists():
        document = json.loads(report.read_text(encoding="utf-8"))
        cause = (document.get("root_cause") or {}).get("pattern_id", "") or document.get("status", "")
        report.unlink()
    return int(code), float(elapsed), float(peak), cause


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="directory to keep the generated inputs in")
    args = parser.parse_args()
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="scdiag-bench-pastes-"))
    workdir.mkdir(parents=True, exist_ok=True)
    rows = []
    floor_rate = None
    memory_ok = True
    for name, generate in FORMATS.items():
        path = workdir / (name.split(" (")[0].replace(" ", "-").lower() + ".txt")
        if not path.exists():
            with path.open("w", encoding="utf-8") as out:
                generate(out, args.lines)
        size_mb = path.stat().st_size / 1e6
        code, elapsed, peak, cause = _run(path, workdir)
        rate = size_mb / elapsed
        floor_rate = floor_rate or rate
        memory_ok = memory_ok and peak < MAX_PEAK_MB
        ratio = floor_rate / rate
        rows.append((name, f"{size_mb:6.0f} MB", f"{elapsed:6.2f} s", f"{rate:6.1f} MB/s", f"{ratio:5.1f}x", f"{peak:5.0f} MB", f"exit {code}", cause))
    header = (f"input ({args.lines:,} lines)", "size", "analyze", "throughput", "vs floor", "peak", "", "diagnosis")
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)))
    print(f"memory target (< {MAX_PEAK_MB:.0f} MB every run): {'met' if memory_ok else 'MISSED'}; throughput goal: <= {GOAL_RATIO:.0f}x the plain-log floor (reported, not gated)")
    return 0 if memory_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
