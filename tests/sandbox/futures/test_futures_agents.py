"""The futures venue's background agents keep books two-sided and trading, by the venue's own rules."""
from __future__ import annotations

from bitmart_plugin.sandbox.core.events import PublicTrade
from bitmart_plugin.sandbox.futures.agents import MAKER, TAKER, FuturesAgents

from .helpers import venue


def _trades(v) -> list:
    seen: list = []
    v.engine.listeners.append(lambda ev: seen.append(ev) if isinstance(ev, PublicTrade) else None)
    return seen


def test_agents_quote_both_sides_around_the_index_and_trade() -> None:
    v = venue()
    trades = _trades(v)
    agents = FuturesAgents(v, seed=3)
    for symbol in agents.symbols:
        book = v.engine.books[symbol]
        bid, ask = book.bids.best_price(), book.asks.best_price()
        assert bid is not None and ask is not None and bid < v.marks.index[symbol] < ask
    agents.step(2000)
    assert len(trades) > 50
    assert {t.symbol for t in trades} >= {"BTCUSDT"}
    for symbol in agents.symbols:
        book = v.engine.books[symbol]
        assert book.bids.best_price() is not None and book.asks.best_price() is not None, symbol


def test_agents_keep_the_money_identity_and_never_get_liquidated() -> None:
    v = venue()
    agents = FuturesAgents(v, seed=5)
    for _ in range(20):
        agents.step(200)
        assert v.tick() == []
    for account in (MAKER, TAKER):
        assert v.accounts.discrepancy(account) == 0
    assert any(p.hold_volume for p in v.accounts.of(TAKER))


def test_the_same_seed_gives_the_same_venue() -> None:
    def run() -> list[tuple]:
        v = venue()
        trades = _trades(v)
        FuturesAgents(v, seed=9).step(500)
        return [(t.symbol, t.price, t.size) for t in trades]
    assert run() == run()


def test_a_long_running_venue_keeps_only_the_agents_open_orders() -> None:
    v = venue("user")
    v.submit_order("user", "BTCUSDT", 1, 1, type="limit", price="1000", mode=1)
    agents = FuturesAgents(v, seed=4)
    agents.step(6000)
    agent_orders = [o for o in v.engine.orders.values() if o.account_id != "user"]
    assert len(agent_orders) < 2 * 2000
    assert [o.account_id for o in v.engine.orders.values()].count("user") == 1
    assert all(row.account_id == "user" for row in v.accounts.ledger)
    assert v.accounts.discrepancy(MAKER) == 0
