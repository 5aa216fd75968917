"""Read side of the futures admin API (routes in ``admin.py``): the venue's true state, agents included.

Numbers are strings (exact decimals), times integer ms, sizes contracts. Shapes:

* wallet    ``{"account", "available_balance", "frozen_balance", "position_deposit", "unrealized", "equity",
              "deposited", "realized", "fees", "funding"}`` (Appendix A account numbers plus the wallet's totals)
* book      ``{"symbol", "time_ms", "bids": [level], "asks": [level]}`` best first, where level is
              ``{"price", "vol", "orders": [{"order_id", "account", "remaining"}]}`` in time priority
* positions ``{"positions": [position]}``, position ``{"account", "symbol", "direction", "open_type", "leverage",
              "position_mode", "hold_volume", "frozen_volume", "entry_price", "margin", "mark_price", "unrealized",
              "maintenance_margin", "liquidation_price"}`` (held ones; liquidation_price as position-v2 reports it)
* closed    ``{"account", "symbol", "direction", "open_type", "hold_volume", "close_volume", "close_avg_price"}``
* orders    ``{"orders": [order]}`` newest first, order ``{"order_id", "client_order_id", "account", "symbol",
              "side" (1-4), "type", "mode", "price", "size", "deal_size", "deal_avg_price", "state", "cancel_source",
              "leverage", "open_type", "position_mode", "create_time", "update_time"}``
* ledger    ``{"rows": [row]}`` newest first, row ``{"tran_id", "account", "symbol", "flow_type", "type", "amount",
              "asset", "time"}``
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Mapping

from .contracts import ContractRules
from .events import ContractOrder, LedgerRow, Position
from .venue import FuturesVenue
from .ws_rows import num


@dataclass(frozen=True, slots=True)
class AdminCall:
    """One admin request: query string, JSON body, and the account used when none is named."""

    query: Mapping[str, str]
    body: Mapping[str, Any]
    default_account: str

    def get(self, name: str) -> Any:
        """A body field, else the query parameter of that name (None when neither)."""
        value = self.body.get(name)
        return self.query.get(name) if value is None else value

    @property
    def account(self) -> str:
        return str(self.get("account") or self.default_account)


def symbol_of(venue: FuturesVenue, call: AdminCall) -> str:
    sym = call.get("symbol")
    if not sym:
        raise ValueError("symbol is required (e.g. BTCUSDT)")
    if sym not in venue.engine.contracts:
        raise ValueError(f"unknown futures symbol {sym}")
    return str(sym)


def decimal_of(raw: Any, name: str) -> Decimal:
    """A finite decimal from a JSON number or string (ValueError otherwise)."""
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
        raise ValueError(f"{name} must be a number or a numeric string")
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        raise ValueError(f"{name} is not a number: {raw!r}") from None
    if not value.is_finite():
        raise ValueError(f"{name} must be finite")
    return value


def price_of(rules: ContractRules, raw: Any, name: str) -> Decimal:
    """A positive price on the contract's tick grid."""
    value = decimal_of(raw, name)
    if value <= 0 or value % rules.price_tick:
        raise ValueError(f"{name} must be a positive multiple of {num(rules.price_tick)}")
    return value


# -- rows ------------------------------------------------------------------------------------
def wallet_view(venue: FuturesVenue, account: str) -> dict[str, Any]:
    a, w = venue.account(account), venue.accounts.wallet(account)
    return {"account": account, "available_balance": num(a.available_balance),
            "frozen_balance": num(a.frozen_balance), "position_deposit": num(a.position_deposit),
            "unrealized": num(a.unrealized), "equity": num(a.equity), "deposited": num(w.deposited),
            "realized": num(w.realized), "fees": num(w.fees), "funding": num(w.funding)}


def position_view(venue: FuturesVenue, p: Position) -> dict[str, Any]:
    mark = venue.marks.mark[p.symbol]
    return {"account": p.account_id, "symbol": p.symbol, "direction": p.direction, "open_type": p.open_type,
            "leverage": p.leverage, "position_mode": venue.accounts.mode(p.account_id),
            "hold_volume": num(p.hold_volume), "frozen_volume": num(p.frozen_volume),
            "entry_price": num(p.entry_price), "margin": num(p.margin), "mark_price": num(mark),
            "unrealized": num(p.unrealized(mark)), "maintenance_margin": num(venue.maintenance_margin(p)),
            "liquidation_price": num(venue.liquidation_price(p)) if p.hold_volume else "0"}


def closed_view(p: Position) -> dict[str, Any]:
    """A position as a forced close left it (what ``prices`` and ``liquidate`` list as liquidated)."""
    return {"account": p.account_id, "symbol": p.symbol, "direction": p.direction, "open_type": p.open_type,
            "hold_volume": num(p.hold_volume), "close_volume": num(p.close_volume),
            "close_avg_price": num(p.close_avg_price)}


def order_view(o: ContractOrder) -> dict[str, Any]:
    return {"order_id": o.order_id, "client_order_id": o.client_order_id, "account": o.account_id,
            "symbol": o.symbol, "side": o.side_code, "type": o.type, "mode": o.mode,
            "price": num(o.price) if o.price is not None else None,
            "size": num(o.size) if o.size is not None else None, "deal_size": num(o.filled_size),
            "deal_avg_price": num(o.price_avg), "state": o.state, "cancel_source": o.cancel_source,
            "leverage": o.leverage, "open_type": o.open_type, "position_mode": o.position_mode,
            "create_time": o.create_time_ms, "update_time": o.update_time_ms}


def ledger_view(r: LedgerRow) -> dict[str, Any]:
    return {"tran_id": r.tran_id, "account": r.account_id, "symbol": r.symbol, "flow_type": r.flow_type,
            "type": r.type, "amount": num(r.amount), "asset": r.asset, "time": r.time_ms}


# -- GET routes ------------------------------------------------------------------------------
def wallet(venue: FuturesVenue, call: AdminCall) -> dict[str, Any]:
    return wallet_view(venue, call.account)


def book(venue: FuturesVenue, call: AdminCall) -> dict[str, Any]:
    sym = symbol_of(venue, call)
    out: dict[str, Any] = {"symbol": sym, "time_ms": venue.clock.now_ms()}
    for name in ("bids", "asks"):
        out[name] = [{"price": num(price), "vol": num(total),
                      "orders": [{"order_id": o.order_id, "account": o.account_id, "remaining": num(o.remaining)}
                                 for o in queue]}
                     for price, total, queue in getattr(venue.engine.books[sym], name).queues()]
    return out


def _filters(venue: FuturesVenue, call: AdminCall) -> tuple[str | None, str | None]:
    """(account, symbol) filters; None = every one."""
    acct = call.get("account")
    return (str(acct) if acct else None), (symbol_of(venue, call) if call.get("symbol") else None)


def positions(venue: FuturesVenue, call: AdminCall) -> dict[str, Any]:
    acct, sym = _filters(venue, call)
    rows = [position_view(venue, p) for p in venue.accounts.positions.values()
            if p.hold_volume and (acct is None or p.account_id == acct) and (sym is None or p.symbol == sym)]
    return {"positions": rows}


def orders(venue: FuturesVenue, call: AdminCall) -> dict[str, Any]:
    acct, sym = _filters(venue, call)
    only_open = str(call.get("open") or "").lower() == "true"
    rows = [order_view(o) for o in reversed(venue.engine.orders.values())
            if (acct is None or o.account_id == acct) and (sym is None or o.symbol == sym)
            and (not only_open or o.is_open)]
    return {"orders": rows}


def ledger(venue: FuturesVenue, call: AdminCall) -> dict[str, Any]:
    acct, sym = _filters(venue, call)
    flow = call.get("flow_type")
    kind = int(flow) if flow not in (None, "", 0, "0") else None
    rows = [ledger_view(r) for r in reversed(venue.accounts.ledger)
            if (acct is None or r.account_id == acct) and (sym is None or r.symbol == sym)
            and (kind is None or r.flow_type == kind)]
    return {"rows": rows}
