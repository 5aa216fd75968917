"""Seeded background traders: makers keep books two-sided around a drifting mid, takers cross.

Agents trade through ``Exchange.submit_agent_order``/``cancel_order`` with their own unlimited
accounts. Every random choice comes from ``random.Random`` seeded by the exchange seed, so
the same seed and the same sequence of calls give the same state. The agents act on the
symbols materialized so far (the eager ones at construction, then those users touch).
"""
from __future__ import annotations

import random
from decimal import ROUND_UP, Decimal
from typing import TYPE_CHECKING

from ..core.errors import ExchangeError
from ..core.events import OPEN_STATES, Order, PublicTrade
from ..core.history import minute_trades, walk
from .symbols import SymbolRules

if TYPE_CHECKING:
    from .exchange import Exchange

MAKER = "agent-maker"
TAKER = "agent-taker"
HISTORY_MINUTES_BTC = 720
HISTORY_MINUTES = 90


class _SymbolState:
    __slots__ = ("mid", "gap", "levels", "floor", "orders")

    def __init__(self, mid: Decimal, gap: Decimal, levels: int, floor: Decimal) -> None:
        self.mid = mid
        self.gap = gap  # distance between agent levels, a multiple of the tick
        self.levels = levels
        self.floor = floor  # the larger of the symbol's two minimum notionals
        self.orders: list[Order] = []  # resting agent orders, unordered (finished ones dropped lazily)


class Agents:
    """The population of market agents of one exchange."""

    def __init__(self, exchange: "Exchange", seed: int) -> None:
        self.ex = exchange
        self.seed = seed
        self.rng = random.Random(seed * 7919 + 17)
        self.state: dict[str, _SymbolState] = {}
        self.symbols: list[str] = []
        self._order: list[str] = []  # the order symbols act in, one round after another
        self._at = 0  # the next symbol's index in ``_order``
        for acct in (MAKER, TAKER):
            exchange.accounts.ensure(acct)
            exchange.accounts.unlimited.add(acct)
            exchange.engine.quiet.add(acct)

    # -- helpers --------------------------------------------------------------------------
    @staticmethod
    def _gap(rules: SymbolRules) -> Decimal:
        ticks = max(1, int(rules.ref_price * Decimal("0.0001") / rules.tick))
        return rules.tick * ticks

    @staticmethod
    def _floor(rules: SymbolRules) -> Decimal:
        """The larger of the symbol's two minimum notionals."""
        return max(rules.min_buy_amount, rules.min_sell_amount)

    @staticmethod
    def _size(rng: random.Random, rules: SymbolRules, price: Decimal, floor: Decimal) -> Decimal:
        """A size on the step grid worth between 1.2x and 40x the min notional ``floor``."""
        target = floor * (12 + int(rng.random() * 389)) / 10
        size = (target / price).quantize(rules.size_step, rounding=ROUND_UP)
        return min(max(size, rules.min_size), rules.max_size)

    def _place(self, st: _SymbolState, rules: SymbolRules, side: str, price: Decimal) -> None:
        """Rest a maker order at ``price``, or one gap outside the opposite best where it would cross
        (the book moved away from the agents' mid): a maker never takes, and its action still quotes."""
        book = self.ex.engine.books[rules.symbol]
        if book.crosses(side, price):
            best = book.opposite(side).best_price()
            assert best is not None
            price = best - st.gap if side == "buy" else best + st.gap
        if price <= 0:
            return
        size = self._size(self.rng, rules, price, st.floor)
        if price * size < st.floor:
            return
        try:
            order = self.ex.submit_agent_order(MAKER, rules.symbol, side, "limit", size=size, price=price)
        except ExchangeError:
            return
        if order.is_open:
            st.orders.append(order)

    # -- construction-time work -----------------------------------------------------------
    def history(self, rules: SymbolRules, now_ms: int) -> list[PublicTrade]:
        """A deterministic past trade history ending at ``ref_price`` in the minute before ``now_ms``."""
        rng = random.Random(self.seed * 1_000_003 + rules.symbol_id)
        btc = rules.symbol == "BTC_USDT"
        minutes = HISTORY_MINUTES_BTC if btc else HISTORY_MINUTES
        gap, floor = self._gap(rules), self._floor(rules)
        prices = walk(rng, rules.ref_price, gap, rules.tick, minutes)
        return minute_trades(rng, rules.symbol, prices, now_ms // 60_000 - minutes, gap, (1, 3) if btc else (0, 2),
                             lambda px: self._size(rng, rules, px, floor), now_ms)

    def populate(self, symbol: str) -> None:
        """Put the maker's ladder on both sides of a freshly materialized symbol."""
        rules = self.ex.rules[symbol]
        levels = 40 if symbol == "BTC_USDT" else 15
        st = self.state[symbol] = _SymbolState(rules.ref_price, self._gap(rules), levels, self._floor(rules))
        self.symbols.append(symbol)
        for k in range(1, levels + 1):
            self._place(st, rules, "buy", st.mid - st.gap * k)
            self._place(st, rules, "sell", st.mid + st.gap * k)

    # -- live actions ---------------------------------------------------------------------
    def step(self, n: int) -> None:
        """Perform ``n`` agent actions."""
        rng = self.rng
        # BTC_USDT gets 30% of the actions, but never more than 30 other symbols' share (1,000 pairs)
        btc_share = 0.3 if len(self.symbols) <= 100 else 30 / len(self.symbols)
        btc = "BTC_USDT" in self.state
        state, rules_of = self.state, self.ex.rules
        for _ in range(n):
            if not self.symbols:
                return
            if btc and rng.random() < btc_share:
                symbol = "BTC_USDT"
            else:
                symbol = self._next_symbol()
            st = state[symbol]
            rules = rules_of[symbol]
            r = rng.random()
            if r < 0.08:
                self._drift(st, rules)
                self._make(st, rules)  # a drift alone changes no book: quote at the new mid as well
            elif r < 0.50:
                self._make(st, rules)
            elif r < 0.80:
                self._cancel(st, rules)
            else:
                self._take(st, rules)

    def _next_symbol(self) -> str:
        """Every symbol acts once per round, always in the same (seeded, shuffled) order.

        So a symbol's actions come exactly one round apart: at 1,000 pairs and up to 20,000 actions a
        second a round is longer than a depth batch (50 ms), so nearly every action of a symbol lands
        in its own batch and becomes a version of its own. The order is reshuffled when symbols join.
        """
        if len(self._order) != len(self.symbols):
            self._order = self.symbols[:]
            self.rng.shuffle(self._order)
            self._at = 0
        if self._at >= len(self._order):
            self._at = 0
        symbol = self._order[self._at]
        self._at += 1
        return symbol

    def _drift(self, st: _SymbolState, rules: SymbolRules) -> None:
        mid = st.mid + st.gap if self.rng.random() < 0.5 else st.mid - st.gap
        lo, hi = rules.ref_price / 2, rules.ref_price * 2
        if lo < mid < hi and mid > st.gap * (st.levels + 1):
            st.mid = mid

    def _make(self, st: _SymbolState, rules: SymbolRules) -> None:
        """Quote near the mid when the inside is thin, extend the ladder when it is short."""
        book = self.ex.engine.books[rules.symbol]
        side = "buy" if self.rng.random() < 0.5 else "sell"
        bs = book.side_for(side)
        sign = -1 if side == "buy" else 1
        best = bs.best_price()
        if best is None or abs(st.mid - best) > st.gap * 2:
            price = st.mid + sign * st.gap
        elif len(bs) < st.levels:
            price = bs.worst_price() + sign * st.gap  # type: ignore[operator]
        else:
            price = st.mid + sign * st.gap * (1 + int(self.rng.random() * st.levels))
        self._place(st, rules, side, price)

    def _cancel(self, st: _SymbolState, rules: SymbolRules) -> None:
        """Cancel a resting agent order, unless that thins the ladder: then quote instead."""
        book = self.ex.engine.books[rules.symbol]
        resting = book.bids.count + book.asks.count  # the agents' orders (and the few a user rests)
        if not resting or (resting < 2 * st.levels * 2 and self.rng.random() < 0.5):
            self._make(st, rules)
            return
        if len(st.orders) > 2 * resting + 64:  # fills outran the picks: drop the finished ones at once
            st.orders = [o for o in st.orders if o.state in OPEN_STATES]
        at = self._pick_live(st.orders)
        if at < 0:
            self._make(st, rules)
            return
        order = st.orders[at]
        side = book.side_for(order.side)
        if len(side) <= st.levels and side.totals.get(order.price, 0) == order.remaining:  # type: ignore[arg-type]
            self._make(st, rules)  # keep the ladder deep enough
            return
        self.ex.cancel_order(order.account_id, rules.symbol, order_id=order.order_id)
        _drop_at(st.orders, at)

    def _pick_live(self, orders: list[Order]) -> int:
        """The index of a random open order of ``orders`` (-1: none), dropping the finished ones it meets.

        Finished orders leave the list when a pick meets them, not by a pass over it on every cancel (at
        1,000 pairs that pass was a tenth of a cancel's cost); it stays uniform over the open ones.
        """
        rng = self.rng
        while orders:
            at = int(rng.random() * len(orders))
            if orders[at].state in OPEN_STATES:
                return at
            _drop_at(orders, at)
        return -1

    def _take(self, st: _SymbolState, rules: SymbolRules) -> None:
        rng = self.rng
        side = "buy" if rng.random() < 0.5 else "sell"
        opp = self.ex.engine.books[rules.symbol].opposite(side)
        best = opp.best_price()
        if best is None or len(opp) < 4:
            return  # never sweep a thin side
        near = sum((q for _, q in opp.top(3)), Decimal(0))
        size = min(self._size(rng, rules, best, st.floor), near)
        kind = rng.random()
        try:
            if kind < 0.3:
                if side == "buy":
                    notional = (best * size).quantize(Decimal("0.01"), rounding=ROUND_UP)
                    if rules.quote != "USDT":
                        notional = (best * size).quantize(Decimal("0.00000001"), rounding=ROUND_UP)
                    self.ex.submit_agent_order(TAKER, rules.symbol, side, "market", notional=notional)
                else:
                    self.ex.submit_agent_order(TAKER, rules.symbol, side, "market", size=size)
            else:
                sign = 1 if side == "buy" else -1
                price = best + sign * st.gap * int(rng.random() * 3)
                if price <= 0:
                    return
                order = self.ex.submit_agent_order(TAKER, rules.symbol, side, "ioc" if kind < 0.7 else "limit",
                                                   size=size, price=price)
                if order.is_open:
                    st.orders.append(order)  # a resting taker rest may be cancelled later
        except ExchangeError:
            return


def _drop_at(items: list[Order], at: int) -> None:
    """Remove ``items[at]`` in O(1) (the last item takes its place: the list's order does not matter)."""
    last = items.pop()
    if at < len(items):
        items[at] = last
