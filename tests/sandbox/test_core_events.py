"""Events: a consumer applying LevelChanged to a snapshot always equals depth(); event order."""
from __future__ import annotations

import random
from decimal import Decimal as D

from bitmart_plugin.sandbox.core.clock import ManualClock
from bitmart_plugin.sandbox.core.errors import ExchangeError
from bitmart_plugin.sandbox.core.events import (BalanceChanged, CandleChanged, Event, LevelChanged,
                                           OrderChanged, PublicTrade)
from bitmart_plugin.sandbox.spot.exchange import Exchange


class Mirror:
    """Applies LevelChanged / CandleChanged to local copies, as the transport would."""

    def __init__(self, ex: Exchange) -> None:
        self.books: dict[str, dict[str, dict[D, D]]] = {}
        for sym in ex.engine.books:
            bids, asks = ex.depth(sym)
            self.books[sym] = {"bids": dict(bids), "asks": dict(asks)}
        self.candles: dict[tuple[str, int, int], object] = {}
        self.trades: list[PublicTrade] = []
        self.events: list[Event] = []

    def __call__(self, ev: Event) -> None:
        self.events.append(ev)
        if isinstance(ev, LevelChanged):
            side = self.books.setdefault(ev.symbol, {"bids": {}, "asks": {}})[ev.side]
            assert ev.size >= 0
            if ev.size == 0:
                del side[ev.price]
            else:
                side[ev.price] = ev.size
        elif isinstance(ev, CandleChanged):
            self.candles[(ev.symbol, ev.step_minutes, ev.candle.open_time_s)] = ev.candle
        elif isinstance(ev, PublicTrade):
            self.trades.append(ev)

    def assert_equal(self, ex: Exchange) -> None:
        for sym in ex.engine.books:
            bids, asks = ex.depth(sym)
            mine = self.books.get(sym, {"bids": {}, "asks": {}})
            assert sorted(mine["bids"].items(), reverse=True) == bids, sym
            assert sorted(mine["asks"].items()) == asks, sym


def test_event_stream_equals_depth_over_random_actions() -> None:
    clock = ManualClock()
    ex = Exchange(seed=11, pairs=30, clock=clock, eager_symbols=6)
    ex.add_account("u", {"USDT": D("1000000"), "BTC": D("100"), "ETH": D("1000")})
    mirror = Mirror(ex)
    ex.add_listener(mirror)
    rng = random.Random(4)
    lazy = [s for s, r in ex.rules.items() if r.trading and s not in ex.engine.books]
    for i in range(4000):
        clock.advance(rng.randint(0, 2000))
        if i % 10 == 0:
            sym = rng.choice(["BTC_USDT", "ETH_USDT"])
            best = ex.ticker(sym).last
            tick = ex.rules[sym].tick
            price = best + tick * rng.randint(-300, 300)
            kind = rng.choice(["limit", "limit_maker", "ioc", "market"])
            side = rng.choice(["buy", "sell"])
            try:
                if kind == "market" and side == "buy":
                    ex.submit_order("u", sym, side, kind, notional=D(rng.randint(6, 500)))
                else:
                    size = (D(rng.randint(6, 300)) / price).quantize(ex.rules[sym].size_step)
                    ex.submit_order("u", sym, side, kind, size=size, price=price)
            except ExchangeError:
                pass
            opens = ex.open_orders("u")
            if opens and rng.random() < 0.5:
                o = rng.choice(opens)
                ex.cancel_order("u", o.symbol, order_id=o.order_id)
        elif i % 500 == 7 and lazy:
            ex.depth(lazy.pop())  # lazily materialized while listening
        else:
            ex.step_agents(1)
        if i % 250 == 0:
            mirror.assert_equal(ex)
    mirror.assert_equal(ex)
    assert len(mirror.trades) > 100
    # candles pushed equal candles served
    for (sym, step, t), candle in mirror.candles.items():
        got = ex.candles(sym, step, before_s=t + 1, after_s=t - 1, limit=1)
        assert got == [candle]
    assert len(ex.depth("BTC_USDT")[0]) >= 30 and len(ex.depth("BTC_USDT")[1]) >= 30


def test_event_order_for_a_trade() -> None:
    ex = Exchange(seed=1, pairs=2, clock=ManualClock(), agents=False)
    ex.add_account("m", {"BTC": D("1")})
    ex.add_account("t", {"USDT": D("1000")})
    ex.submit_order("m", "BTC_USDT", "sell", "limit", size=D("0.1"), price=D("100"))
    ev: list[Event] = []
    ex.add_listener(ev.append)
    o = ex.submit_order("t", "BTC_USDT", "buy", "limit", size=D("0.2"), price=D("101"))
    kinds = [type(e).__name__ for e in ev]
    assert kinds[:10] == ["OrderChanged", "BalanceChanged", "LevelChanged", "PublicTrade",
                          "OrderChanged", "OrderChanged", "BalanceChanged", "BalanceChanged",
                          "BalanceChanged", "BalanceChanged"]
    assert kinds[10:23] == ["CandleChanged"] * 13
    assert kinds[23:] == ["BalanceChanged", "LevelChanged"]  # excess freeze released, then rests
    first = ev[0]
    assert isinstance(first, OrderChanged) and first.order.state == "new" and first.fill is None
    lvl = ev[2]
    assert isinstance(lvl, LevelChanged) and (lvl.side, lvl.price, lvl.size) == ("asks", D("100"), D("0"))
    maker_ev, taker_ev = ev[4], ev[5]
    assert isinstance(maker_ev, OrderChanged) and maker_ev.fill and maker_ev.fill.role == "maker"
    assert maker_ev.order.state == "filled"
    assert isinstance(taker_ev, OrderChanged) and taker_ev.fill and taker_ev.fill.role == "taker"
    assert taker_ev.order.state == "partially_filled" and taker_ev.order is not o  # snapshot
    rest = ev[-1]
    assert isinstance(rest, LevelChanged) and (rest.side, rest.price, rest.size) == ("bids", D("101"), D("0.1"))
    bal = [e for e in ev if isinstance(e, BalanceChanged) and e.account_id == "t" and e.currency == "USDT"]
    assert bal[-1].frozen == D("10.1") and bal[-1].event_type == "TRANSACTION_COMPLETED"
    ev.clear()
    ex.cancel_order("t", "BTC_USDT", order_id=o.order_id)
    assert [type(e).__name__ for e in ev] == ["LevelChanged", "OrderChanged", "BalanceChanged"]
