"""Futures orders and fills -> host models, base units. Pure.

Orders come from REST (`/order`, `get-open-orders`, `order-history`) and from WS `futures/order` pushes,
whose `data` is a list of `{action, order}` entries: every entry is read (Hummingbot reads only the
first). States follow bitmart_futures.md §1.7: state 1 (approval, pushed live for market orders) is an
open order, not an error; state 4 is FILLED only when all of `size` filled, otherwise CANCELED (ccxt
calls every state 4 "closed"). Side codes are read in the order's own position mode when the row says
it, else the account's (§1.4). A `FuturesOrder` feeds the order tracker (`bitmart_plugin.orders`,
venue-neutral) through `snapshot()`, like a spot order.

Fees have opposite signs on the two channels (§0 C7): WS `last_trade.fee` is negative when charged,
REST `paid_fees` positive. Host fees are positive when charged, so the WS sign is flipped. Fill ids are
one id space on both (`lastTradeID` int on WS, `trade_id` string on REST) and become strings, so a fill
seen on both is one fill. The WS fill does not say maker or taker: it is inferred from the fee charged
against the account's fee rates when they are given, else taken as taker.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from host_spec import FeeRates, Fill, MarginMode, Order, OrderState, OrderType, PositionAction, PositionMode, Side

from bitmart_plugin.fields import ParseError, dec, integer, opt_dec, opt_int, text
from bitmart_plugin.orders import Snapshot
from bitmart_plugin.perp.codes import decode_side, margin_mode, order_state, position_mode
from bitmart_plugin.perp.symbols import SETTLE_ASSET, Contract, Contracts
from bitmart_plugin.perp.units import base

__all__ = ["FuturesOrder", "fill_from_trade", "fills_from_trades", "order_from_rest", "orders_from_rest",
           "orders_from_ws", "unique_fills"]

_SNAPSHOT_STATES = {OrderState.OPEN: "new", OrderState.PARTIALLY_FILLED: "partially_filled",
                    OrderState.FILLED: "filled", OrderState.CANCELED: "canceled"}
_SYSTEM_CANCELS = frozenset({4, 5})  # WS action: liquidation cancel, ADL cancel


@dataclass(frozen=True, slots=True)
class FuturesOrder:
    """One futures order as the venue reports it, in base units; `fill` is the WS push's new fill, if any."""

    contract: Contract
    order_id: str
    client_order_id: str
    side: Side
    position_action: PositionAction | None
    reduce_only: bool
    order_type: OrderType
    kind: str  # the venue's type: limit, market, liquidate, bankruptcy, adl, trailing, planorder...
    price: Decimal | None  # the limit price; None for market orders
    reference_price: Decimal | None  # what the venue put in `price` for a market order
    amount: Decimal
    filled_amount: Decimal
    average_price: Decimal | None
    state: OrderState
    venue_state: int
    leverage: Decimal | None
    margin_mode: MarginMode | None
    created_ms: int
    updated_ms: int
    action: int | None = None  # WS only: 1 fill, 2 submit, 3 cancel, 4-9 liquidation and ADL
    fill: Fill | None = None

    def order(self, client_order_id: str | None = None) -> Order:
        """The host Order (`client_order_id` overrides an empty one, e.g. from the connector's own records)."""
        avg = self.average_price or Decimal(0)
        return Order(client_order_id or self.client_order_id, self.order_id, self.contract.pair, self.side,
                     self.order_type, self.price, self.amount, self.state, self.filled_amount,
                     avg * self.filled_amount, created_ms=self.created_ms, updated_ms=self.updated_ms)

    def snapshot(self) -> Snapshot:
        """The shared tracker's input: state, cumulative fill in base units, and the new fill."""
        avg = self.average_price or Decimal(0)
        source = "system" if self.action in _SYSTEM_CANCELS else ""
        return Snapshot(self.client_order_id, self.order_id, _SNAPSHOT_STATES[self.state], self.filled_amount,
                        avg * self.filled_amount, self.updated_ms, source, self.fill)


def _price(row: dict[str, Any]) -> Decimal | None:
    """The `price` field; market orders carry a reference price, or a text such as "market price"."""
    try:
        return opt_dec(row, "price")
    except ParseError:
        return None


def _order(row: dict[str, Any], contracts: Contracts, account_mode: PositionMode, action: int | None,
           fill_of: Mapping[str, Any] | None, rates: FeeRates | None) -> FuturesOrder:
    contract = contracts.by_symbol(text(row, "symbol"))
    order_id = text(row, "order_id")
    if not order_id:
        raise ParseError(f"{contract.symbol}: order without order_id")
    wire_mode = text(row, "position_mode")
    meaning = decode_side(row.get("side"), position_mode(wire_mode) if wire_mode else account_mode)
    kind = text(row, "type")
    is_limit = kind == "limit"
    amount, filled = base(row, "size", contract), base(row, "deal_size", contract)
    state_code = integer(row.get("state"), "state")
    avg = opt_dec(row, "deal_avg_price")
    created = opt_int(row, "create_time") or 0
    updated = max(opt_int(row, "update_time") or 0, created)  # a state-1 push can stamp update before create
    open_type = row.get("open_type")
    price = _price(row)
    order = FuturesOrder(
        contract=contract, order_id=order_id, client_order_id=text(row, "client_order_id"), side=meaning.side,
        position_action=meaning.position_action, reduce_only=meaning.reduce_only,
        order_type=OrderType.LIMIT if is_limit else OrderType.MARKET, kind=kind, price=price if is_limit else None,
        reference_price=None if is_limit else price, amount=amount, filled_amount=filled,
        average_price=avg if avg and filled else None, state=order_state(state_code, amount, filled),
        venue_state=state_code, leverage=opt_dec(row, "leverage"),
        margin_mode=margin_mode(open_type) if open_type not in (None, "") else None, created_ms=created,
        updated_ms=updated, action=action)
    if fill_of is None:
        return order
    return replace(order, fill=_ws_fill(fill_of, order, rates))


def _ws_fill(trade: Mapping[str, Any], order: FuturesOrder, rates: FeeRates | None) -> Fill:
    item = dict(trade)
    amount, price = base(item, "fillQty", order.contract), dec(item, "fillPrice")
    charged = -dec(item, "fee")  # WS: negative when charged
    maker = False
    if rates is not None and amount and price:
        paid = charged / (amount * price)
        maker = abs(paid - rates.maker) < abs(paid - rates.taker)
    return Fill(text(item, "lastTradeID"), order.client_order_id, order.order_id, order.contract.pair, order.side,
                price, amount, charged, text(item, "feeCcy") or SETTLE_ASSET, maker, order.updated_ms)


def order_from_rest(row: object, contracts: Contracts, mode: PositionMode) -> FuturesOrder:
    """One REST order object (`/order` data, an open-orders or order-history row) -> FuturesOrder."""
    if not isinstance(row, dict):
        raise ParseError(f"order: expected an object, got {type(row).__name__} (an empty answer is not an order)")
    return _order(row, contracts, mode, None, None, None)


def orders_from_rest(rows: object, contracts: Contracts, mode: PositionMode) -> list[FuturesOrder]:
    """get-open-orders / order-history data -> FuturesOrders."""
    if not isinstance(rows, list):
        raise ParseError("orders: data is not a list")
    return [order_from_rest(row, contracts, mode) for row in rows]


def orders_from_ws(data: object, contracts: Contracts, mode: PositionMode,
                   rates: FeeRates | None = None) -> list[FuturesOrder]:
    """futures/order data: every `{action, order}` entry, in order, with its `last_trade` as a Fill."""
    if not isinstance(data, list):
        raise ParseError("futures/order: data is not a list")
    out = []
    for entry in data:
        if not isinstance(entry, dict) or not isinstance(entry.get("order"), dict):
            raise ParseError("futures/order: an entry is not {action, order}")
        row, trade = entry["order"], entry["order"].get("last_trade")
        if trade is not None and not isinstance(trade, dict):
            raise ParseError("futures/order: last_trade is neither null nor an object")
        out.append(_order(row, contracts, mode, integer(entry.get("action"), "action"), trade, rates))
    return out


def fill_from_trade(row: object, contracts: Contracts, client_order_id: str = "") -> Fill:
    """One `/contract/private/trades` row -> Fill (the row has no client id: the caller knows it by order id)."""
    if not isinstance(row, dict):
        raise ParseError("trades: a row is not an object")
    contract = contracts.by_symbol(text(row, "symbol"))
    trade_id = text(row, "trade_id")
    if not trade_id:
        raise ParseError(f"{contract.symbol}: trade without trade_id")
    return Fill(trade_id, client_order_id, text(row, "order_id"), contract.pair,
                decode_side(row.get("side"), PositionMode.ONE_WAY).side, dec(row, "price"), base(row, "vol", contract),
                dec(row, "paid_fees"), SETTLE_ASSET, text(row, "exec_type").lower() == "maker",
                integer(row.get("create_time"), "create_time"), opt_dec(row, "realised_profit"))


def fills_from_trades(rows: object, contracts: Contracts, client_ids: Mapping[str, str] | None = None) -> list[Fill]:
    """trades data -> unique fills, oldest first; `client_ids` maps our order ids to our client order ids."""
    if not isinstance(rows, list):
        raise ParseError("trades: data is not a list")
    ids = client_ids or {}
    fills = []
    for row in rows:
        fill = fill_from_trade(row, contracts)
        fills.append(replace(fill, client_order_id=ids.get(fill.exchange_order_id, "")))
    return unique_fills(fills)


def unique_fills(*batches: Iterable[Fill]) -> list[Fill]:
    """Fills from any number of sources (WS, REST pages), each trade once (the first seen wins), oldest first."""
    seen: dict[str, Fill] = {}
    for batch in batches:
        for fill in batch:
            seen.setdefault(fill.trade_id, fill)
    return sorted(seen.values(), key=lambda f: (f.timestamp_ms, f.trade_id))
