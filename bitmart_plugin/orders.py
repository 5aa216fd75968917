"""Order tracker (spot and perp): BitMart order snapshots -> host_spec Order/OrderEvent, exactly once and in order.

Pure (no I/O). Inputs are `Snapshot`s (from a v4 REST order, or a private WebSocket order push, which
may carry one fill) and REST trade rows. Rules:
- every order is tracked under OUR client order id before it is sent;
- fills are deduplicated by trade id (`detail_id` on the socket, `tradeId` on REST);
- events per order: `created` first, fills as `partially_filled` (or `filled` for the completing one),
  exactly one terminal event (`filled` | `cancelled` | `failed`), nothing after it;
- `partially_canceled` is CANCELED, except a market buy that spent its notional (BitMart quirk) -> FILLED;
- a LIMIT_MAKER cancelled by the system without fills (we never asked) -> FAILED, post-only crossed; one
  cancelled by self-trade prevention (`cancelSource` "stp": it rested on the book) is CANCELED. Futures
  payloads name no cancel source, so there an unasked cancel of an unfilled maker-only order reads as FAILED.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from host_spec import (
    Fill, InvalidOrder, Order, OrderEvent, OrderEventKind, OrderRequest, OrderState, OrderType, Side, TradingPair,
)

POST_ONLY_REASON = "post-only order would have crossed"
_STATES = {"new": OrderState.OPEN, "partially_filled": OrderState.PARTIALLY_FILLED, "filled": OrderState.FILLED,
           "canceled": OrderState.CANCELED, "cancelled": OrderState.CANCELED,
           "partially_canceled": OrderState.CANCELED, "failed": OrderState.FAILED}


def new_client_order_id() -> str:
    """32 alphanumerics: 'hs' + 30 hex digits."""
    return "hs" + uuid.uuid4().hex[:30]


CLIENT_ORDER_ID = re.compile(r"^[A-Za-z0-9]{1,32}$")  # spot and futures alike (futures codes 40048/40049)


def check_client_order_id(cid: str, *, connector: str) -> str:
    """`cid` if BitMart accepts it (1-32 letters or digits), else InvalidOrder saying so."""
    if not isinstance(cid, str) or not CLIENT_ORDER_ID.match(cid):
        raise InvalidOrder(f"client order id {cid!r} must be 1-32 letters or digits", rule="client_order_id",
                           allowed="[A-Za-z0-9]{1,32}", connector=connector)
    return cid


def _dec(value: Any) -> Decimal:
    return Decimal(str(value)) if value not in (None, "") else Decimal(0)


_TYPES = {"limit": OrderType.LIMIT, "limit_maker": OrderType.LIMIT_MAKER, "market": OrderType.MARKET,
          "ioc": OrderType.IOC}


def order_from_v4(raw: Mapping[str, Any]) -> Order:
    """A v4 order object of an order this session did not place -> Order (no quirk handling)."""
    base, _, quote = str(raw.get("symbol", "")).partition("_")
    typ = _TYPES.get(str(raw.get("type")).lower(), OrderType.LIMIT)
    side = Side.BUY if str(raw.get("side")).lower() == "buy" else Side.SELL
    notional = _dec(raw.get("notional"))
    return Order(str(raw.get("clientOrderId") or ""), str(raw.get("orderId") or ""), TradingPair(base, quote), side,
                 typ, _dec(raw.get("price")) if typ is not OrderType.MARKET else None,
                 _dec(raw.get("size")) or None, _STATES.get(str(raw.get("state")), OrderState.OPEN),
                 _dec(raw.get("filledSize")), _dec(raw.get("filledNotional")), notional or None,
                 created_ms=int(raw.get("createTime") or 0), updated_ms=int(raw.get("updateTime") or 0))


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What the venue says about one order at one moment (REST v4 or WS), plus an optional new fill."""

    client_order_id: str
    exchange_order_id: str
    state: str
    filled_size: Decimal
    filled_notional: Decimal
    update_ms: int = 0
    cancel_source: str = ""
    fill: Fill | None = None

    @classmethod
    def from_v4(cls, raw: Mapping[str, Any]) -> Snapshot:
        return cls(str(raw.get("clientOrderId") or ""), str(raw.get("orderId") or ""), str(raw.get("state")),
                   _dec(raw.get("filledSize")), _dec(raw.get("filledNotional")),
                   int(raw.get("updateTime") or 0), str(raw.get("cancelSource") or ""))

    @classmethod
    def from_ws(cls, u: Any, pair: TradingPair, side: Side) -> Snapshot:
        """From a `parsing.WsOrderUpdate` (duck-typed); carries the last fill when `detail_id` is set."""
        fill = None
        count = _dec(getattr(u, "last_fill_count", 0))
        detail = str(getattr(u, "detail_id", "") or "")
        if detail and count > 0:
            fill = Fill(trade_id=detail, client_order_id=str(u.client_order_id), exchange_order_id=str(u.order_id),
                        pair=pair, side=side, price=_dec(u.last_fill_price), amount=count,
                        fee=_dec(getattr(u, "deal_fee", 0)), fee_asset=str(getattr(u, "deal_fee_coin_name", "") or ""),
                        is_maker=str(getattr(u, "exec_type", "")).upper().startswith("M"),
                        timestamp_ms=int(_dec(getattr(u, "last_fill_time", 0))))
        return cls(str(u.client_order_id), str(u.order_id), str(u.order_state), _dec(u.filled_size),
                   _dec(u.filled_notional), int(_dec(getattr(u, "update_time", 0))), "", fill)


@dataclass
class Tracked:
    order: Order
    size_step: Decimal = Decimal(0)
    fills: dict[str, Fill] = field(default_factory=dict)
    created_sent: bool = False
    terminal_sent: bool = False
    cancel_requested: bool = False


class OrderTracker:
    """All orders this session placed, keyed by client order id."""

    def __init__(self) -> None:
        self._orders: dict[str, Tracked] = {}
        self.last_fill_ms = 0

    def __contains__(self, cid: str) -> bool:
        return cid in self._orders

    def get(self, cid: str) -> Order | None:
        t = self._orders.get(cid)
        return t.order if t else None

    def orders(self) -> list[Order]:
        return [t.order for t in self._orders.values()]

    def active(self) -> list[Order]:
        return [t.order for t in self._orders.values() if not t.terminal_sent]

    def track(self, request: OrderRequest, cid: str, now_ms: int, size_step: Decimal = Decimal(0)) -> Order:
        """Register an order before sending it (state PENDING_CREATE)."""
        order = Order(cid, None, request.pair, request.side, request.order_type, request.price, request.amount,
                      OrderState.PENDING_CREATE, quote_amount=request.quote_amount, created_ms=now_ms, updated_ms=now_ms)
        self._orders[cid] = Tracked(order, size_step)
        return order

    def mark_cancel_requested(self, cid: str) -> None:
        if cid in self._orders:
            self._orders[cid].cancel_requested = True

    def accepted(self, cid: str, exchange_id: str, now_ms: int) -> list[OrderEvent]:
        """The venue answered the submit with an order id."""
        t = self._orders[cid]
        if t.order.exchange_order_id is None:
            t.order = replace(t.order, exchange_order_id=exchange_id)
        if t.order.state is OrderState.PENDING_CREATE:
            t.order = replace(t.order, state=OrderState.OPEN, updated_ms=now_ms)
        return self._created(t)

    def failed(self, cid: str, reason: str, now_ms: int) -> list[OrderEvent]:
        """The venue refused the order (or never saw it); ignored once the venue has reported the order."""
        t = self._orders[cid]
        if t.terminal_sent or t.order.state is not OrderState.PENDING_CREATE:
            return []
        t.order = replace(t.order, state=OrderState.FAILED, reason=reason, updated_ms=now_ms)
        t.terminal_sent = True
        return [OrderEvent(OrderEventKind.FAILED, t.order)]

    def _created(self, t: Tracked) -> list[OrderEvent]:
        if t.created_sent or t.terminal_sent:
            return []
        t.created_sent = True
        return [OrderEvent(OrderEventKind.CREATED, t.order)]

    def apply(self, snap: Snapshot) -> list[OrderEvent]:
        """Apply a venue snapshot (and its fill, if new); returns the events it causes."""
        t = self._orders.get(snap.client_order_id)
        if t is None or t.terminal_sent:
            return []
        events: list[OrderEvent] = []
        if t.order.exchange_order_id is None and snap.exchange_order_id:
            t.order = replace(t.order, exchange_order_id=snap.exchange_order_id)
        target = self._target_state(t, snap)
        if target is OrderState.FAILED:
            reason = "rejected by BitMart" if snap.state == "failed" else POST_ONLY_REASON
            return self._finish(t, OrderState.FAILED, snap, reason, events)
        events += self._created(t)
        if snap.fill is not None and snap.fill.trade_id not in t.fills:
            events += self._add_fill(t, snap.fill, snap, final=target is OrderState.FILLED)
            if target is OrderState.FILLED:
                t.terminal_sent = True
                return events
        self._absorb_totals(t, snap)
        if target.is_done:
            return self._finish(t, target, snap, "", events)
        if target is not t.order.state:
            t.order = replace(t.order, state=target, updated_ms=snap.update_ms or t.order.updated_ms)
        return events

    def apply_trade(self, fill: Fill) -> list[OrderEvent]:
        """A REST trade row (reconciliation): a partial fill unless we already have it."""
        t = self._orders.get(fill.client_order_id)
        if t is None or t.terminal_sent or fill.trade_id in t.fills:
            return []
        events = self._created(t)
        state = OrderState.PARTIALLY_FILLED
        snap = Snapshot(t.order.client_order_id, fill.exchange_order_id, "partially_filled",
                        t.order.filled_amount + fill.amount, t.order.filled_quote + fill.price * fill.amount,
                        fill.timestamp_ms)
        if t.order.amount is not None and snap.filled_size >= t.order.amount:
            state = OrderState.FILLED
        events += self._add_fill(t, fill, snap, final=state is OrderState.FILLED)
        t.terminal_sent = state is OrderState.FILLED
        return events

    # ---- internals ------------------------------------------------------------------------------

    def _target_state(self, t: Tracked, snap: Snapshot) -> OrderState:
        state = _STATES.get(snap.state.lower(), t.order.state)
        o = t.order
        if snap.state == "partially_canceled" and o.order_type is OrderType.MARKET and o.side is Side.BUY:
            if self._spent(o, snap, t.size_step):
                return OrderState.FILLED
        if (state is OrderState.CANCELED and o.order_type is OrderType.LIMIT_MAKER and snap.filled_size == 0
                and not t.fills and snap.cancel_source not in ("stp", "user")
                and (snap.cancel_source == "system" or not t.cancel_requested)):
            return OrderState.FAILED
        return state

    @staticmethod
    def _spent(o: Order, snap: Snapshot, step: Decimal) -> bool:
        notional = o.quote_amount or Decimal(0)
        left = notional - snap.filled_notional
        if snap.filled_size <= 0:
            return False
        avg = snap.filled_notional / snap.filled_size
        return left < avg * step if step > 0 else left <= notional / 100

    def _add_fill(self, t: Tracked, fill: Fill, snap: Snapshot, *, final: bool) -> list[OrderEvent]:
        t.fills[fill.trade_id] = fill
        self.last_fill_ms = max(self.last_fill_ms, fill.timestamp_ms)
        fa = sum((f.amount for f in t.fills.values()), Decimal(0))
        fq = sum((f.amount * f.price for f in t.fills.values()), Decimal(0))
        state = OrderState.FILLED if final else OrderState.PARTIALLY_FILLED
        t.order = replace(t.order, state=state, filled_amount=max(fa, snap.filled_size),
                          filled_quote=max(fq, snap.filled_notional), updated_ms=fill.timestamp_ms or t.order.updated_ms)
        kind = OrderEventKind.FILLED if final else OrderEventKind.PARTIALLY_FILLED
        return [OrderEvent(kind, t.order, fill)]

    @staticmethod
    def _absorb_totals(t: Tracked, snap: Snapshot) -> None:
        if snap.filled_size > t.order.filled_amount:
            t.order = replace(t.order, filled_amount=snap.filled_size,
                              filled_quote=max(snap.filled_notional, t.order.filled_quote))

    def _finish(self, t: Tracked, state: OrderState, snap: Snapshot, reason: str,
                events: list[OrderEvent]) -> list[OrderEvent]:
        t.order = replace(t.order, state=state, reason=reason or t.order.reason,
                          updated_ms=snap.update_ms or t.order.updated_ms)
        t.terminal_sent = True
        kind = {OrderState.FILLED: OrderEventKind.FILLED, OrderState.CANCELED: OrderEventKind.CANCELED}.get(
            state, OrderEventKind.FAILED)
        return [*events, OrderEvent(kind, t.order)]
