"""Time from a doomed state appearing to the watch's verdict, in real time, against the loopback API server.

    python benchmarks/bench_watch.py [--interval 1]

A Kubernetes rollout starts with its pod being created; a timer then puts it
into the doomed state (ImagePullBackOff for an image that does not exist, an
OOM crash loop). The watch polls every --interval seconds; the figure is the
wall time from the state change to the verdict, next to the time Kubernetes
itself takes to give up (progressDeadlineSeconds, 600 s by default).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scdiag.app import DiagnosticOrchestrator  # noqa: E402
from scdiag.config import CacheConfig, DiagnosticsConfig  # noqa: E402
from scdiag.models import DiagnosticRequest, RequestContext  # noqa: E402
from scdiag.watch import WatchEventType, WatchPolicy  # noqa: E402
from tests.adapters.k8s.fake_apiserver import FakeKubeAPI, kubeconfig  # noqa: E402
from tests.watch.test_watch_kubernetes import T0, load  # noqa: E402

PLATFORM_DEADLINE = 600.0


def run(doomed: str, interval: float, scratch: Path) -> tuple[float, str, int]:
    api = FakeKubeAPI().start()
    load(api, "creating")
    changed_at: list[float] = []

    def change() -> None:
        time.sleep(2.0)
        load(api, doomed)
        changed_at.append(time.monotonic())

    threading.Thread(target=change, daemon=True).start()
    request = DiagnosticRequest(
        provider="kubernetes",
        service_name="web",
        start_time=T0 - timedelta(hours=1),
        timeout=timedelta(seconds=10),
        context=RequestContext(options={"namespace": "shop", "kubeconfig": str(kubeconfig(scratch / "kubeconfig", api.url)), "context": "fake"}),
    )
    orchestrator = DiagnosticOrchestrator(config=DiagnosticsConfig(cache=CacheConfig(enabled=False), auto_collect_on_failure=False))
    verdict_at, outcome, polls = 0.0, "", 0
    for event in orchestrator.watch(request, WatchPolicy(interval=timedelta(seconds=interval), timeout=timedelta(minutes=2))):
        if event.type is WatchEventType.VERDICT and event.verdict is not None:
            verdict_at, outcome, polls = time.monotonic(), f"{event.verdict.outcome.value} {event.verdict.pattern_id}", event.poll
    api.stop()
    return verdict_at - changed_at[0], outcome, polls


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--interval", type=float, default=1.0)
    args = parser.parse_args()
    print(f"poll interval {args.interval:.1f} s; Kubernetes gives up after {PLATFORM_DEADLINE:.0f} s (progressDeadlineSeconds)")
    with tempfile.TemporaryDirectory() as scratch:
        for doomed in ("k8s-image-not-found", "k8s-oom-kill"):
            seconds, outcome, polls = run(doomed, args.interval, Path(scratch))
            print(f"{doomed:<22} verdict {outcome:<32} {seconds:5.2f} s after the state appeared = {seconds / args.interval:.1f} intervals ({polls} polls in all)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
