"""Synthetic streams and a ready engine for the paper tests."""

from __future__ import annotations

from decimal import Decimal

from host_spec import FeeRates, OrderBookView, OrderRequest, OrderType, PublicTrade, Side, TradingPair, TradingRule
from host_spec.paper.balances import Wallet
from host_spec.paper.engine import PaperEngine
from host_spec.paper.queue import QueueModel

PAIR = TradingPair("BTC", "USDT")
RULE = TradingRule(PAIR, Decimal("0.01"), Decimal("0.001"), Decimal("0.001"), min_notional_buy=Decimal(5),
                   min_notional_sell=Decimal(5))
FEES = FeeRates(Decimal("0.001"), Decimal("0.002"))
D = Decimal


def view(ts: int, bids: list[tuple[str, str]], asks: list[tuple[str, str]], seq: int = 0) -> OrderBookView:
    return OrderBookView(PAIR, ts, seq or ts, tuple((D(p), D(a)) for p, a in bids), tuple((D(p), D(a)) for p, a in asks))


def trade(ts: int, price: str, amount: str, taker: Side) -> PublicTrade:
    return PublicTrade(PAIR, D(price), D(amount), taker, ts)


def engine(model: QueueModel = QueueModel.PROPORTIONAL, balance: dict[str, str] | None = None) -> PaperEngine:
    wallet = Wallet({k: D(v) for k, v in (balance or {"USDT": "100000", "BTC": "10"}).items()}, "test_paper_trade")
    return PaperEngine("test_paper_trade", {PAIR: RULE}, lambda pair: FEES, wallet, model=model)


def limit(side: Side, amount: str, price: str, kind: OrderType = OrderType.LIMIT, cid: str | None = None) -> OrderRequest:
    return OrderRequest(PAIR, side, kind, D(amount), D(price), client_order_id=cid)


BOOK = view(1000, [("99.00", "1"), ("98.00", "2"), ("97.00", "3")], [("100.00", "1"), ("101.00", "2"), ("102.00", "3")])


def place(e: PaperEngine, request: OrderRequest, ts: int = 1001) -> tuple[str, list]:
    order, events = e.submit(request, ts)
    return order.client_order_id, events + e.arrive(order.client_order_id, ts)
