"""The paper engine: our orders, their fills and events, driven by venue-timestamped book views and trades.

Synchronous and deterministic: every method takes the venue time it happens at and returns the
OrderEvents and BalanceEvents it causes, in order. Latencies and stream merging live outside
(see merge.Timeline and session.PaperSession).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from host_spec.errors import InvalidOrder, OrderNotFound
from host_spec.models import (
    FeeRates,
    Fill,
    Order,
    OrderBookView,
    OrderEvent,
    OrderEventKind,
    OrderRequest,
    OrderState,
    OrderType,
    PublicTrade,
    Side,
    TimeInForce,
    TradingPair,
    TradingRule,
    UserEvent,
)
from host_spec.paper.balances import Wallet
from host_spec.paper.matching import (
    MakerSlot,
    PairBook,
    book_side_of,
    crossing_fill,
    level_size,
    maker_trade_fills,
    requeue,
    walk,
)
from host_spec.paper.queue import DEFAULT_K, QueueModel
from host_spec.rules import check_order, rule_for

__all__ = ["FOK_REASON", "POST_ONLY_REASON", "Event", "PaperEngine", "Working"]

ZERO = Decimal(0)
POST_ONLY_REASON = "post-only order would have crossed"
FOK_REASON = "fill-or-kill order could not fill completely"
#: what the engine emits: order and balance events (the perpetual engine adds position and funding events)
Event = UserEvent


@dataclass
class Working:
    """One of our orders inside the engine."""

    order: Order
    rule: TradingRule
    slot: MakerSlot
    frozen_asset: str
    frozen_left: Decimal
    quote_left: Decimal | None = None
    arrived: bool = False
    first_fill_ms: int | None = None
    needs_queue: bool = False
    time_in_force: TimeInForce | None = None
    #: a contract order's position legs (what it closes and opens; see paper.perp.ledger); None on spot
    legs: Any = None


class PaperEngine:
    """Our orders on every pair, the paper wallet and the fills, as the venue's public data dictates."""

    def __init__(self, connector: str, rules: Mapping[TradingPair, TradingRule],
                 fees: Callable[[TradingPair], FeeRates], wallet: Wallet, *,
                 order_types: tuple[OrderType, ...] = (OrderType.LIMIT, OrderType.LIMIT_MAKER, OrderType.MARKET),
                 model: QueueModel = QueueModel.DEFAULT, k: float = DEFAULT_K, venue_cancels_post_only: bool = True,
                 shadow: bool = False) -> None:
        self.connector = connector
        self.rules = dict(rules)
        self.fees = fees
        self.wallet = wallet
        self.order_types = order_types
        self.model = model
        self.k = k
        self.venue_cancels_post_only = venue_cancels_post_only
        self.shadow = shadow  # the public data already contains a live twin of each of our orders
        self.books: dict[TradingPair, PairBook] = {}
        self.orders: dict[str, Working] = {}
        self.fills: list[Fill] = []
        #: the highest order number handed out (auto client ids `paper%08d`, exchange ids `P%d`), failed
        #: submits included: a restored account continues after it (see PaperStore)
        self.last_id = 0
        self._fill_ids = itertools.count(1)

    # -- our requests ----------------------------------------------------------------------------
    def book(self, pair: TradingPair) -> PairBook:
        return self.books.setdefault(pair, PairBook())

    def submit(self, request: OrderRequest, ts: int) -> tuple[Order, list[Event]]:
        """Check the rules and funds and hold what the order needs; the order reaches the venue later via `arrive`."""
        rule = rule_for(self.rules, request.pair, connector=self.connector)
        check_order(request, rule, order_types=self.order_types, connector=self.connector)
        n = self.last_id = self.last_id + 1
        cid = request.client_order_id
        if cid is None:
            while f"paper{n:08d}" in self.orders:  # a caller chose that id for an earlier order: skip it
                n = self.last_id = n + 1
            cid = f"paper{n:08d}"
        elif cid in self.orders:
            raise InvalidOrder(f"client order id {cid!r} was already used", rule="client_order_id", connector=self.connector)
        price = None if request.order_type is OrderType.MARKET else request.price
        order = Order(cid, f"P{n}", request.pair, request.side, request.order_type, price, request.amount,
                      OrderState.PENDING_CREATE, quote_amount=request.quote_amount, created_ms=ts, updated_ms=ts)
        slot = MakerSlot(cid, book_side_of(request.side), price or ZERO, request.amount or ZERO, ZERO, n)
        w = Working(order, rule, slot, request.pair.quote, ZERO, time_in_force=request.time_in_force)
        events = self._hold(w, request, ts)
        self.orders[cid] = w
        return order, events

    def _hold(self, w: Working, request: OrderRequest, ts: int) -> list[Event]:
        """Freeze what the order may spend (spot: the quote of a buy, the base of a sell)."""
        if request.order_type is OrderType.MARKET and request.side is Side.BUY:
            w.frozen_left = request.quote_amount or ZERO
            w.quote_left = request.quote_amount
        elif request.side is Side.BUY:
            w.frozen_left = (request.price or ZERO) * (request.amount or ZERO)
        else:
            w.frozen_asset, w.frozen_left = request.pair.base, request.amount or ZERO
        return list(self.wallet.freeze(w.frozen_asset, w.frozen_left, ts))

    def arrive(self, cid: str, ts: int, peek: tuple[OrderBookView | None, list[PublicTrade]] | None = None) -> list[Event]:
        """The order reaches the venue: take what crosses, then rest, cancel the rest, or (post-only) fail.

        What crosses is decided against the book as it stood at `ts` (PairBook.at_arrival): the last view
        less the trades since, or, given a look-ahead `peek` (merge.Timeline), the first view stamped at or
        after `ts` with the trades from `ts` to it added back. A resting remainder joins the queue behind
        the size shown at its price at `ts` (last view less the trades at that price since).
        """
        w = self.orders[cid]
        if w.arrived or w.order.state.is_done:
            return []
        w.arrived = True
        o = w.order
        book = self.book(o.pair)
        seen = book.at_arrival(peek, ts)
        w.order = replace(o, state=OrderState.OPEN, updated_ms=ts)
        events: list[Event] = [OrderEvent(OrderEventKind.CREATED, w.order)]
        if o.order_type is OrderType.LIMIT_MAKER:
            opp = "ask" if o.side is Side.BUY else "bid"
            best = seen.best(opp)
            assert o.price is not None
            if best is not None and (best <= o.price if o.side is Side.BUY else best >= o.price):
                if self.venue_cancels_post_only:
                    return events + self._finish(w, OrderState.FAILED, ts, POST_ONLY_REASON)
            return events + self._rest(w, book, seen)
        takes = walk(seen, o.side, o.price, None if w.quote_left is not None else w.slot.remaining, w.quote_left,
                     w.rule.size_increment)
        if w.time_in_force is TimeInForce.FOK and sum((q for _, q in takes), ZERO) < w.slot.remaining:
            return events + self._finish(w, OrderState.CANCELED, ts, FOK_REASON)
        for price, qty in takes:
            if not self.shadow:  # with a live twin the public data itself shows this liquidity go
                book.take("ask" if o.side is Side.BUY else "bid", price, qty)
            events += self._fill(w, price, qty, False, ts)
        if w.order.state.is_done:
            return events
        if o.order_type is OrderType.LIMIT and w.time_in_force not in (TimeInForce.IOC, TimeInForce.FOK):
            return events + self._rest(w, book, seen)
        return events + self._finish(w, OrderState.CANCELED, ts, "no more liquidity within the order's limits")

    def cancel(self, cid: str, ts: int, reason: str = "cancelled on request") -> list[Event]:
        """Our cancel reaches the venue; an order already done is left as it is."""
        w = self.orders.get(cid)
        if w is None:
            raise OrderNotFound(f"no paper order {cid}", connector=self.connector)
        if w.order.state.is_done:
            return []
        return self._finish(w, OrderState.CANCELED, ts, reason)

    # -- the venue's public data -----------------------------------------------------------------
    def on_trade(self, trade: PublicTrade) -> list[Event]:
        book = self.book(trade.pair)
        book.on_trade(trade)
        resting = self._resting(trade.pair)
        events: list[Event] = []
        by_key = {w.slot.key: w for w in resting}
        for slot, qty in maker_trade_fills([w.slot for w in resting], trade, self.shadow):
            slot.remaining += qty  # _fill takes it off again
            events += self._fill(by_key[slot.key], slot.price, qty, True, trade.timestamp_ms)
        return events

    def on_view(self, view: OrderBookView) -> list[Event]:
        book = self.book(view.pair)
        old, known, explained = book.apply_view(view)
        events: list[Event] = []
        for w in self._resting(view.pair):
            s = w.slot
            if w.needs_queue:  # restored from the store: rejoin at the back of the queue
                w.needs_queue = False
                s.ahead = book.size_at(s.side, s.price) or ZERO
                s.mark_view()
                continue
            before = level_size(old[s.side], s.side, s.price, known)
            now = book.size_at(s.side, s.price)
            owed = requeue(s, before, now, explained.get((s.side, s.price), ZERO), self.model, self.k, self.shadow)
            if self.shadow and now is not None and s.remaining - owed > now:
                # the level shows less than we have left, and our twin is in it: the twin filled more (a
                # cancellation ahead came before a trade we split differently); that is a fact, not a model
                owed, s.ahead = s.remaining - now, ZERO
            s.mark_view()
            s.in_view = True
            owed = min(owed, s.remaining)
            if owed > 0:  # what the queue owes us (see requeue and the shadow check above); _fill takes it off
                events += self._fill(w, s.price, owed, True, view.timestamp_ms)
            if self.shadow:  # the twin rests at our price on the venue: what crosses it trades, and the trade fills us
                continue
            for _, qty in crossing_fill(book, s):
                s.remaining += qty
                events += self._fill(w, s.price, qty, True, view.timestamp_ms)
        return events

    def restore_counters(self, last_id: int, fills: int) -> None:
        """Continue order and fill numbering after a restore: after order number `last_id` and fill `fills`."""
        self.last_id = max(self.last_id, last_id)
        self._fill_ids = itertools.count(fills + 1)

    # -- internals -------------------------------------------------------------------------------
    def _resting(self, pair: TradingPair) -> list[Working]:
        return [w for w in self.orders.values()
                if w.arrived and w.order.pair == pair and not w.order.state.is_done and w.order.price is not None]

    def _rest(self, w: Working, book: PairBook, seen: PairBook) -> list[Event]:
        """Join the queue at our price behind the size shown there now (less what traded there since the view).

        `front`, the optimistic bound, takes the smaller of that and the size the arrival's look-ahead
        book (`seen`) shows there (without our live twin in shadow mode): a cancellation between the last
        view and our arrival shortens the queue we join."""
        assert w.order.price is not None
        side, price = w.slot.side, w.order.price
        shown = book.size_at(side, price) or ZERO
        w.slot.ahead = max(ZERO, shown - book.traded.get((side, price), ZERO))
        if self.model is QueueModel.FRONT and seen.view is not book.view:
            later = max(ZERO, (seen.size_at(side, price) or ZERO) - (w.slot.remaining if self.shadow else ZERO))
            w.slot.ahead = min(w.slot.ahead, later)
        w.slot.mark_view(ahead_at_view=shown)  # trades since the view advance us as they would have
        return []

    def _fill(self, w: Working, price: Decimal, qty: Decimal, is_maker: bool, ts: int) -> list[Event]:
        o = w.order
        w.slot.remaining -= qty
        fee, fee_asset, pnl, money = self._pay(w, price, qty, is_maker, ts)
        fill = Fill(f"pt{next(self._fill_ids)}", o.client_order_id, o.exchange_order_id or "", o.pair, o.side, price, qty,
                    fee, fee_asset, is_maker, ts, realized_pnl=pnl)
        self.fills.append(fill)
        w.first_fill_ms = w.first_fill_ms if w.first_fill_ms is not None else ts
        done = self._complete(w)
        state = OrderState.FILLED if done else OrderState.PARTIALLY_FILLED
        w.order = replace(o, state=state, filled_amount=o.filled_amount + qty, filled_quote=o.filled_quote + price * qty,
                          updated_ms=ts)
        kind = OrderEventKind.FILLED if done else OrderEventKind.PARTIALLY_FILLED
        events: list[Event] = [OrderEvent(kind, w.order, fill), *money]
        if done:
            events += self._unhold(w, ts)
        return events

    def _pay(self, w: Working, price: Decimal, qty: Decimal, is_maker: bool,
             ts: int) -> tuple[Decimal, str, Decimal | None, list[Event]]:
        """Move the money of one fill: (fee, fee asset, realized PnL or None, the events it causes)."""
        pair, notional, rates = w.order.pair, price * qty, self.fees(w.order.pair)
        if w.order.side is Side.BUY:
            fee = self.wallet.fee(rates, is_maker, qty)
            w.frozen_left -= notional
            if w.quote_left is not None:
                w.quote_left -= notional
            return fee, pair.base, None, list(self.wallet.settle(pair.quote, notional, pair.base, qty, fee, ts))
        fee = self.wallet.fee(rates, is_maker, notional)
        w.frozen_left -= qty
        return fee, pair.quote, None, list(self.wallet.settle(pair.base, qty, pair.quote, notional, fee, ts))

    def _unhold(self, w: Working, ts: int) -> list[Event]:
        """The order is done: give back what it still holds."""
        events: list[Event] = list(self.wallet.release(w.frozen_asset, w.frozen_left, ts))
        w.frozen_left = ZERO
        return events

    def _complete(self, w: Working) -> bool:
        if w.quote_left is not None:  # a market buy by quote: done once another step cannot be afforded
            best = self.book(w.order.pair).best("ask")
            return best is None or w.quote_left < best * w.rule.size_increment
        return w.slot.remaining <= 0

    def _finish(self, w: Working, state: OrderState, ts: int, reason: str) -> list[Event]:
        kind = OrderEventKind.CANCELED if state is OrderState.CANCELED else OrderEventKind.FAILED
        if state is OrderState.CANCELED and w.quote_left is not None and w.order.filled_amount and self._complete(w):
            state, kind, reason = OrderState.FILLED, OrderEventKind.FILLED, ""
        w.order = replace(w.order, state=state, reason=reason, updated_ms=ts)
        return [OrderEvent(kind, w.order), *self._unhold(w, ts)]
