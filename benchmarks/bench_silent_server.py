"""`scdiag diagnose --timeout 5s` against a server that accepts connections and never answers.

One loopback socket accepts every connection and sends nothing, as a
firewalled proxy or a hung API server would. Each provider is pointed at it
(AWS_ENDPOINT_URL, a kubeconfig, Google's endpoint overrides and a key whose
token URI is the socket, an Azure authority and endpoints on it) and the wall
time of the whole command, Python start-up included, is printed against the
timeout. The target is the timeout plus one second.

    python benchmarks/bench_silent_server.py [--timeout 5]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def silent_server() -> tuple[str, socket.socket]:
    """A listening socket on 127.0.0.1 whose connections are accepted and held, unanswered."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(128)
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                connection, _address = server.accept()
            except OSError:
                return
            held.append(connection)

    threading.Thread(target=accept, daemon=True).start()
    host, port = server.getsockname()
    return f"{host}:{port}", server


def _environments(address: str, directory: Path) -> dict[str, tuple[list[str], dict[str, str]]]:
    from tests.adapters.gcp.fake_google import service_account_key

    kubeconfig = directory / "kubeconfig"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: silent\n"
        f"clusters: [{{name: silent, cluster: {{server: 'http://{address}'}}}}]\n"
        "users: [{name: silent, user: {token: not-a-token}}]\n"
        "contexts: [{name: silent, context: {cluster: silent, user: silent}}]\n"
    )
    key = service_account_key(directory / "adc.json", f"http://{address}/token")
    google = {f"SCDIAG_GCP_{api}_ENDPOINT": f"http://{address}" for api in ("RUN", "LOGGING", "MONITORING")}
    azure = {f"SCDIAG_AZURE_{api}_ENDPOINT": f"https://{address}" for api in ("ARM", "LOGS", "METRICS")}
    return {
        "aws": (["--region", "us-east-1", "--cluster", "prod"], {"AWS_ENDPOINT_URL": f"http://{address}", "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "example"}),
        "kubernetes": (["--kubeconfig", str(kubeconfig)], {}),
        "gcp": (["--project", "demo", "--region", "europe-west1"], {**google, "GOOGLE_APPLICATION_CREDENTIALS": str(key)}),
        "azure": (
            ["--subscription", "00000000-0000-0000-0000-000000000000", "--resource-group", "rg"],
            {**azure, "AZURE_AUTHORITY_HOST": f"https://{address}", "AZURE_TENANT_ID": "72f988bf-0000-0000-0000-000000000000", "AZURE_CLIENT_ID": "11111111-2222-3333-4444-555555555555", "AZURE_CLIENT_SECRET": "x"},
        ),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--timeout", type=float, default=5.0)
    args = parser.parse_args()
    address, server = silent_server()
    scdiag = str(Path(sys.executable).with_name("scdiag"))
    print(f"== diagnose --timeout {args.timeout:g}s against a server that accepts and never answers")
    worst = 0.0
    with tempfile.TemporaryDirectory() as directory:
        for provider, (flags, env) in _environments(address, Path(directory)).items():
            environment = {**os.environ, **env, "SCDIAG_CACHE_DIR": str(Path(directory) / "cache")}
            command = [scdiag, "diagnose", "-p", provider, "-s", "web", "--timeout", f"{args.timeout:g}s", "--no-cache", *flags]
            started = time.perf_counter()
            finished = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=120)
            elapsed = time.perf_counter() - started
            worst = max(worst, elapsed)
            last = (finished.stderr.strip().splitlines() or [""])[0]
            print(f"  {provider:11s} {elapsed:5.2f} s  exit {finished.returncode}  {last[:110]}")
    server.close()
    print(f"  slowest {worst:.2f} s for --timeout {args.timeout:g}s (target: within {args.timeout + 1:g} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
