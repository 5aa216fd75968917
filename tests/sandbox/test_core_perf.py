"""Coarse performance guards (generous bounds so they do not flake on slow CI)."""
from __future__ import annotations

import random
import time
from decimal import Decimal as D

from bitmart_plugin.sandbox.clock import ManualClock
from bitmart_plugin.sandbox.exchange import Exchange


def test_submit_cancel_on_1000_order_book_is_fast() -> None:
    ex = Exchange(seed=1, pairs=2, clock=ManualClock(), agents=False)
    ex.add_account("u", {"USDT": D("1e12"), "BTC": D("1e6")})
    rng = random.Random(1)
    for _ in range(500):
        ex.submit_order("u", "BTC_USDT", "buy", "limit", size=D("0.01"), price=D(50000 + rng.randint(0, 500)))
        ex.submit_order("u", "BTC_USDT", "sell", "limit", size=D("0.01"), price=D(60000 + rng.randint(0, 500)))
    n = 2000
    prices = [D(55000 + rng.randint(0, 2000)) for _ in range(n)]
    t0 = time.perf_counter()
    ids = [ex.submit_order("u", "BTC_USDT", "buy", "limit", size=D("0.01"), price=p).order_id for p in prices]
    t1 = time.perf_counter()
    for oid in ids:
        ex.cancel_order("u", "BTC_USDT", order_id=oid)
    t2 = time.perf_counter()
    assert (t1 - t0) / n < 100e-6 and (t2 - t1) / n < 100e-6


def test_construction_with_1000_pairs_under_3s() -> None:
    t0 = time.perf_counter()
    ex = Exchange(seed=1, pairs=1000)
    assert time.perf_counter() - t0 < 3.0
    assert len(ex.rules) == 1000
    bids, asks = ex.depth(list(ex.rules)[700] if ex.rules[list(ex.rules)[700]].trading else "BTC_USDT")
    assert bids and asks  # lazily populated on first access
