"""Funding on its clock with ledger rows, and index/mark prices (index from the spot venue's mid)."""
from __future__ import annotations

from decimal import Decimal

from bitmart_plugin.sandbox.core.clock import ManualClock
from bitmart_plugin.sandbox.spot.exchange import Exchange
from bitmart_plugin.sandbox.futures.events import FundingSettled
from bitmart_plugin.sandbox.futures.funding import EIGHT_HOURS_MS
from bitmart_plugin.sandbox.futures.marks import spot_index_source
from bitmart_plugin.sandbox.futures.venue import FuturesVenue

from .helpers import START_MS, D, venue

BTC = "BTCUSDT"
CS = D("0.001")


def hedge(v: FuturesVenue, size: int = 10) -> None:
    """a long ``size`` isolated at 10x, b short ``size`` cross, both at 60000."""
    v.set_leverage("a", BTC, 10, "isolated")
    v.submit_order("b", BTC, 4, size, price="60000")
    v.submit_order("a", BTC, 1, size, price="60000")


def test_settlements_fall_on_epoch_multiples_of_the_interval() -> None:
    v = venue("a")
    nxt = v.funding.next_time[BTC]
    assert nxt % EIGHT_HOURS_MS == 0 and START_MS < nxt <= START_MS + EIGHT_HOURS_MS
    assert v.funding.due(BTC, nxt - 1) == []
    assert v.funding.due(BTC, nxt + 2 * EIGHT_HOURS_MS) == [nxt, nxt + EIGHT_HOURS_MS, nxt + 2 * EIGHT_HOURS_MS]
    four = next(c for c in v.contract_list if c.funding_interval_hours == 4)
    assert v.funding.next_time[four.symbol] % (4 * 3_600_000) == 0
    fast = venue("a", funding_interval_s=60)
    assert fast.funding.next_time[BTC] % 60_000 == 0 and fast.funding.next_time[BTC] - START_MS <= 60_000


def test_longs_pay_a_positive_rate_from_isolated_margin_shorts_receive_in_the_wallet() -> None:
    v = venue("a", "b", funding_interval_s=60)
    hedge(v)
    v.set_funding_rate(BTC, D("0.0001"))
    v.marks.pin(BTC, mark=D(61000))
    pa, wb = v.accounts.position("a", BTC, "long"), v.accounts.wallet("b")
    assert pa is not None
    margin, avail_b = pa.margin, wb.available
    seen: list = []
    v.engine.listeners.append(seen.append)
    clock = v.clock
    assert isinstance(clock, ManualClock)
    clock.advance(60_000)
    v.settle_funding(clock.now_ms())
    pay = 10 * CS * 61000 * D("0.0001")
    assert pa.margin == margin - pay and wb.available == avail_b + pay
    (ra,), (rb,) = v.accounts.rows("a", 3), v.accounts.rows("b", 3)
    assert (ra.type, ra.amount, rb.amount) == ("Funding Fee", -pay, pay)
    assert ra.time_ms % 60_000 == 0
    (ev,) = [e for e in seen if isinstance(e, FundingSettled) and e.symbol == BTC]
    assert (ev.rate, ev.next_funding_time_ms) == (D("0.0001"), ra.time_ms + 60_000)
    assert v.funding.last_rate[BTC] == D("0.0001")
    assert v.accounts.discrepancy("a") == v.accounts.discrepancy("b") == 0


def test_funding_paid_from_isolated_margin_moves_the_liquidation_price() -> None:
    v = venue("a", "b")
    hedge(v)
    p = v.accounts.position("a", BTC, "long")
    assert p is not None
    before = v.liquidation_price(p)
    v.set_funding_rate(BTC, D("0.01"))
    v.settle_funding(v.clock.now_ms(), BTC, force=True)
    assert v.liquidation_price(p) == before + 10 * CS * 60000 * D("0.01") / (10 * CS)


def test_model_rate_is_premium_plus_base_clamped() -> None:
    v = venue("a")
    assert v.funding.expected(BTC) == D("0.0001")  # no premium yet: the 8 h base rate
    v.funding.sample(BTC, D(100), D(101))
    v.funding.sample(BTC, D(100), D(100))
    assert v.funding.expected(BTC) == D("0.0051")
    v.funding.sample(BTC, D(100), D(200))
    assert v.funding.expected(BTC) == D("0.0375")  # the cap


def test_index_follows_the_spot_mid_and_the_mark_is_clamped_around_it() -> None:
    spot = Exchange(seed=1, pairs=20, clock=ManualClock(START_MS), agents=False)
    spot.add_account("mm", {"BTC": D(10), "USDT": D(10**6)})
    spot.submit_order("mm", "BTC_USDT", "buy", "limit", size=D("0.1"), price=D("61000.00"))
    spot.submit_order("mm", "BTC_USDT", "sell", "limit", size=D("0.1"), price=D("61001.00"))
    v = FuturesVenue(seed=3, clock=ManualClock(START_MS), index_source=spot_index_source(spot))
    v.fund("a", D(10**6))
    v.fund("b", D(10**6))
    v.tick()
    assert v.marks.index[BTC] == D("61000.5") and v.marks.mark[BTC] == D("61000.5")
    v.submit_order("a", BTC, 1, 1, price="70000")  # rests above the index (empty futures book)
    v.submit_order("b", BTC, 4, 1, price="70000.1")
    v.tick()
    assert v.marks.mark[BTC] == (D("61000.5") * D("1.005")).quantize(D("0.1"))
    # ETH_USDT exists on spot but its book is empty: the index walks from the reference price instead
    assert v.marks.index["ETHUSDT"] != v.engine.contracts["ETHUSDT"].ref_price


def test_random_walk_index_is_deterministic_in_the_seed() -> None:
    def run() -> list[Decimal]:
        v = FuturesVenue(seed=9, clock=ManualClock(START_MS))
        out = []
        for _ in range(5):
            v.tick()
            out.append(v.marks.index["ETHUSDT"])
        return out
    assert run() == run()
