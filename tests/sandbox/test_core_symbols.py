"""Symbol generator rules and whole-exchange determinism."""
from __future__ import annotations

from decimal import Decimal as D

from bitmart_plugin.sandbox.core.clock import ManualClock
from bitmart_plugin.sandbox.spot.exchange import Exchange
from bitmart_plugin.sandbox.spot.symbols import generate_symbols


def test_generator_rules() -> None:
    rules = generate_symbols(1, 1000)
    assert len(rules) == 1000 and len({r.symbol for r in rules}) == 1000
    btc = rules[0]
    assert (btc.symbol, btc.tick, btc.size_step, btc.min_buy_amount) == ("BTC_USDT", D("0.01"), D("0.00001"), D(5))
    assert rules[1].symbol == "ETH_USDT"
    assert any(r.symbol.endswith("1_USDT") for r in rules) and any(r.quote == "BTC" for r in rules)
    assert len({r.price_max_precision for r in rules}) >= 5
    assert len({r.size_step for r in rules}) >= 5
    pre = [r for r in rules if r.trade_status == "pre-trade"]
    assert 0.02 < len(pre) / len(rules) < 0.04
    assert all(r.symbol not in ("BTC_USDT", "ETH_USDT") for r in pre)
    assert any(r.price_min_precision < 0 for r in rules)
    for r in rules:
        assert r.min_size == r.size_step and r.max_size > r.min_size
        assert r.price_min_precision <= r.price_max_precision
        assert 0 <= r.price_max_precision <= 8
        assert r.ref_price > 0 and r.ref_price % r.tick == 0
        assert r.ref_price / r.tick >= 100  # enough ticks around the mid
    assert generate_symbols(1, 50) == rules[:50]
    assert generate_symbols(2, 50) != rules[:50]


def _fingerprint(ex: Exchange) -> tuple:
    return (
        [(o.order_id, o.symbol, o.side, o.type, o.price, o.size, o.notional, o.filled_size, o.state)
         for o in ex.all_orders()],
        {s: ex.depth(s) for s in ex.engine.books},
        {s: [(t.price, t.size, t.time_ms) for t in ex.public_trades(s, 1000)] for s in ex.engine.books},
        ex.candles("BTC_USDT", 1, limit=200),
    )


def test_same_seed_same_state() -> None:
    def run(seed: int) -> tuple:
        clock = ManualClock(1_700_000_000_000)
        ex = Exchange(seed=seed, pairs=25, clock=clock)
        for _ in range(100):
            clock.advance(1000)
            ex.step_agents(20)
        return _fingerprint(ex)

    a, b = run(7), run(7)
    assert a == b
    assert run(8) != a


def test_construction_books_two_sided() -> None:
    ex = Exchange(seed=1, pairs=20, clock=ManualClock())
    for sym, r in ex.rules.items():
        bids, asks = ex.depth(sym)
        if r.trading:
            assert bids and asks and bids[0][0] < asks[0][0], sym
        else:
            assert bids == [] and asks == []
    b, a = ex.depth("BTC_USDT")
    assert len(b) >= 30 and len(a) >= 30
    assert len(ex.depth("BTC_USDT", 5)[0]) == 5
