"""Sandbox matching core: microseconds per submit and per cancel on a 1000-order book, and the time to build
1000 pairs. No I/O; prints figures (there is no peer engine to compare with, so no ratio).

Run: .venv/bin/python benchmarks/sandbox_core_ops.py [--orders 2000]
"""
from __future__ import annotations

import argparse
import random
import time
from decimal import Decimal as D

from bitmart_plugin.sandbox.core.clock import ManualClock
from bitmart_plugin.sandbox.spot.exchange import Exchange


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--orders", type=int, default=2000)
    n = p.parse_args().orders
    ex = Exchange(seed=1, pairs=2, clock=ManualClock(), agents=False)
    ex.add_account("u", {"USDT": D("1e12"), "BTC": D("1e6")})
    rng = random.Random(1)
    for _ in range(500):
        ex.submit_order("u", "BTC_USDT", "buy", "limit", size=D("0.01"), price=D(50000 + rng.randint(0, 500)))
        ex.submit_order("u", "BTC_USDT", "sell", "limit", size=D("0.01"), price=D(60000 + rng.randint(0, 500)))
    prices = [D(55000 + rng.randint(0, 2000)) for _ in range(n)]
    t0 = time.perf_counter()
    ids = [ex.submit_order("u", "BTC_USDT", "buy", "limit", size=D("0.01"), price=q).order_id for q in prices]
    t1 = time.perf_counter()
    for oid in ids:
        ex.cancel_order("u", "BTC_USDT", order_id=oid)
    t2 = time.perf_counter()
    t3 = time.perf_counter()
    Exchange(seed=1, pairs=1000)
    t4 = time.perf_counter()
    print(f"submit {1e6 * (t1 - t0) / n:.1f} us/order, cancel {1e6 * (t2 - t1) / n:.1f} us/order "
          f"({n} orders on a 1000-order book); 1000 pairs built in {t4 - t3:.2f} s")


if __name__ == "__main__":
    main()
