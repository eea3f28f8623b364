"""Writes a realistic large container log for the benchmarks (deterministic)."""

from __future__ import annotations

import random
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

TEMPLATES = [
    '{ts} INFO  [http-nio-8080-exec-{t}] c.e.shop.orders.web.OrderController   : GET /api/orders/{n} 200 in {ms}ms user={u} trace={h}',
    '{ts} INFO  [http-nio-8080-exec-{t}] c.e.shop.orders.web.CartController    : POST /api/cart/{n}/items 201 in {ms}ms user={u} sku=SKU-{n}',
    '{ts} DEBUG [pool-2-thread-{t}] c.e.shop.catalog.cache.CatalogCache      : cache hit ratio 0.{n} for segment {u} (size {ms} entries)',
    '{ts} WARN  [http-nio-8080-exec-{t}] c.e.shop.orders.client.PricingClient  : pricing-api slow response {ms}ms for sku SKU-{n}, retrying once',
    '{ts} INFO  [scheduling-1] c.e.shop.orders.jobs.ReconcileJob              : reconciled {n} orders in {ms}ms, 0 errors, 0 failures',
    '{ts} INFO  [kafka-consumer-{t}] c.e.shop.orders.events.OrderEventsListener : consumed OrderPlaced offset={n} partition={t} lag=0',
    '{ts} DEBUG [http-nio-8080-exec-{t}] o.s.web.servlet.DispatcherServlet      : Completed 200 OK for GET "/actuator/health", parameters=[]',
    '{ts} INFO  [http-nio-8080-exec-{t}] c.e.shop.orders.web.OrderController   : GET /api/orders?status=OPEN&page={t} 200 in {ms}ms',
]
RARE = [
    '{ts} ERROR [http-nio-8080-exec-{t}] c.e.shop.payments.CardService         : card declined for order {n} (402 Payment Required)',
    '{ts} WARN  [HikariPool-1 housekeeper] com.zaxxer.hikari.pool.HikariPool   : HikariPool-1 - Thread starvation or clock leap detected (housekeeper delta={ms}ms).',
]


def generate(path: Path, lines: int, seed: int = 7) -> None:
    """``lines`` lines of a busy Java service, ending with a real failure."""
    rng = random.Random(seed)
    start = datetime(2026, 11, 20, 14, 0, tzinfo=timezone.utc)
    with path.open("w", encoding="utf-8") as out:
        for index in range(lines - 4):
            template = rng.choice(RARE) if rng.random() < 0.002 else rng.choice(TEMPLATES)
            ts = (start + timedelta(milliseconds=index * 7)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
            out.write(template.format(ts=ts, t=rng.randint(1, 40), n=rng.randint(1000, 999999), ms=rng.randint(1, 900), u=rng.randint(1, 50000), h=f"{rng.getrandbits(64):016x}") + "\n")
        out.write("2026-11-20T16:00:00.000Z ERROR [main] o.s.boot.SpringApplication : Application run failed\n")
        out.write("java.lang.OutOfMemoryError: Java heap space\n")
        out.write("\tat java.base/java.util.Arrays.copyOf(Arrays.java:3537)\n")
        out.write("\tat c.e.shop.catalog.cache.CatalogCache.load(CatalogCache.java:88)\n")


if __name__ == "__main__":
    generate(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000)
