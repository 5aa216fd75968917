"""Matching, settlement and event emission for all symbols (one ``Engine`` per Exchange).

The Exchange validates and builds an ``Order``; ``Engine.accept`` freezes funds, matches it
with price-time priority and self-trade prevention, settles balances and fees, updates candles
and emits events synchronously, in the order things happen:

accept:  OrderChanged(new) -> BalanceChanged(freeze)
match:   LevelChanged(maker level) -> PublicTrade -> OrderChanged(maker, fill) ->
         OrderChanged(taker, fill) -> BalanceChanged(per account and currency) -> CandleChanged(per step)
finish:  LevelChanged(rest)  or  OrderChanged(canceled) ; BalanceChanged(unfreeze)

A listener may name the event types it wants and refuse the order and balance events of the quiet
(agent) accounts; an event nobody wants is never built (at 1,000 agent-driven pairs the snapshots,
balance events and 13 candle events per trade were most of an order's cost).
"""
from __future__ import annotations

from decimal import ROUND_DOWN, Decimal
from typing import Callable, Iterable

from ..core.accounts import Accounts
from ..core.book import Book
from ..core.candles import SymbolMarketData
from ..core.clock import Clock
from ..core.events import (ZERO, BalanceChanged, CandleChanged, Event, Fill, LevelChanged, Order,
                     OrderChanged, PublicTrade)
from ..core.matching import execute, sweep
from .symbols import SymbolRules

DEFAULT_MAKER = Decimal("0.0006")
DEFAULT_TAKER = Decimal("0.0008")
TRADE_ID_BASE = 5_000_000_000_000
Listener = Callable[[Event], None]
KINDS = (LevelChanged, PublicTrade, OrderChanged, BalanceChanged, CandleChanged)
ACCOUNT_KINDS = (OrderChanged, BalanceChanged)


class _Listeners:
    """The registered listeners and, per event type, who gets it (``quiet``: those of a quiet account)."""

    def __init__(self) -> None:
        self.subs: list[tuple[Listener, frozenset[type], bool]] = []
        self.route: dict[type, tuple[Listener, ...]] = {}
        self.route_quiet: dict[type, tuple[Listener, ...]] = {}
        self.quiet_heard = False  # a listener takes the quiet accounts' order or balance events
        self._rebuild()

    def add(self, fn: Listener, kinds: Iterable[type] | None, quiet_accounts: bool) -> None:
        self.subs.append((fn, frozenset(KINDS if kinds is None else kinds), quiet_accounts))
        self._rebuild()

    def remove(self, fn: Listener) -> None:
        found = [i for i, sub in enumerate(self.subs) if sub[0] == fn]
        if not found:
            raise ValueError("not a listener")
        del self.subs[found[0]]
        self._rebuild()

    def _rebuild(self) -> None:
        for kind in KINDS:
            self.route[kind] = tuple(fn for fn, kinds, _ in self.subs if kind in kinds)
            self.route_quiet[kind] = tuple(fn for fn, kinds, quiet in self.subs if kind in kinds and quiet)
        self.quiet_heard = any(self.route_quiet[kind] for kind in ACCOUNT_KINDS)


class Engine:
    """Books, market data, fills and listeners of one exchange."""

    def __init__(self, accounts: Accounts, clock: Clock) -> None:
        self.accounts = accounts
        self.clock = clock
        self.books: dict[str, Book] = {}
        self.market: dict[str, SymbolMarketData] = {}
        self.rules: dict[str, SymbolRules] = {}
        self._listeners = _Listeners()
        self.fills_by_account: dict[str, list[Fill]] = {}
        self.fills_by_order: dict[str, list[Fill]] = {}
        self.fee_overrides: dict[str, tuple[Decimal, Decimal]] = {}
        self.quiet: set[str] = set()  # accounts whose fills are not kept (agents)
        self.on_quiet_done: Callable[[Order], None] | None = None  # told of each quiet order that is over
        self._trade_seq = 0

    # -- plumbing -------------------------------------------------------------------------
    @property
    def listeners(self) -> tuple[Listener, ...]:
        """Every registered listener, in registration order (register with ``listen``)."""
        return tuple(fn for fn, _, _ in self._listeners.subs)

    def listen(self, fn: Listener, kinds: Iterable[type] | None = None, *, quiet_accounts: bool = True) -> None:
        """Call ``fn`` with every event of ``kinds`` (None: all), in order; ``quiet_accounts=False``
        leaves out the order and balance events of the quiet (agent) accounts."""
        self._listeners.add(fn, kinds, quiet_accounts)

    def unlisten(self, fn: Listener) -> None:
        self._listeners.remove(fn)

    def emit(self, ev: Event) -> None:
        for listener in self._listeners.route[type(ev)]:
            listener(ev)

    def _account_route(self, kind: type, account_id: str) -> tuple[Listener, ...]:
        listeners = self._listeners
        return (listeners.route if account_id not in self.quiet else listeners.route_quiet)[kind]

    def _balance(self, account_id: str, currency: str, now: int) -> None:
        route = self._account_route(BalanceChanged, account_id)
        if route:
            a, f = self.accounts.get(account_id, currency)
            ev = BalanceChanged(account_id, currency, a, f, "TRANSACTION_COMPLETED", now)
            for listener in route:
                listener(ev)

    def _order_event(self, order: Order, fill: Fill | None = None) -> None:
        route = self._account_route(OrderChanged, order.account_id)
        if route:
            ev = OrderChanged(order.snapshot(), fill)
            for listener in route:
                listener(ev)

    def fee_rates(self, account_id: str) -> tuple[Decimal, Decimal]:
        return self.fee_overrides.get(account_id, (DEFAULT_MAKER, DEFAULT_TAKER))

    @staticmethod
    def frozen_currency(order: Order, rules: SymbolRules) -> str:
        return rules.quote if order.side == "buy" else rules.base

    # -- entry points ---------------------------------------------------------------------
    def accept(self, order: Order, amount: Decimal, *, post_only_cancel: bool = False) -> None:
        """Freeze ``amount`` (raises 50020 first), announce, then match/rest/cancel ``order``."""
        rules = self.rules[order.symbol]
        cur = rules.quote if order.side == "buy" else rules.base  # frozen_currency, inline: every order
        self.accounts.freeze(order.account_id, cur, amount)
        order.frozen = amount
        now = order.create_time_ms
        if self._listeners.subs and (self._listeners.quiet_heard or order.account_id not in self.quiet):
            self._order_event(order)
            self._balance(order.account_id, cur, now)
        if post_only_cancel:
            self._finish(order, "system", now)
            return
        self._match(order, rules, now)

    def cancel(self, order: Order, source: str, now: int) -> None:
        """Take a resting order out of the book and release its funds."""
        book = self.books[order.symbol]
        side = book.side_for(order.side)
        total = side.remove(order, order.remaining)
        if self._listeners.subs:
            self.emit(LevelChanged(order.symbol, side.name, order.price, total, now))  # type: ignore[arg-type]
        self._finish(order, source, now)

    # -- matching -------------------------------------------------------------------------
    def _match(self, order: Order, rules: SymbolRules, now: int) -> None:
        book = self.books[order.symbol]
        limit = order.price if order.type != "market" else None
        if limit is not None and not book.crosses(order.side, limit):
            # nothing to trade against (most orders at 1,000 agent-driven pairs): no walk to set up
            if order.type == "ioc":
                self._finish(order, "system", now)
            else:
                self._rest(book, order, rules, now)
            return
        by_notional = order.type == "market" and order.side == "buy"
        step = rules.size_step

        def qty_at(maker: Order, price: Decimal) -> Decimal:
            if not by_notional:
                return min(maker.remaining, order.remaining)
            left = order.notional - order.filled_notional  # type: ignore[operator]
            qty = min(maker.remaining, (left / price).quantize(step, rounding=ROUND_DOWN))
            if qty * price > left:  # guard against a quotient rounded up past a step
                qty -= step
            return qty

        stp_stop = sweep(book, order, limit, qty_at,
                         lambda maker, price, qty: self._trade(book, maker, order, price, qty, rules, now),
                         lambda maker: self.cancel(maker, "stp", now))
        if stp_stop:
            self._finish(order, "stp", now)
        elif by_notional or order.type in ("market", "ioc"):
            if order.remaining == 0 and not by_notional:
                self._release(order, rules, now)
            else:
                self._finish(order, "system", now)
        elif order.remaining == 0:
            self._release(order, rules, now)
        else:
            self._rest(book, order, rules, now)

    def _rest(self, book: Book, order: Order, rules: SymbolRules, now: int) -> None:
        if order.side == "buy":
            need = order.price * order.remaining  # type: ignore[operator]
            excess = order.frozen - need
            if excess > 0:
                order.frozen = need
                self.accounts.unfreeze(order.account_id, rules.quote, excess)
                if self._listeners.subs:
                    self._balance(order.account_id, rules.quote, now)
        side = book.side_for(order.side)
        total = side.add(order)
        if self._listeners.subs:
            self.emit(LevelChanged(order.symbol, side.name, order.price, total, now))  # type: ignore[arg-type]

    def _release(self, order: Order, rules: SymbolRules, now: int) -> None:
        """Give back whatever is still frozen for a finished order."""
        if order.frozen > 0:
            cur = self.frozen_currency(order, rules)
            self.accounts.unfreeze(order.account_id, cur, order.frozen)
            order.frozen = ZERO
            if self._listeners.subs:
                self._balance(order.account_id, cur, now)

    def _finish(self, order: Order, source: str, now: int) -> None:
        """Cancel the unfilled rest of ``order`` (not in the book any more)."""
        order.state = "partially_canceled" if order.filled_size > 0 else "canceled"
        order.cancel_source = source
        order.update_time_ms = now
        if self.on_quiet_done is not None and order.account_id in self.quiet:
            self.on_quiet_done(order)
        if self._listeners.subs:
            self._order_event(order)
        self._release(order, self.rules[order.symbol], now)

    def _trade(self, book: Book, maker: Order, taker: Order, price: Decimal, qty: Decimal,
               rules: SymbolRules, now: int) -> None:
        notional = price * qty
        opp = book.opposite(taker.side)
        total = execute(opp, maker, taker, price, qty, now)
        done = self.on_quiet_done
        if done is not None:  # an order is over here when it is filled (the only other end is _finish)
            if maker.state == "filled" and maker.account_id in self.quiet:
                done(maker)
            if taker.state == "filled" and taker.account_id in self.quiet:
                done(taker)
        self._trade_seq += 1
        trade_id = str(TRADE_ID_BASE + self._trade_seq)
        fills = [self._settle(maker, "maker", trade_id, price, qty, notional, rules, now),
                 self._settle(taker, "taker", trade_id, price, qty, notional, rules, now)]
        trade = PublicTrade(taker.symbol, price, qty, taker.side, now)
        candles = self._listeners.route[CandleChanged]
        md = self.market[taker.symbol]
        changed = None
        if candles:
            changed = md.add_trade(trade)
        else:
            md.record(trade)
        if not self._listeners.subs:
            return
        self.emit(LevelChanged(taker.symbol, opp.name, price, total, now))
        self.emit(trade)
        quiet = self.quiet  # agent-only trades: nobody takes their order or balance events
        if self._listeners.quiet_heard or maker.account_id not in quiet or taker.account_id not in quiet:
            self._order_event(maker, fills[0])
            self._order_event(taker, fills[1])
            seen: set[tuple[str, str]] = set()
            for o in (maker, taker):
                if not self._account_route(BalanceChanged, o.account_id):
                    continue
                for cur in (rules.base, rules.quote):
                    if (o.account_id, cur) not in seen:
                        seen.add((o.account_id, cur))
                        self._balance(o.account_id, cur, now)
        if changed:
            for step, candle in changed:
                ev = CandleChanged(taker.symbol, step, candle)
                for listener in candles:
                    listener(ev)

    def _settle(self, o: Order, role: str, trade_id: str, price: Decimal, qty: Decimal,
                notional: Decimal, rules: SymbolRules, now: int) -> Fill | None:
        """Move funds for one side of a trade; the fee is charged in the currency received.

        The Fill is kept for the account's queries; a quiet (agent) account's is only built when a
        listener takes the quiet accounts' order events (None otherwise)."""
        maker_rate, taker_rate = self.fee_rates(o.account_id)
        rate = maker_rate if role == "maker" else taker_rate
        acc = self.accounts
        if o.side == "buy":
            acc.spend_frozen(o.account_id, rules.quote, notional)
            o.frozen -= notional
            fee, fee_cur = qty * rate, rules.base
            acc.credit(o.account_id, rules.base, qty, fee)
        else:
            acc.spend_frozen(o.account_id, rules.base, qty)
            o.frozen -= qty
            fee, fee_cur = notional * rate, rules.quote
            acc.credit(o.account_id, rules.quote, notional, fee)
        quiet = o.account_id in self.quiet
        if quiet and not self._listeners.route_quiet[OrderChanged]:
            return None
        fill = Fill(trade_id, o.order_id, o.client_order_id, o.account_id, o.symbol, o.side, o.type,
                    price, qty, notional, fee, fee_cur, role, now)
        if not quiet:
            self.fills_by_account.setdefault(o.account_id, []).append(fill)
            self.fills_by_order.setdefault(o.order_id, []).append(fill)
        return fill
