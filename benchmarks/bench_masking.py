"""Masking throughput on a hostile log: near-misses of every rule, in lines of up to 64 KB.

Each rule is fed text built to make a backtracking engine work hard: dotted
runs (``a.a.a...``), long base64 runs that are no key, URLs with a user and no
host, assignments without a value, JWT-like prefixes, PEM-like lines of the
wrong length. The redactor runs on RE2, so doubling the input should about
double the time; the ratio is printed.

    python benchmarks/bench_masking.py [--mb 100]
"""

from __future__ import annotations

import argparse
import random
import time

from scdiag.redaction import Redactor

_PIECES = [
    lambda r: "a." * r.randint(1000, 32000) + "a",
    lambda r: "".join(r.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(r.randint(41, 400))),
    lambda r: "postgres://user:" + "x" * r.randint(100, 5000) + " no host here",
    lambda r: "password= " * r.randint(10, 400),
    lambda r: "eyJ" + "A" * r.randint(5, 3000) + ".eyJ" + "B" * r.randint(1, 10),
    lambda r: "MII" + "Q" * 19 + " " + "Zz9" * 21,
    lambda r: "Authorization: Basic " + "=" * r.randint(1, 500),
    lambda r: "mysql " + "-x " * r.randint(100, 2000),
    lambda r: "sig=" + "%" * r.randint(1, 2000),
    lambda r: "token " + "." * r.randint(5, 11) + " " + "ghp_" + "a" * 35,
    lambda r: "GET /api/orders/17 200 in 3ms user=42 trace=9f2c",
]


def hostile_text(megabytes: float, seed: int = 11) -> str:
    """Deterministic hostile text of about ``megabytes`` MB, in lines."""
    rng = random.Random(seed)
    target = int(megabytes * 1_000_000)
    lines: list[str] = []
    size = 0
    while size < target:
        line = rng.choice(_PIECES)(rng)[:65536]
        lines.append(line)
        size += len(line) + 1
    return "\n".join(lines)


def _best_of(runs: int, function) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=float, default=100.0, help="size of the larger input (the smaller is half)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    redactor = Redactor()
    print(f"== masking a hostile log ({len(redactor.rules)} rules, RE2), best of {args.runs}")
    timings = {}
    for megabytes in (args.mb / 2, args.mb):
        text = hostile_text(megabytes)
        seconds = _best_of(args.runs, lambda: redactor.redact(text))
        timings[megabytes] = seconds
        print(f"  {len(text) / 1e6:7.1f} MB  {seconds:6.2f} s  {len(text) / 1e6 / seconds:6.1f} MB/s")
    small, large = timings[args.mb / 2], timings[args.mb]
    print(f"  twice the input took {large / small:.2f}x the time (linear is 2x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
