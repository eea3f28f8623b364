"""Collection wall time with injected per-call latency: parallel, not the sum of calls.

    python benchmarks/bench_collection.py [--latency 0.1] [--provider aws|gcp]

Runs the ECS provider against moto, and the Cloud Run provider against the
loopback Google fake, on 127.0.0.1 with every API call delayed by --latency
seconds, and compares the wall time of a collection with the sum of all call
latencies and with its longest chain of dependent calls.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scdiag.app import DiagnosticOrchestrator  # noqa: E402
from scdiag.models import DiagnosticRequest, RequestContext  # noqa: E402
from scdiag.plugins import ProviderRegistry, hookimpl  # noqa: E402
from scdiag.config import config_from_mapping  # noqa: E402
from scdiag.testing import host_with  # noqa: E402
from tests.adapters.aws.moto_ecs import REGION, EcsWorld  # noqa: E402

# describe_services beside list_tasks x2 -> describe_task_definition beside describe_tasks, then one
# more level (a log stream, or the target group's two calls side by side): the calls that must wait
# for each other.
CHAIN = 2 + 1


class SlowClient:
    """Delays every API method of a boto3 client, and counts the calls."""

    def __init__(self, client: Any, latency: float, counter: list[int], lock: threading.Lock) -> None:
        self._client, self._latency, self._counter, self._lock = client, latency, counter, lock

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if not callable(attribute) or name.startswith("_") or name in ("get_paginator", "can_paginate"):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                self._counter[0] += 1
            time.sleep(self._latency)
            return attribute(*args, **kwargs)

        return call


# GetService -> GetRevision (the revisions in parallel); logs and metrics run beside them.
# A token exchange, when the cached token has expired, comes before all of them.
GCP_CHAIN = 2


def _report(latency: float, calls: int, chain_calls: int, wall: float, collected: str) -> None:
    total = calls * latency
    chain = chain_calls * latency
    print(f"latency per call                  {latency * 1000:.0f} ms")
    print(f"API calls made                    {calls}")
    print(f"sum of call latencies             {total:.2f} s")
    print(f"longest dependent chain           {chain:.2f} s ({chain_calls} calls)")
    print(f"collection wall time              {wall:.2f} s = {wall / chain:.2f}x the chain, {wall / total:.0%} of the sum")
    print(collected)


def bench_gcp(latency: float) -> None:
    import tempfile

    from tests.adapters.conftest import SCENARIOS
    from tests.adapters.gcp.fake_google import PROJECT, REGION as GCP_REGION, FakeGoogle, service_account_key

    fake = FakeGoogle().start()
    fake.load_scenario(SCENARIOS / "cr-memory")
    for api in ("RUN", "LOGGING", "MONITORING"):
        os.environ[f"SCDIAG_GCP_{api}_ENDPOINT"] = fake.url
    with tempfile.TemporaryDirectory() as scratch:
        os.environ["GOOGLE_APPLICATION_CREDENTIALS"] = str(service_account_key(Path(scratch) / "key.json", f"{fake.url}/token"))
        orchestrator = DiagnosticOrchestrator()
        request = DiagnosticRequest(provider="gcp", service_name="web", region=GCP_REGION, context=RequestContext(options={"project": PROJECT}))
        orchestrator.collect(request, use_cache=False)  # imports and client construction are not the network's
        fake.latency = latency
        walls = []
        for _ in range(5):
            fake.requests.clear()
            started = time.perf_counter()
            data = orchestrator.collect(request, use_cache=False)
            walls.append(time.perf_counter() - started)
        wall = sorted(walls)[len(walls) // 2]  # the median of five collections
    fake.stop()
    print("== Cloud Run (Admin API v2, Cloud Logging, Cloud Monitoring), median of 5 collections")
    chain = GCP_CHAIN + sum(1 for r in fake.requests if r.path == "/token")
    _report(latency, len(fake.requests), chain, wall, f"revisions / log entries collected  {len(data.status.rollouts) if data.status else 0} / {sum(len(log.entries) for log in data.logs)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--provider", choices=["aws", "gcp", "all"], default="all")
    args = parser.parse_args()
    if args.provider in ("aws", "all"):
        bench_aws(args.latency)
    if args.provider in ("gcp", "all"):
        bench_gcp(args.latency)
    return 0


def bench_aws(latency: float) -> None:
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    world = EcsWorld(f"http://{host}:{port}").build(tasks=3)
    for task_id in world.task_ids:
        world.stop(task_id, stop_code="EssentialContainerExited", reason="Essential container in task exited", exit_code=137, container_reason="OutOfMemoryError: Container killed due to memory usage")
        world.logs(task_id, ["boot"])

    counter = [0]
    lock = threading.Lock()
    clients: dict[str, Any] = {}

    def factory(service: str) -> Any:
        if service not in clients:
            clients[service] = SlowClient(world.client(service), latency, counter, lock)
        return clients[service]

    from scdiag_aws.provider import ECSProvider

    class Plugin:
        @staticmethod
        @hookimpl
        def scdiag_register_providers(registry: ProviderRegistry) -> None:
            registry.add_provider("aws", lambda config: ECSProvider(config, clients=factory))

    # The slow-client provider replaces scdiag-aws's: allowed, as any plugin would be, by configuration.
    config = config_from_mapping({"diagnostics": {"providers": {"allow_replacing": ["aws"]}, "cache": {"enabled": False}}})
    orchestrator = DiagnosticOrchestrator(config=config, host=host_with(("aws", Plugin())))
    request = DiagnosticRequest(provider="aws", service_name="web", region=REGION, context=RequestContext(options={"cluster": "prod"}))
    orchestrator.collect(request)  # imports and client construction are not the network's
    walls, calls = [], 0
    for _ in range(5):
        counter[0] = 0
        started = time.perf_counter()
        data = orchestrator.collect(request)
        walls.append(time.perf_counter() - started)
        calls = counter[0]
    wall = sorted(walls)[len(walls) // 2]  # the median of five collections
    server.stop()

    print("== ECS (ECS, CloudWatch Logs, CloudWatch, ELBv2), median of 5 collections")
    # The credential check runs beside the first round, so it adds no call to the chain.
    _report(latency, calls, CHAIN, wall, f"tasks / log streams collected     {len(data.status.instances) if data.status else 0} / {len(data.logs)}")

if __name__ == "__main__":
    raise SystemExit(main())
