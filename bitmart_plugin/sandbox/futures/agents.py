"""Seeded background traders for the futures venue: makers quote around the index, takers cross.

They trade through ``FuturesVenue.submit_order``/``cancel_order`` like any account, in one-way mode
with a wallet no position can exhaust, so their orders, fills and margin follow the venue's own rules.
Quotes centre on the contract's index (the spot venue's mid where that pair exists), so the futures
book, its trades and its mark move with the spot world. Like the spot agents they first write a
past: a minute-by-minute trade history (``history``) ending at the index in the current minute, so
klines have hours of candles at start and the first live trade continues them. Every random
choice comes from ``random.Random`` seeded by the venue seed (the history from its own generator).
"""
from __future__ import annotations

import random
from decimal import ROUND_DOWN, Decimal
from typing import TYPE_CHECKING

from ..core.errors import ExchangeError
from ..core.events import PublicTrade
from ..core.history import minute_trades, walk
from .contracts import ContractRules

if TYPE_CHECKING:
    from .venue import FuturesVenue

MAKER = "fagent-maker"
TAKER = "fagent-taker"
AGENT_WALLET = Decimal("1000000000000")  # far beyond any position the agents can build
BUY, SELL = 1, 4  # one-way side codes: buy and sell (closing the opposite position first)
LEVELS = 8
FORGET_EVERY = 2000  # agent actions between clean-ups of the agents' finished orders, fills and ledger rows
HISTORY_MINUTES_BTC = 720  # minutes of seeded trade history of BTCUSDT (12 h) ...
HISTORY_MINUTES = 180  # ... and of the other contracts the agents trade (3 h)


class FuturesAgents:
    """The market agents of one futures venue, acting on the trading contracts."""

    def __init__(self, venue: "FuturesVenue", seed: int, contracts: int = 6) -> None:
        self.venue = venue
        self.rng = random.Random(seed * 6151 + 29)
        self.symbols = [c.symbol for c in venue.contract_list if c.trading][:contracts]
        self.resting: dict[str, list[str]] = {s: [] for s in self.symbols}
        self._actions = 0
        self._seed = seed
        for symbol in self.symbols:
            venue.seed_history(self.history(venue.engine.contracts[symbol], venue.clock.now_ms()))
        for account in (MAKER, TAKER):
            venue.fund(account, AGENT_WALLET)
            venue.set_position_mode(account, "one_way_mode")
        for symbol in self.symbols:
            rules = venue.engine.contracts[symbol]
            for account in (MAKER, TAKER):
                venue.set_leverage(account, symbol, min(10, rules.max_leverage), "cross")
            for k in range(1, LEVELS + 1):
                self._quote(rules, BUY, k)
                self._quote(rules, SELL, k)

    def _gap(self, rules: ContractRules) -> Decimal:
        """Distance between quote levels: about 2 basis points of the index, on the tick grid."""
        ticks = max(1, int(self.venue.marks.index[rules.symbol] * Decimal("0.0002") / rules.price_tick))
        return rules.price_tick * ticks

    def history(self, rules: ContractRules, now_ms: int) -> list[PublicTrade]:
        """Past trades, oldest first: 1-3 in every minute up to ``now_ms``, the newest minute at the index."""
        rng = random.Random(self._seed * 1_000_033 + self.symbols.index(rules.symbol))
        minutes = HISTORY_MINUTES_BTC if rules.symbol == "BTCUSDT" else HISTORY_MINUTES
        gap = self._gap(rules)
        prices = walk(rng, self.venue.marks.index[rules.symbol], gap, rules.price_tick, minutes)
        return minute_trades(rng, rules.symbol, prices, now_ms // 60_000 - minutes + 1, gap, (1, 3),
                             lambda _px: self._size(rules, rng=rng), now_ms)

    def _size(self, rules: ContractRules, big: bool = False, rng: random.Random | None = None) -> Decimal:
        steps = (rng or self.rng).randint(1, 60 if big else 20)
        size = rules.min_volume + rules.vol_step * steps
        return min(size, rules.market_max_volume).quantize(rules.vol_step, rounding=ROUND_DOWN)

    def _submit(self, account: str, rules: ContractRules, side: int, size: Decimal, **fields: object) -> str | None:
        try:
            return self.venue.submit_order(account, rules.symbol, side, size, **fields).order_id
        except ExchangeError:
            return None  # e.g. an empty side for a market order: the agent simply skips its turn

    def _quote(self, rules: ContractRules, side: int, level: int) -> None:
        index = self.venue.marks.index[rules.symbol]
        centre = (index / rules.price_tick).quantize(Decimal(1)) * rules.price_tick
        offset = self._gap(rules) * level
        price = centre - offset if side == BUY else centre + offset
        if price <= 0:
            return
        oid = self._submit(MAKER, rules, side, self._size(rules), type="limit", price=str(price), mode=1)
        if oid is not None:
            self.resting[rules.symbol].append(oid)

    def step(self, n: int) -> None:
        """Perform ``n`` agent actions (quote, cancel the oldest quote, or take)."""
        for _ in range(n):
            if not self.symbols:
                return
            self._actions += 1
            if self._actions % FORGET_EVERY == 0:
                self.forget_history()
            rng = self.rng
            symbol = self.symbols[0] if rng.random() < 0.4 else rng.choice(self.symbols)
            rules = self.venue.engine.contracts[symbol]
            r = rng.random()
            if r < 0.5:
                self._quote(rules, self._thinner_side(symbol), rng.randint(1, LEVELS))
            elif r < 0.8:
                self._cancel_oldest(symbol)
            else:
                self._take(rules)

    def _take(self, rules: ContractRules) -> None:
        """A market order of at most the best level on its side, so takers never empty a book."""
        side = self.rng.choice((BUY, SELL))
        book = self.venue.engine.books[rules.symbol]
        best = (book.asks if side == BUY else book.bids).top(1)
        if best:
            size = min(self._size(rules, big=True), best[0][1])
            self._submit(TAKER, rules, side, size, type="market")

    def forget_history(self) -> None:
        """Drop the agents' finished orders, fills and ledger rows: a long-running venue stays bounded."""
        engine, agents = self.venue.engine, (MAKER, TAKER)
        for oid in [oid for oid, o in engine.orders.items() if o.account_id in agents and not o.is_open]:
            del engine.orders[oid]
        for account in agents:
            engine.fills.pop(account, None)
        ledger = self.venue.accounts.ledger
        ledger[:] = [row for row in ledger if row.account_id not in agents]

    def _thinner_side(self, symbol: str) -> int:
        """The side with fewer price levels (a random one when even), so a swept side refills first."""
        book = self.venue.engine.books[symbol]
        bids, asks = len(book.bids), len(book.asks)
        if bids == asks:
            return self.rng.choice((BUY, SELL))
        return BUY if bids < asks else SELL

    def _cancel_oldest(self, symbol: str) -> None:
        resting = self.resting[symbol]
        while resting:
            oid = resting.pop(0)
            order = self.venue.engine.orders.get(oid)
            if order is not None and order.is_open:
                try:
                    self.venue.cancel_order(MAKER, order_id=oid)
                except ExchangeError:
                    continue
                return
