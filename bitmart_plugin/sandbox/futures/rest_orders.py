"""Futures order entry, cancels and queries over REST (§2.3); validation lives in the core (intake.py).

Submit and modify answer ``order_id`` as a JSON int, every other id is a string (§1.8). Cancels run
synchronously before the reply and answer without ``data`` (live form, C3) unless
``cancel_response_data`` is ``empty``. History windows: order-history and trades take seconds,
transaction-history milliseconds (§2.4).
"""
from __future__ import annotations

from typing import Any

from ..envelope import NO_DATA
from ..core.events import ZERO
from ..rest_request import Req
from ..state import State
from . import errors as E
from .errors import ferror
from .events import ContractFill, ContractOrder
from .rest_common import (ACCOUNT, account, body_symbol, body_text, history_window, int_query, invalid,
                          other_account, query_symbol, venue)
from .ws_rows import AVG_QUANTUM, cut, num

#: trailing / preset fields every REST order object carries with their defaults (§1.6, live detail row)
PRESETS: dict[str, Any] = {"activation_price": "", "callback_rate": "", "activation_price_type": 0,
                           "executive_order_id": "", "preset_take_profit_price_type": 0,
                           "preset_stop_loss_price_type": 0, "preset_take_profit_price": "",
                           "preset_stop_loss_price": ""}
ORDER_FIELDS = ("type", "price", "mode", "leverage", "open_type", "stp_mode")


def order_row(o: ContractOrder) -> dict[str, Any]:
    return {"order_id": o.order_id, "client_order_id": o.client_order_id, "price": num(o.price or ZERO),
            "size": num(o.size or ZERO), "symbol": o.symbol, "state": 2 if o.is_open else 4, "side": o.side_code,
            "type": o.type, "leverage": str(o.leverage), "open_type": o.open_type,
            "deal_avg_price": cut(o.price_avg, AVG_QUANTUM), "deal_size": num(o.filled_size),
            "create_time": o.create_time_ms, "update_time": o.update_time_ms, "position_mode": o.position_mode,
            "account": ACCOUNT, **PRESETS}


def fill_row(f: ContractFill) -> dict[str, Any]:
    return {"order_id": f.order_id, "trade_id": f.trade_id, "symbol": f.symbol, "side": f.side_code,
            "price": num(f.price), "vol": num(f.vol), "exec_type": f.role.capitalize(),
            "profit": f.realised_profit > 0, "realised_profit": num(f.realised_profit), "paid_fees": num(f.fee),
            "account": ACCOUNT, "create_time": f.time_ms}


# -- SIGNED -------------------------------------------------------------------------------------
def submit_order(state: State, req: Req) -> Any:
    sym = body_symbol(state, req)
    b = req.body
    fields = {k: b.get(k) for k in ORDER_FIELDS if b.get(k) is not None}
    o = venue(state).submit_order(account(req), sym, b.get("side"), b.get("size"),
                                  client_order_id=body_text(req, "client_order_id"), **fields)
    return {"order_id": int(o.order_id), "price": num(o.price or ZERO) if o.type == "limit" else "market price"}


def modify_limit_order(state: State, req: Req) -> Any:
    sym = body_symbol(state, req)
    oid, cid = body_text(req, "order_id"), body_text(req, "client_order_id")
    if oid is None and cid is None:
        raise invalid()
    v = venue(state)
    if oid is not None and (o := v.order(account(req), oid)) is not None and o.symbol != sym:
        raise ferror(E.ORDER_ID_NOT_EXIST)
    o = v.modify_order(account(req), order_id=oid, client_order_id=cid, price=req.body.get("price"),
                       size=req.body.get("size"))
    return {"order_id": int(o.order_id), "client_order_id": o.client_order_id}


def _cancelled(state: State) -> Any:
    return {} if state.config.cancel_response_data == "empty" else NO_DATA


def cancel_order(state: State, req: Req) -> Any:
    """By ``order_id`` or ``client_order_id``; neither cancels every open order of the symbol (doc)."""
    sym = body_symbol(state, req)
    oid, cid = body_text(req, "order_id"), body_text(req, "client_order_id")
    v = venue(state)
    if oid is None and cid is None:
        v.engine.cancel_all(account(req), sym)
        return _cancelled(state)
    if oid is not None:
        o = v.order(account(req), oid)
        if o is None or o.symbol != sym:
            raise ferror(E.ORDER_ID_NOT_EXIST)
        v.cancel_order(account(req), order_id=oid)
    else:
        mine = [o for o in v.engine.open_orders(account(req), sym) if o.client_order_id == cid]
        if not mine:
            raise ferror(E.ORDER_ID_NOT_EXIST)
        v.cancel_order(account(req), order_id=mine[0].order_id)
    return _cancelled(state)


def cancel_orders(state: State, req: Req) -> Any:
    venue(state).engine.cancel_all(account(req), body_symbol(state, req))
    return _cancelled(state)


def cancel_all_after(state: State, req: Req) -> Any:
    """``timeout`` 0 disarms, 5 or more arms; times answer in seconds."""
    sym = body_symbol(state, req)
    raw = req.body.get("timeout")
    try:
        timeout = int(str(raw)) if raw is not None and not isinstance(raw, bool) else -1
    except ValueError:
        timeout = -1
    if timeout != 0 and timeout < 5:
        raise invalid()
    at = venue(state).cancel_all_after(account(req), sym, timeout)
    return {"result": True, "set_time": state.now_ms() // 1000, "cancel_time": at // 1000}


# -- KEYED --------------------------------------------------------------------------------------
def order_detail(state: State, req: Req) -> Any:
    sym = query_symbol(state, req)
    oid = req.query.get("order_id") or ""
    if not oid:
        raise invalid()
    o = venue(state).order(account(req), oid)
    if o is None or o.symbol != sym:
        raise ferror(E.ORDER_NOT_EXIST)
    return order_row(o)


def open_orders(state: State, req: Req) -> Any:
    sym = query_symbol(state, req, required=False)
    typ = req.query.get("type") or None
    if typ not in (None, "limit", "market", "trailing"):
        raise ferror(E.TYPE_INVALID)
    which = req.query.get("order_state") or "all"
    if which not in ("all", "partially_filled"):
        raise invalid()
    limit = int_query(req, "limit", 100, 100)
    rows = [o for o in venue(state).engine.open_orders(account(req), sym)
            if (typ is None or o.type == typ) and (which == "all" or o.filled_size > 0)]
    rows.sort(key=lambda o: o.create_time_ms, reverse=True)
    return [order_row(o) for o in rows[:limit]]


def order_history(state: State, req: Req) -> Any:
    sym = query_symbol(state, req)
    start, end = history_window(state, req, 1000)
    if other_account(req):
        return []
    oid, cid = req.query.get("order_id") or None, req.query.get("client_order_id") or None
    rows = [o for o in venue(state).orders_of(account(req), sym)
            if not o.is_open and start <= o.create_time_ms <= end
            and (oid is None or o.order_id == oid) and (cid is None or o.client_order_id == cid)]
    return [order_row(o) for o in rows[:200]]


def trades(state: State, req: Req) -> Any:
    sym = query_symbol(state, req, required=False)
    start, end = history_window(state, req, 1000)
    if other_account(req):
        return []
    oid, cid = req.query.get("order_id") or None, req.query.get("client_order_id") or None
    rows = [f for f in venue(state).fills_of(account(req), sym)
            if start <= f.time_ms <= end and (oid is None or f.order_id == oid)
            and (cid is None or f.client_order_id == cid)]
    return [fill_row(f) for f in rows[:200]]


def transaction_history(state: State, req: Req) -> Any:
    sym = query_symbol(state, req, required=False)
    raw = req.query.get("flow_type") or "0"
    if raw not in ("0", "1", "2", "3", "4", "5"):
        raise invalid()
    start, end = history_window(state, req, 1)
    size = int_query(req, "page_size", 100, 1000)
    if other_account(req):
        return []
    rows = [r for r in venue(state).ledger_of(account(req), int(raw))
            if (sym is None or r.symbol == sym) and start <= r.time_ms <= end]
    return [{"symbol": r.symbol, "flow_type": r.flow_type, "type": r.type, "amount": num(r.amount),
             "asset": r.asset, "account": ACCOUNT, "time": str(r.time_ms), "tran_id": r.tran_id} for r in rows[:size]]
