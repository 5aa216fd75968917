"""Order queries: get_order (20-minute rule), open/history filters, fills."""
from __future__ import annotations

from decimal import Decimal as D

import pytest

from bitmart_plugin.sandbox.core.clock import ManualClock
from bitmart_plugin.sandbox.core.errors import ExchangeError
from bitmart_plugin.sandbox.spot.exchange import Exchange

SYM = "BTC_USDT"


def make() -> tuple[Exchange, ManualClock]:
    clock = ManualClock(1_700_000_000_000)
    ex = Exchange(seed=2, pairs=4, clock=clock, agents=False)
    ex.add_account("u", {"USDT": D("10000"), "BTC": D("10"), "ETH": D("10")})
    ex.add_account("x", {"USDT": D("10000"), "BTC": D("10")})
    return ex, clock


def test_twenty_minute_rule() -> None:
    ex, clock = make()
    c = ex.submit_order("u", SYM, "buy", "limit", size=D("0.1"), price=D("100"))
    ex.cancel_order("u", SYM, order_id=c.order_id)
    ex.submit_order("x", SYM, "sell", "limit", size=D("0.05"), price=D("101"))
    p = ex.submit_order("u", SYM, "buy", "ioc", size=D("0.1"), price=D("101"))
    assert p.state == "partially_canceled"
    clock.advance(20 * 60 * 1000)
    assert ex.get_order("u", order_id=c.order_id).state == "canceled"
    clock.advance(1)
    with pytest.raises(ExchangeError) as e:
        ex.get_order("u", order_id=c.order_id)
    assert e.value.code == 50005
    with pytest.raises(ExchangeError):
        ex.get_order("u", client_order_id=c.client_order_id)
    assert ex.get_order("u", order_id=p.order_id).state == "partially_canceled"  # has fills: kept


def test_get_order_by_either_id_and_other_account() -> None:
    ex, _ = make()
    o = ex.submit_order("u", SYM, "buy", "limit", size=D("0.1"), price=D("100"), client_order_id="k1")
    assert ex.get_order("u", client_order_id="k1") is o
    assert ex.get_order("u", order_id=o.order_id) is o
    with pytest.raises(ExchangeError) as e:
        ex.get_order("x", order_id=o.order_id)
    assert e.value.code == 50005


def test_open_history_and_fills_filters() -> None:
    ex, clock = make()
    t0 = clock.now_ms()
    a = ex.submit_order("u", SYM, "buy", "limit", size=D("0.1"), price=D("100"))
    clock.advance(1000)
    b = ex.submit_order("u", "ETH_USDT", "sell", "limit", size=D("1"), price=D("3000"))
    clock.advance(1000)
    ex.submit_order("x", SYM, "sell", "limit", size=D("0.1"), price=D("100"))  # fills a
    clock.advance(1000)
    c = ex.submit_order("u", SYM, "buy", "limit", size=D("0.1"), price=D("90"))
    ex.cancel_order("u", SYM, order_id=c.order_id)
    assert [o.order_id for o in ex.open_orders("u")] == [b.order_id]
    assert ex.open_orders("u", SYM) == []
    assert [o.order_id for o in ex.history_orders("u")] == [c.order_id, a.order_id]
    assert [o.order_id for o in ex.history_orders("u", SYM, start_ms=t0 + 1, end_ms=None)] == [c.order_id]
    assert [o.order_id for o in ex.history_orders("u", limit=1)] == [c.order_id]
    assert ex.history_orders("u", "ETH_USDT") == []
    fills = ex.fills("u")
    assert len(fills) == 1 and fills[0].order_id == a.order_id and fills[0].role == "maker"
    assert fills[0].trade_id.isdigit() and fills[0].time_ms == t0 + 2000
    assert ex.fills("u", symbol="ETH_USDT") == []
    assert ex.fills("u", start_ms=t0 + 2001) == []
    assert ex.fills("u", order_id=a.order_id) == fills
    assert ex.fills("x", order_id=a.order_id) == []
    assert a.price_avg == D("100") and not a.is_open


def test_ticker_and_public_trades() -> None:
    ex, _ = make()
    ex.submit_order("x", SYM, "sell", "limit", size=D("0.1"), price=D("100"))
    ex.submit_order("u", SYM, "buy", "limit", size=D("0.05"), price=D("100"))
    ex.submit_order("u", SYM, "buy", "limit", size=D("0.06"), price=D("99"))
    trades = ex.public_trades(SYM)
    assert len(trades) == 1 and trades[0].taker_side == "buy" and trades[0].size == D("0.05")
    t = ex.ticker(SYM)
    assert (t.last, t.bid_px, t.ask_px, t.ask_sz, t.v_24h) == (D("100"), D("99"), D("100"), D("0.05"), D("0.05"))
    assert str(t.fluctuation) == "0.00000"
