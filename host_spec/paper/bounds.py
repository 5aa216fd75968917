"""Fill bounds: the session's orders replayed under the pessimistic (`back`) and optimistic (`front`) queue
models, on the same public data at the same moments, so a report can say how far the maker fills could be off.

The bound engines only compute fills: their wallets never run short, and an order one of them cannot
take (say, its client id was restored from a store it never saw) is simply absent from it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from decimal import Decimal

from host_spec.errors import ConnectorError
from host_spec.models import FeeRates, OrderBookView, OrderRequest, OrderType, PublicTrade, TradingPair, TradingRule
from host_spec.paper.balances import Wallet
from host_spec.paper.engine import PaperEngine
from host_spec.paper.queue import QueueModel

__all__ = ["FillBounds"]

_PLENTY = Decimal("1e30")


class FillBounds:
    """Two shadow engines, `back` then `front`, fed what the session's engine is fed."""

    def __init__(self, connector: str, rules: Mapping[TradingPair, TradingRule],
                 fees: Callable[[TradingPair], FeeRates], *, order_types: tuple[OrderType, ...], shadow: bool) -> None:
        self.engines = tuple(
            PaperEngine(connector, rules, fees, Wallet({}, connector), order_types=order_types, model=model,
                        shadow=shadow)
            for model in (QueueModel.BACK, QueueModel.FRONT))

    def submit(self, request: OrderRequest, client_order_id: str, ts: int) -> None:
        for engine in self.engines:
            for asset in (request.pair.base, request.pair.quote):
                engine.wallet.available[asset] = _PLENTY
            try:
                engine.submit(replace(request, client_order_id=client_order_id), ts)
            except ConnectorError:
                pass

    def arrive(self, client_order_id: str, ts: int, peek: tuple[OrderBookView | None, list[PublicTrade]] | None) -> None:
        for engine in self.engines:
            if client_order_id in engine.orders:
                engine.arrive(client_order_id, ts, peek)

    def cancel(self, client_order_id: str, ts: int) -> None:
        for engine in self.engines:
            if client_order_id in engine.orders:
                engine.cancel(client_order_id, ts)

    def on_trade(self, trade: PublicTrade) -> None:
        for engine in self.engines:
            engine.on_trade(trade)

    def on_view(self, view: OrderBookView) -> None:
        for engine in self.engines:
            engine.on_view(view)

    def filled(self, client_order_id: str) -> tuple[Decimal, Decimal] | None:
        """(pessimistic, optimistic) filled amount of one order, or None if the bounds never saw it."""
        works = [engine.orders.get(client_order_id) for engine in self.engines]
        if any(w is None for w in works):
            return None
        return works[0].order.filled_amount, works[1].order.filled_amount  # type: ignore[union-attr]
