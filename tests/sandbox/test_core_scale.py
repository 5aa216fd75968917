"""The core at scale: a 1000-order book through submit and cancel, and 1000 pairs. Timings live in
benchmarks/sandbox_core_ops.py (no timed assertions in the tests)."""
from __future__ import annotations

import random
from decimal import Decimal as D

from bitmart_plugin.sandbox.core.clock import ManualClock
from bitmart_plugin.sandbox.spot.exchange import Exchange


def test_submit_cancel_on_a_1000_order_book_leaves_it_as_it_was() -> None:
    ex = Exchange(seed=1, pairs=2, clock=ManualClock(), agents=False)
    ex.add_account("u", {"USDT": D("1e12"), "BTC": D("1e6")})
    rng = random.Random(1)
    for _ in range(500):
        ex.submit_order("u", "BTC_USDT", "buy", "limit", size=D("0.01"), price=D(50000 + rng.randint(0, 500)))
        ex.submit_order("u", "BTC_USDT", "sell", "limit", size=D("0.01"), price=D(60000 + rng.randint(0, 500)))
    before = ex.depth("BTC_USDT")
    ids = [ex.submit_order("u", "BTC_USDT", "buy", "limit", size=D("0.01"), price=D(55000 + rng.randint(0, 2000))).order_id
           for _ in range(2000)]
    assert len(set(ids)) == 2000
    for oid in ids:
        ex.cancel_order("u", "BTC_USDT", order_id=oid)
    assert ex.depth("BTC_USDT") == before


def test_construction_with_1000_pairs() -> None:
    ex = Exchange(seed=1, pairs=1000)
    assert len(ex.rules) == 1000
    bids, asks = ex.depth(list(ex.rules)[700] if ex.rules[list(ex.rules)[700]].trading else "BTC_USDT")
    assert bids and asks  # lazily populated on first access
