"""The paper engine for perpetual contracts: the spot engine's matching (book-driven fills, queues, latency)
with the money of a perpetual account (paper.perp.ledger) instead of a spot wallet.

On top of the spot engine: orders hold margin or position volume, fills move positions and realize PnL,
the mark follows the book's mid (or the venue's mark, fed in by the session), funding settles when the
session says, and positions whose equity falls to maintenance are liquidated after every change.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from host_spec.models import (
    FeeRates,
    OrderBookView,
    OrderRequest,
    OrderState,
    OrderType,
    PublicTrade,
    TradingPair,
    TradingRule,
)
from host_spec.paper.engine import Event, PaperEngine, Working
from host_spec.paper.matching import walk
from host_spec.paper.perp import funding, liquidation
from host_spec.paper.perp.ledger import Legs, PerpLedger
from host_spec.paper.perp.positions import ZERO, closing_side

__all__ = ["PerpEngine"]

SHRUNK_REASON = "the position is smaller than this closing order now"


class PerpEngine(PaperEngine):
    """Our contract orders on every pair and the perpetual account they move."""

    def __init__(self, connector: str, rules: Mapping[TradingPair, TradingRule], fees: Callable[[TradingPair], FeeRates],
                 ledger: PerpLedger, *, mark_from_book: bool = True, **kwargs: Any) -> None:
        super().__init__(connector, rules, fees, ledger.wallet, **kwargs)
        self.ledger = ledger
        self.mark_from_book = mark_from_book
        self.payment_ids = itertools.count(1)
        #: per pair, the newest settlement time applied (a settlement is applied once, restarts included)
        self.funding_settled: dict[TradingPair, int] = {}

    # -- the spot engine's money hooks -------------------------------------------------------------
    def _hold(self, w: Working, request: OrderRequest, ts: int) -> list[Event]:
        pair = request.pair
        price = request.price if request.order_type is not OrderType.MARKET else self._market_price(request)
        legs, events = self.ledger.hold(pair, request.side, request.amount or ZERO, request.position_action,
                                        request.reduce_only, price or ZERO, self.fees(pair).taker, ts)
        w.legs, w.frozen_asset, w.frozen_left = legs, pair.quote, legs.frozen_left
        return list(events)

    def _market_price(self, request: OrderRequest) -> Decimal:
        """The average price of walking the book as it stands for the order's size (the rest at the last level)."""
        takes = walk(self.book(request.pair).at_arrival(), request.side, None, request.amount, None,
                     self.rules[request.pair].size_increment)
        if not takes:
            return self.ledger.marks.get(request.pair, ZERO)
        walked = sum((q for _, q in takes), ZERO)
        value = sum((p * q for p, q in takes), ZERO) + ((request.amount or ZERO) - walked) * takes[-1][0]
        return value / (request.amount or walked)

    def _fill(self, w: Working, price: Decimal, qty: Decimal, is_maker: bool, ts: int) -> list[Event]:
        legs: Legs = w.legs
        if w.order.state.is_done:
            return []  # cancelled earlier in this batch (a closing order whose position shrank)
        if legs.closing:
            qty = min(qty, legs.close_left)
            if qty <= 0:
                return []
        return super()._fill(w, price, qty, is_maker, ts) + self._reconcile(w.order.pair, ts)

    def _pay(self, w: Working, price: Decimal, qty: Decimal, is_maker: bool,
             ts: int) -> tuple[Decimal, str, Decimal | None, list[Event]]:
        rates = self.fees(w.order.pair)
        pnl, fee, events = self.ledger.fill(w.legs, price, qty, rates.maker if is_maker else rates.taker, ts)
        w.frozen_left = w.legs.frozen_left
        return fee, w.order.pair.quote, pnl, list(events)

    def _unhold(self, w: Working, ts: int) -> list[Event]:
        events = self.ledger.release(w.legs, ts)
        w.frozen_left = ZERO
        return list(events)

    # -- the venue's data, then the account's risk -------------------------------------------------
    def arrive(self, cid: str, ts: int, peek: tuple[OrderBookView | None, list[PublicTrade]] | None = None) -> list[Event]:
        return super().arrive(cid, ts, peek) + self.risk(ts)

    def on_trade(self, trade: PublicTrade) -> list[Event]:
        return super().on_trade(trade) + self.risk(trade.timestamp_ms)

    def on_view(self, view: OrderBookView) -> list[Event]:
        events = super().on_view(view)
        if self.mark_from_book:
            mid = self.book(view.pair).mid()
            if mid is not None:
                self.ledger.marks[view.pair] = mid
        return events + self.risk(view.timestamp_ms)

    def on_mark(self, pair: TradingPair, mark: Decimal, ts: int) -> list[Event]:
        """A mark price from elsewhere (the venue's own, with the session's `mark_source` venue option)."""
        self.ledger.marks[pair] = mark
        return self.risk(ts)

    def settle_funding(self, pair: TradingPair, rate: Decimal, ts: int) -> list[Event]:
        """Funding at `rate` on the pair's positions, at venue settlement time `ts` (once per time)."""
        if ts <= self.funding_settled.get(pair, -1):
            return []
        self.funding_settled[pair] = ts
        events: list[Event] = list(funding.settle(self.ledger, pair, rate, ts, lambda: f"pf{next(self.payment_ids)}"))
        return events + self.risk(ts)

    def risk(self, ts: int) -> list[Event]:
        """Liquidate what is due: an isolated position after its closing orders are cancelled, a margin asset's
        cross positions after every order in that asset is cancelled."""
        isolated, cross = liquidation.due(self.ledger)
        events: list[Event] = []
        for h in isolated:
            events += self._cancel_where(lambda w: w.legs.closing and w.order.pair == h.pair
                                         and closing_side(w.order.side) is h.side, ts, "liquidation")
            events += liquidation.liquidate_isolated(self.ledger, h, ts)
        for asset in cross:
            events += self._cancel_where(lambda w: w.order.pair.quote == asset, ts, "liquidation")
            events += liquidation.liquidate_cross(self.ledger, asset, ts)
        return events

    def orders_open(self, pair: TradingPair | None = None) -> bool:
        return any(not w.order.state.is_done and (pair is None or w.order.pair == pair) for w in self.orders.values())

    # -- internals -------------------------------------------------------------------------------
    def _reconcile(self, pair: TradingPair, ts: int) -> list[Event]:
        """Cancel closing orders (newest first) where a position now holds less than its closing orders reserve."""
        events: list[Event] = []
        for h in [h for h in self.ledger.holdings.values() if h.pair == pair and h.reserved > h.amount]:
            closers = [w for w in self.orders.values() if not w.order.state.is_done and w.legs.closing
                       and w.order.pair == pair and closing_side(w.order.side) is h.side]
            for w in sorted(closers, key=lambda w: w.slot.seq, reverse=True):
                if h.reserved <= h.amount:
                    break
                events += self._finish(w, OrderState.CANCELED, ts, SHRUNK_REASON)
        return events

    def _cancel_where(self, match: Callable[[Working], bool], ts: int, reason: str) -> list[Event]:
        events: list[Event] = []
        for w in list(self.orders.values()):
            if not w.order.state.is_done and match(w):
                events += self._finish(w, OrderState.CANCELED, ts, reason)
        return events
