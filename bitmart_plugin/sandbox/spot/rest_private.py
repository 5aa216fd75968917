"""Private REST endpoints: balances and fees (KEYED GET), orders and queries (SIGNED POST) (api §6.4-6.7)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from ..envelope import ApiError
from ..core.errors import ExchangeError
from .formatting import fill_v4, money, order_v4
from ..rest_request import Handler, Req
from .rest_public import NAMES
from ..state import State

ORDER_PATHS = frozenset({"/spot/v2/submit_order", "/spot/v4/batch_orders", "/spot/v3/cancel_order",
                         "/spot/v4/cancel_orders", "/spot/v4/cancel_all"})


def _acct(req: Req) -> str:
    assert req.account_id is not None
    return req.account_id


def _dec(body: dict[str, Any], name: str) -> Decimal | None:
    raw = body.get(name)
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
        raise ApiError(50000, f"Bad Request [{name} is invalid]")
    try:
        v = Decimal(str(raw))
    except InvalidOperation:
        raise ApiError(50000, f"Bad Request [{name} is invalid]") from None
    if not v.is_finite():
        raise ApiError(50000, f"Bad Request [{name} is invalid]")
    return v


def _str(body: dict[str, Any], name: str) -> str | None:
    raw = body.get(name)
    if raw is None or raw == "":
        return None
    if not isinstance(raw, (str, int)) or isinstance(raw, bool):
        raise ApiError(50000, f"Bad Request [{name} is invalid]")
    return str(raw)


def _need(body: dict[str, Any], name: str) -> str:
    v = _str(body, name)
    if v is None:
        raise ApiError(50000, f"Bad Request [{name} is empty]")
    return v


def _ms(body: dict[str, Any], name: str) -> int | None:
    raw = body.get(name)
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise ApiError(50000, f"Bad Request [{name} is invalid]") from None


def _limit(body: dict[str, Any]) -> int:
    v = _ms(body, "limit")
    if v is None:
        return 200
    if not 1 <= v <= 200:
        raise ApiError(50000, "Bad Request [limit must be in 1-200]")
    return v


# ---- KEYED -------------------------------------------------------------------------------------

def spot_wallet(state: State, req: Req) -> Any:
    out = []
    for ccy, (avail, frozen) in sorted(state.exchange.balances(_acct(req)).items()):
        if avail + frozen <= 0:
            continue
        out.append({"id": ccy, "name": NAMES.get(ccy, ccy), "available": money(avail),
                    "frozen": money(frozen), "total": money(avail + frozen)})
    return {"wallet": out}


def account_wallet(state: State, req: Req) -> Any:
    want = req.query.get("currency") or None
    usd = req.query.get("needUsdValuation", "").lower() == "true"
    out = []
    for ccy, (avail, frozen) in sorted(state.exchange.balances(_acct(req)).items()):
        if avail + frozen <= 0 or (want and ccy != want):
            continue
        row = {"currency": ccy, "name": NAMES.get(ccy, ccy), "available": money(avail)}
        if usd:
            row["available_usd_valuation"] = money(avail * _usd_price(state, ccy))
        row.update({"frozen": money(frozen), "unAvailable": money(frozen)})
        out.append(row)
    return {"wallet": out}


def _usd_price(state: State, ccy: str) -> Decimal:
    if ccy == "USDT":
        return Decimal(1)
    sym = f"{ccy}_USDT"
    if sym in state.exchange.rules:
        return state.exchange.ticker(sym).last
    return Decimal(0)


def trade_fee(state: State, req: Req) -> Any:
    sym = req.query.get("symbol", "")
    if sym not in state.exchange.rules:
        raise ApiError(50001, "Symbol not found")
    maker, taker = state.exchange.fee_rates(_acct(req), sym)
    return {"symbol": sym, "buy_taker_fee_rate": str(taker), "sell_taker_fee_rate": str(taker),
            "buy_maker_fee_rate": str(maker), "sell_maker_fee_rate": str(maker)}


def user_fee(state: State, req: Req) -> Any:
    maker, taker = state.exchange.fee_rates(_acct(req), "BTC_USDT")
    return {"user_rate_type": 0, "level": "LV1",
            "taker_fee_rate_A": str(taker), "maker_fee_rate_A": str(maker),
            "taker_fee_rate_B": "0.0025", "maker_fee_rate_B": "0.0025",
            "taker_fee_rate_C": "0.004", "maker_fee_rate_C": "0.004",
            "taker_fee_rate_D": "0.006", "maker_fee_rate_D": "0.006"}


# ---- SIGNED: orders --------------------------------------------------------------------------

def _submit(state: State, account: str, symbol: str, p: dict[str, Any], cid_key: str) -> str:
    side = _need(p, "side")
    typ = _need(p, "type")
    order = state.exchange.submit_order(
        account, symbol, side, typ, size=_dec(p, "size"), price=_dec(p, "price"),
        notional=_dec(p, "notional"), client_order_id=_str(p, cid_key),
        stp_mode=_str(p, "stpMode") or "cancel_maker")
    return order.order_id


def submit_order(state: State, req: Req) -> Any:
    return {"order_id": _submit(state, _acct(req), _need(req.body, "symbol"), req.body, "client_order_id")}


def batch_orders(state: State, req: Req) -> Any:
    symbol = _need(req.body, "symbol")
    params = req.body.get("orderParams")
    if not isinstance(params, list) or not params or not all(isinstance(p, dict) for p in params):
        raise ApiError(50000, "Bad Request [orderParams is empty]")
    if len(params) > 10:
        raise ApiError(50033, "order quantity must be in (0,10]")
    ids = [_submit(state, _acct(req), symbol, p, "clientOrderId") for p in params]
    return {"code": 0, "msg": "success", "data": {"orderIds": ids}}


def cancel_order(state: State, req: Req) -> Any:
    symbol = _need(req.body, "symbol")
    oid, cid = _str(req.body, "order_id"), _str(req.body, "client_order_id")
    if oid is None and cid is None:
        raise ExchangeError(50039, "Order_id and clientOrderId cannot be empty at the same time")
    try:
        ok = state.exchange.cancel_order(_acct(req), symbol, order_id=oid, client_order_id=cid)
    except ExchangeError as e:
        if e.code in (50030, 50031):  # api §6.6: finished orders answer result=false (DOC-SPOT)
            return {"result": False}
        raise
    return {"result": bool(ok)}


def cancel_orders(state: State, req: Req) -> Any:
    symbol = _need(req.body, "symbol")
    oids, cids = req.body.get("orderIds"), req.body.get("clientOrderIds")
    ids, by_cid = (cids, True) if oids in (None, []) else (oids, False)
    if not isinstance(ids, list) or not ids:
        raise ExchangeError(50039, "Order_id and clientOrderId cannot be empty at the same time")
    if len(ids) > 10:
        raise ApiError(50033, "order quantity must be in (0,10]")
    ok_ids: list[str] = []
    fail_ids: list[str] = []
    for raw in ids:
        i = str(raw)
        try:
            kw = {"client_order_id": i} if by_cid else {"order_id": i}
            done = state.exchange.cancel_order(_acct(req), symbol, **kw)
        except ExchangeError:
            done = False
        (ok_ids if done else fail_ids).append(i)
    return {"successIds": ok_ids, "failIds": fail_ids, "totalCount": len(ids),
            "successCount": len(ok_ids), "failedCount": len(fail_ids)}


def cancel_all(state: State, req: Req) -> Any:
    symbol = _str(req.body, "symbol")
    side = _str(req.body, "side")
    if symbol is not None and symbol not in state.exchange.rules:
        raise ExchangeError(50001, "Symbol not found")
    if side is not None and side not in ("buy", "sell"):
        raise ExchangeError(52002, "Unsupported Side Type")
    state.exchange.cancel_all(_acct(req), symbol, side)
    return {}


# ---- SIGNED: queries -------------------------------------------------------------------------

def _query_state(body: dict[str, Any]) -> str | None:
    qs = _str(body, "queryState")
    if qs not in (None, "open", "history"):
        raise ExchangeError(52003, "Unsupported Query State Type")
    return qs


def _one(state: State, req: Req, by_cid: bool) -> Any:
    qs = _query_state(req.body)
    key = "clientOrderId" if by_cid else "orderId"
    ident = _need(req.body, key)
    kw = {"client_order_id": ident} if by_cid else {"order_id": ident}
    order = state.exchange.get_order(_acct(req), **kw)
    if (qs == "open" and not order.is_open) or (qs == "history" and order.is_open):
        raise ExchangeError(50005, "Order Id not found")
    return order_v4(order, state.fmt(order.symbol))


def query_order(state: State, req: Req) -> Any:
    return _one(state, req, by_cid=False)


def query_client_order(state: State, req: Req) -> Any:
    return _one(state, req, by_cid=True)


def _filters(state: State, req: Req) -> tuple[str | None, int | None, int | None, int]:
    sym = _str(req.body, "symbol")
    if sym is not None and sym not in state.exchange.rules:
        raise ExchangeError(50001, "Symbol not found")
    mode = _str(req.body, "orderMode")
    if mode not in (None, "spot", "iso_margin"):
        raise ExchangeError(52000, "Unsupported OrderMode Type")
    start, end = _ms(req.body, "startTime"), _ms(req.body, "endTime")
    if start is not None and end is not None and end < start:
        raise ExchangeError(52004, "End time must be greater than or equal to Start time")
    return sym, start, end, _limit(req.body)


def open_orders(state: State, req: Req) -> Any:
    sym, start, end, limit = _filters(state, req)
    rows = [o for o in state.exchange.open_orders(_acct(req), sym)
            if (start is None or o.create_time_ms >= start) and (end is None or o.create_time_ms <= end)]
    rows.sort(key=lambda o: o.create_time_ms, reverse=True)
    return [order_v4(o, state.fmt(o.symbol)) for o in rows[:limit]]


def history_orders(state: State, req: Req) -> Any:
    sym, start, end, limit = _filters(state, req)
    rows = state.exchange.history_orders(_acct(req), sym, start, end, limit)
    return [order_v4(o, state.fmt(o.symbol)) for o in rows]


def my_trades(state: State, req: Req) -> Any:
    sym, start, end, limit = _filters(state, req)
    rows = state.exchange.fills(_acct(req), sym, None, start, end, limit)
    return [fill_v4(f, state.fmt(f.symbol)) for f in rows]


def order_trades(state: State, req: Req) -> Any:
    oid = _need(req.body, "orderId")
    state.exchange.get_order(_acct(req), order_id=oid)  # 50005 when unknown
    rows = state.exchange.fills(_acct(req), None, oid, None, None, 200)
    return [fill_v4(f, state.fmt(f.symbol)) for f in rows]


KEYED: dict[str, Handler] = {
    "/spot/v1/wallet": spot_wallet, "/account/v1/wallet": account_wallet,
    "/spot/v1/trade_fee": trade_fee, "/spot/v1/user_fee": user_fee,
}
SIGNED: dict[str, Handler] = {
    "/spot/v2/submit_order": submit_order, "/spot/v4/batch_orders": batch_orders,
    "/spot/v3/cancel_order": cancel_order, "/spot/v4/cancel_orders": cancel_orders,
    "/spot/v4/cancel_all": cancel_all,
    "/spot/v4/query/order": query_order, "/spot/v4/query/client-order": query_client_order,
    "/spot/v4/query/open-orders": open_orders, "/spot/v4/query/history-orders": history_orders,
    "/spot/v4/query/trades": my_trades, "/spot/v4/query/order-trades": order_trades,
}
REMOVED = frozenset({
    "/spot/v1/submit_order", "/spot/v1/batch_orders", "/spot/v2/batch_orders", "/spot/v1/cancel_order",
    "/spot/v2/cancel_order", "/spot/v1/cancel_orders", "/spot/v2/order_detail", "/spot/v3/orders",
    "/spot/v2/trades", "/spot/v1/ticker", "/spot/v2/ticker", "/spot/v1/ticker_detail", "/spot/v1/steps",
    "/spot/v1/symbols/kline", "/spot/v1/symbols/book", "/spot/v1/symbols/trades",
})
