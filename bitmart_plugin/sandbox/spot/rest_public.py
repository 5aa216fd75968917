"""Public REST endpoints (auth NONE): system, reference data, v3 quotation (api §6.1-6.3)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..envelope import ApiError
from ..rest_request import Handler, Req
from .formatting import fixed, money, places_of
from ..state import State

KLINE_STEPS = (1, 5, 15, 30, 60, 120, 240, 1440, 10080, 43200)
NAMES = {"BTC": "Bitcoin", "ETH": "Ethereum", "USDT": "Tether USD", "LTC": "LiteCoin", "TRX": "TRON",
         "ADA": "Cardano", "SOL": "Solana", "XRP": "Ripple", "DOGE": "Dogecoin", "BMX": "BitMart Token"}


def currencies(state: State) -> list[str]:
    """Every currency of every symbol."""
    return list(state.exchange.currencies())


def _symbol(state: State, req: Req) -> str:
    sym = req.query.get("symbol", "")
    if not sym:
        raise ApiError(70001, "request param can not be null")
    if sym not in state.exchange.rules:
        raise ApiError(70002, "symbol is invalid")
    return sym


def _int_param(req: Req, name: str, default: int, cap: int, code: int = 71004) -> int:
    raw = req.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        v = int(raw)
    except ValueError:
        raise ApiError(code, f"request param {name} is invalid") from None
    if v <= 0:
        raise ApiError(code, f"request param {name} is invalid")
    return min(v, cap)


def system_time(state: State, req: Req) -> Any:
    return {"server_time": state.now_ms()}


def system_service(state: State, req: Req) -> Any:
    t = state.started_ms
    return {"service": [
        {"title": f"{k.capitalize()} API Stop", "service_type": k, "status": "2",
         "start_time": t - 86_400_000, "end_time": t - 82_800_000} for k in ("spot", "contract", "account")]}


def spot_currencies(state: State, req: Req) -> Any:
    return {"currencies": [{"id": c, "name": NAMES.get(c, c), "withdraw_enabled": True,
                            "deposit_enabled": True} for c in currencies(state)]}


def account_currencies(state: State, req: Req) -> Any:
    wanted = [c for c in req.query.get("currencies", "").split(",") if c][:20]
    out = []
    for c in currencies(state):
        if wanted and c not in wanted:
            continue
        out.append({"currency": c, "name": NAMES.get(c, c), "contract_address": None, "network": c,
                    "withdraw_enabled": True, "deposit_enabled": True, "withdraw_minsize": "10",
                    "withdraw_minfee": None, "withdraw_fee": "1", "withdraw_fee_estimate": "1"})
    return {"currencies": out}


def symbols(state: State, req: Req) -> Any:
    return {"symbols": list(state.exchange.rules)}


def symbol_details(state: State, req: Req) -> Any:
    out = []
    for r in state.exchange.rules.values():
        sp = max(8, places_of(r.size_step))
        out.append({
            "symbol": r.symbol, "symbol_id": r.symbol_id, "base_currency": r.base,
            "quote_currency": r.quote, "quote_increment": fixed(r.size_step, sp),
            "base_min_size": fixed(r.min_size, sp), "base_max_size": fixed(r.max_size, sp),
            "price_min_precision": r.price_min_precision, "price_max_precision": r.price_max_precision,
            "expiration": "NA", "min_buy_amount": money(r.min_buy_amount),
            "min_sell_amount": money(r.min_sell_amount), "trade_status": r.trade_status,
            "planned_down_time": "",
        })
    return {"symbols": out}


def ticker_row(state: State, symbol: str) -> dict[str, str]:
    """v3 ticker object (all strings, ts as string)."""
    t = state.exchange.ticker(symbol)
    f = state.fmt(symbol)
    return {"symbol": symbol, "last": f.price(t.last), "v_24h": f.size(t.v_24h),
            "qv_24h": fixed(t.qv_24h, 8), "open_24h": f.price(t.open_24h),
            "high_24h": f.price(t.high_24h), "low_24h": f.price(t.low_24h),
            "fluctuation": fixed(t.fluctuation, 5), "bid_px": f.price(t.bid_px),
            "bid_sz": f.size(t.bid_sz), "ask_px": f.price(t.ask_px), "ask_sz": f.size(t.ask_sz),
            "ts": str(t.ts_ms)}


def ticker(state: State, req: Req) -> Any:
    return ticker_row(state, _symbol(state, req))


def tickers(state: State, req: Req) -> Any:
    rows = []
    for t in state.exchange.tickers():
        row = ticker_row(state, t.symbol)
        if Decimal(row["v_24h"]) > 0:
            rows.append(list(row.values()))
    return rows


def books(state: State, req: Req) -> Any:
    sym = _symbol(state, req)
    limit = _int_param(req, "limit", 35, 50)
    bids, asks = state.exchange.depth(sym, limit)
    f = state.fmt(sym)
    return {"ts": str(state.now_ms()), "symbol": sym,
            "asks": [f.level(p, s) for p, s in asks], "bids": [f.level(p, s) for p, s in bids]}


def trades(state: State, req: Req) -> Any:
    sym = _symbol(state, req)
    limit = _int_param(req, "limit", 50, 50)
    f = state.fmt(sym)
    return [[sym, str(t.time_ms), f.price(t.price), f.size(t.size), t.taker_side]
            for t in state.exchange.public_trades(sym, limit)]


def klines(state: State, req: Req) -> Any:
    sym = _symbol(state, req)
    raw_step = req.query.get("step", "1") or "1"
    try:
        step = int(raw_step)
    except ValueError:
        raise ApiError(71005, "request step error") from None
    if step not in KLINE_STEPS:
        raise ApiError(71005, "request step error")
    before = _time_param(req, "before", 71002)
    after = _time_param(req, "after", 71001)
    if before is not None and after is not None and after >= before:
        raise ApiError(71003, "request param after/before is invalid")
    limit = _int_param(req, "limit", 100, 200)
    f = state.fmt(sym)
    return [[str(c.open_time_s), f.price(c.open), f.price(c.high), f.price(c.low), f.price(c.close),
             f.size(c.volume), fixed(c.quote_volume, 8)]
            for c in state.exchange.candles(sym, step, before_s=before, after_s=after, limit=limit)]


def _time_param(req: Req, name: str, code: int) -> int | None:
    raw = req.query.get(name)
    if raw is None or raw == "":
        return None
    try:
        v = int(raw)
    except ValueError:
        raise ApiError(code, f"request param {name} is invalid") from None
    if v < 0:
        raise ApiError(code, f"request param {name} is invalid")
    return v


#: path -> handler, all GET with auth NONE
PUBLIC: dict[str, Handler] = {
    "/system/time": system_time, "/system/service": system_service,
    "/spot/v1/currencies": spot_currencies, "/account/v1/currencies": account_currencies,
    "/spot/v1/symbols": symbols, "/spot/v1/symbols/details": symbol_details,
    "/spot/quotation/v3/ticker": ticker, "/spot/quotation/v3/tickers": tickers,
    "/spot/quotation/v3/books": books, "/spot/quotation/v3/trades": trades,
    "/spot/quotation/v3/klines": klines, "/spot/quotation/v3/lite-klines": klines,
}
