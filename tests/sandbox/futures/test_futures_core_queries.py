"""Core queries the REST transport needs: market data, klines, open interest, amend, cancel-all-after, listings."""
from __future__ import annotations

import pytest

from bitmart_plugin.sandbox.core.clock import ManualClock
from bitmart_plugin.sandbox.core.errors import ExchangeError
from bitmart_plugin.sandbox.futures.market import STEPS

from .helpers import START_MS, D, venue

BTC = "BTCUSDT"


def code(fn, *args, **kw) -> int:  # type: ignore[no-untyped-def]
    with pytest.raises(ExchangeError) as ei:
        fn(*args, **kw)
    return ei.value.code


def clock(v) -> ManualClock:  # type: ignore[no-untyped-def]
    assert isinstance(v.clock, ManualClock)
    return v.clock


def test_trades_feed_recent_trades_and_candles_of_every_futures_step() -> None:
    v = venue("a", "b")
    v.submit_order("b", BTC, 4, 3, price="60000")
    v.submit_order("a", BTC, 1, 3, price="60000")
    clock(v).advance(61_000)
    v.submit_order("b", BTC, 4, 2, price="60100")
    v.submit_order("a", BTC, 1, 2, price="60100")
    trades = v.market.recent_trades(BTC, 10)
    assert [(t.price, t.size, t.taker_side) for t in trades] == [(D(60100), 2, "buy"), (D(60000), 3, "buy")]
    assert set(v.market.data[BTC].series) == set(STEPS) and {360, 720, 4320} <= set(STEPS)
    start = START_MS // 1000
    ones = v.market.candles(BTC, 1, start - 3600, start + 3600)
    assert [c.open_time_s for c in ones] == sorted(c.open_time_s for c in ones) and len(ones) == 2
    assert (ones[0].open, ones[0].volume, ones[1].close, ones[1].volume) == (D(60000), 3, D(60100), 2)
    day = v.market.candles(BTC, 1440, start - 86400, start + 86400)
    assert len(day) == 1 and (day[0].high, day[0].low, day[0].volume) == (D(60100), D(60000), 5)
    assert v.market.current(BTC, 1) == ones[-1]


def test_kline_window_is_inclusive_and_keeps_the_newest_when_too_many() -> None:
    v = venue("a", "b")
    base = START_MS - START_MS % 60_000
    for i in range(6):
        clock(v).set(base + i * 60_000)
        v.submit_order("b", BTC, 4, 1, price=str(60000 + i))
        v.submit_order("a", BTC, 1, 1, price=str(60000 + i))
    s = base // 1000
    got = v.market.candles(BTC, 1, s + 60, s + 240)
    assert [c.open_time_s - s for c in got] == [60, 120, 180, 240]
    assert [c.open_time_s - s for c in v.market.candles(BTC, 1, s, s + 300, limit=2)] == [240, 300]
    assert v.market.candles(BTC, 1, s + 240, s + 60) == []


def test_mark_refresh_feeds_mark_candles_with_zero_volume() -> None:
    v = venue()
    v.tick()
    clock(v).advance(60_000)
    v.tick()
    s = START_MS // 1000
    got = v.market.mark_candles(BTC, 1, s - 120, s + 120)
    assert len(got) == 2 and all(c.volume == 0 and c.close == v.marks.mark[BTC] for c in got[-1:])


def test_open_interest_counts_long_contracts_and_depth_is_aggregated() -> None:
    v = venue("a", "b", "c")
    v.submit_order("b", BTC, 4, 7, price="60000")
    v.submit_order("a", BTC, 1, 5, price="60000")
    v.submit_order("c", BTC, 4, 4, price="60001")
    v.submit_order("c", BTC, 4, 1, price="60001")
    assert v.open_interest(BTC) == 5
    bids, asks = v.depth(BTC)
    assert bids == [] and asks == [(D(60000), D(2)), (D("60001.0"), D(5))]


def test_amend_reprices_resizes_keeps_id_and_rematches() -> None:
    v = venue("a", "b")
    o = v.submit_order("a", BTC, 1, 10, price="50000", leverage=10, client_order_id="x1")
    w = v.accounts.wallet("a")
    v.modify_order("a", order_id=o.order_id, price="50000.5", size=4)
    assert (o.price, o.size, o.state) == (D("50000.5"), 4, "new")
    assert w.frozen == o.frozen == 4 * D("0.001") * D("50000.5") * (D("0.1") + D("0.0006"))
    assert v.depth(BTC)[0] == [(D("50000.5"), 4)]
    v.submit_order("b", BTC, 4, 10, price="50100")
    v.modify_order("a", client_order_id="x1", price="50100")  # now crosses: fills at the maker's price
    assert o.state == "filled" and o.order_id in {f.order_id for f in v.fills_of("a")}
    assert w.frozen == 0 and v.accounts.discrepancy("a") == 0


@pytest.mark.parametrize("fields,want", [
    ({"order_id": "999"}, 40037), ({"price": "50000.05"}, 40043), ({"price": "0"}, 40044),
    ({"size": "1.5"}, 40043), ({"size": 0}, 40044), ({"size": 600000}, 40044),
])
def test_amend_errors_change_nothing(fields: dict, want: int) -> None:
    v = venue("a")
    o = v.submit_order("a", BTC, 1, 10, price="50000")
    before = (o.price, o.size, o.frozen, v.accounts.wallet("a").available, v.depth(BTC))
    assert code(v.modify_order, "a", **{"order_id": o.order_id, **fields}) == want
    assert (o.price, o.size, o.frozen, v.accounts.wallet("a").available, v.depth(BTC)) == before


def test_amend_refuses_finished_orders_and_margin_it_cannot_reserve() -> None:
    v = venue("a", funds="1000")
    o = v.submit_order("a", BTC, 1, 10, price="50000", leverage=1)
    assert code(v.modify_order, "a", order_id=o.order_id, size=30) == 40012
    v.cancel_order("a", order_id=o.order_id)
    assert code(v.modify_order, "a", order_id=o.order_id, price="1") == 40036


def test_amend_of_a_close_order_checks_the_closable_volume() -> None:
    v = venue("a", "b")
    v.submit_order("b", BTC, 4, 5, price="60000")
    v.submit_order("a", BTC, 1, 5, price="60000")
    close = v.submit_order("a", BTC, 3, 2, price="70000")
    assert code(v.modify_order, "a", order_id=close.order_id, size=6) == 40020
    v.modify_order("a", order_id=close.order_id, size=5)
    p = v.accounts.position("a", BTC, "long")
    assert p is not None and p.frozen_volume == 5 and close.close_left == 5


def test_cancel_all_after_fires_on_tick_and_zero_disarms() -> None:
    v = venue("a")
    o1 = v.submit_order("a", BTC, 1, 1, price="50000")
    o2 = v.submit_order("a", "ETHUSDT", 1, 1, price="2000")
    at = v.cancel_all_after("a", BTC, 10)
    assert at == START_MS + 10_000
    v.cancel_all_after("a", "ETHUSDT", 5)
    v.cancel_all_after("a", "ETHUSDT", 0)
    clock(v).advance(9_999)
    v.tick()
    assert o1.is_open
    clock(v).advance(1)
    v.tick()
    assert not o1.is_open and o2.is_open and v.deadlines == {}


def test_listings_are_newest_first_and_per_account() -> None:
    v = venue("a", "b")
    first = v.submit_order("a", BTC, 1, 1, price="50000")
    v.submit_order("b", BTC, 1, 1, price="50000")
    second = v.submit_order("a", "ETHUSDT", 1, 1, price="2000")
    assert [o.order_id for o in v.orders_of("a")] == [second.order_id, first.order_id]
    assert [o.order_id for o in v.orders_of("a", BTC)] == [first.order_id]
    assert v.order("b", first.order_id) is None and v.order("a", first.order_id) is first
    assert v.ledger_of("a") == [] and v.fills_of("a") == []


def test_config_fixed_funding_rate_settles_on_every_contract() -> None:
    v = venue("a", "b", fixed_funding_rate=D("0.0002"), funding_interval_s=60)
    v.submit_order("b", BTC, 4, 10, price="60000")
    v.submit_order("a", BTC, 1, 10, price="60000")
    v.marks.pin(BTC, mark=D(60000))
    assert v.funding.expected("ETHUSDT") == D("0.0002")
    clock(v).set(v.funding.next_time[BTC])
    v.tick()
    assert [(r.type, r.amount) for r in v.ledger_of("a", 3)] == [("Funding Fee", -10 * D("0.001") * 60000 * D("0.0002"))]
    assert v.funding.last_rate[BTC] == D("0.0002")
