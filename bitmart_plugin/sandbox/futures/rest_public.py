"""Public futures REST endpoints (auth NONE), shapes as bitmart_futures.md §2.1 and the rest_public payloads.

``/system/time`` and ``/system/service`` are the spot venue's (one host answers both families).
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..core.events import ZERO, Candle
from ..rest_request import Req
from ..state import State
from . import errors as E
from .contracts import ContractRules
from .errors import ferror
from .market import STEPS
from .rest_common import int_query, query_symbol, rules_of, time_bounds, venue
from .ws_rows import FORECAST_QUANTUM, RANGE_QUANTUM, RATE_QUANTUM, cut, num

LISTED_MS = 1_645_977_600_000  # open_timestamp of every contract (the live BTCUSDT value)
DEPTH_LEVELS = 50


def _contract_row(state: State, r: ContractRules) -> dict[str, Any]:
    v = venue(state)
    sym = r.symbol
    now = state.now_ms()
    last = v.engine.last_price[sym]
    stats = v.market.stats_24h(sym, now)
    o, high, low, vol, turnover = stats if stats else (last, last, last, ZERO, ZERO)
    oi = v.open_interest(sym)
    rate = v.funding.expected(sym)
    return {
        "symbol": sym, "product_type": 1, "open_timestamp": LISTED_MS, "expire_timestamp": 0,
        "settle_timestamp": 0, "base_currency": r.base, "quote_currency": r.quote, "last_price": num(last),
        "volume_24h": num(vol), "turnover_24h": num(turnover * r.contract_size),
        "index_price": num(v.marks.index[sym]), "index_name": sym, "contract_size": num(r.contract_size),
        "min_leverage": str(r.min_leverage), "max_leverage": str(r.max_leverage),
        "price_precision": num(r.price_tick), "vol_precision": num(r.vol_step), "max_volume": num(r.max_volume),
        "market_max_volume": num(r.market_max_volume), "min_volume": num(r.min_volume),
        "funding_rate": cut(rate, FORECAST_QUANTUM), "expected_funding_rate": cut(rate, FORECAST_QUANTUM),
        "open_interest": num(oi), "open_interest_value": num(oi * r.contract_size * v.marks.mark[sym]),
        "high_24h": num(high), "low_24h": num(low),
        "change_24h": cut((last - o) / o if o else ZERO, RANGE_QUANTUM),
        "funding_interval_hours": r.funding_interval_hours, "funding_time": v.funding.next_time[sym],
        "status": r.status, "delist_time": r.delist_time_s,
    }


def details(state: State, req: Req) -> Any:
    """Every contract, or the one named; an unknown name gets an empty list (Q21)."""
    contracts = venue(state).engine.contracts
    sym = req.query.get("symbol") or None
    if sym is None:
        chosen = list(contracts.values())
    else:
        chosen = [contracts[sym]] if sym in contracts else []
    return {"symbols": [_contract_row(state, r) for r in chosen]}


def _levels(levels: list[tuple[Decimal, Decimal]]) -> list[list[str]]:
    out, total = [], ZERO
    for price, size in levels:
        total += size
        out.append([num(price), num(size), num(total)])
    return out


def depth(state: State, req: Req) -> Any:
    sym = query_symbol(state, req)
    assert sym is not None
    bids, asks = venue(state).depth(sym, DEPTH_LEVELS)
    return {"asks": _levels(asks), "bids": _levels(bids), "timestamp": state.now_ms(), "symbol": sym}


def market_trade(state: State, req: Req) -> Any:
    sym = query_symbol(state, req)
    assert sym is not None
    cs = rules_of(state, sym).contract_size
    limit = int_query(req, "limit", 50, 100)
    return [{"symbol": sym, "price": num(t.price), "qty": num(t.size * cs), "quote_qty": num(t.price * t.size * cs),
             "time": t.time_ms // 1000, "is_buyer_maker": t.taker_side == "sell"}
            for t in venue(state).market.recent_trades(sym, limit)]


def funding_rate(state: State, req: Req) -> Any:
    sym = query_symbol(state, req)
    assert sym is not None
    f, cap = venue(state).funding, venue(state).config.funding_cap
    return {"symbol": sym, "expected_rate": cut(f.expected(sym), FORECAST_QUANTUM),
            "rate_value": cut(f.last_rate[sym], RATE_QUANTUM), "funding_time": f.next_time[sym],
            "funding_upper_limit": num(cap), "funding_lower_limit": num(-cap), "timestamp": state.now_ms()}


def funding_rate_history(state: State, req: Req) -> Any:
    sym = query_symbol(state, req)
    limit = int_query(req, "limit", 100, 100)
    rows = [h for h in reversed(venue(state).funding.history) if h[0] == sym][:limit]
    return {"list": [{"symbol": s, "funding_rate": cut(rate, RATE_QUANTUM), "funding_time": str(t)}
                     for s, rate, t in rows]}


def _kline(state: State, req: Req, mark: bool) -> Any:
    sym = query_symbol(state, req)
    assert sym is not None
    raw = req.query.get("step") or "1"
    if not (raw.isascii() and raw.isdigit()) or int(raw) not in STEPS:
        raise ferror(E.KLINE_STEP_INVALID)
    start, end = time_bounds(state, req, 1000, required=True)
    assert start is not None and end is not None
    m = venue(state).market
    get = m.mark_candles if mark else m.candles
    return [_candle(c) for c in get(sym, int(raw), start // 1000, end // 1000)]


def _candle(c: Candle) -> dict[str, Any]:
    return {"timestamp": c.open_time_s, "open_price": num(c.open), "high_price": num(c.high),
            "low_price": num(c.low), "close_price": num(c.close), "volume": num(c.volume)}


def kline(state: State, req: Req) -> Any:
    return _kline(state, req, mark=False)


def markprice_kline(state: State, req: Req) -> Any:
    return _kline(state, req, mark=True)


def open_interest(state: State, req: Req) -> Any:
    sym = query_symbol(state, req)
    assert sym is not None
    v = venue(state)
    oi = v.open_interest(sym)
    value = oi * rules_of(state, sym).contract_size * v.marks.mark[sym]
    return {"timestamp": state.now_ms(), "symbol": sym, "open_interest": num(oi), "open_interest_value": num(value)}


def leverage_bracket(state: State, req: Req) -> Any:
    sym = query_symbol(state, req, required=False)
    contracts = venue(state).engine.contracts
    chosen = [contracts[sym]] if sym else list(contracts.values())
    return {"rules": [{"symbol": r.symbol, "brackets": [
        {"bracket": b.bracket, "initial_leverage": b.initial_leverage, "notional_cap": num(b.notional_cap),
         "notional_floor": num(b.notional_floor), "maint_margin_ratio": num(b.maint_margin_ratio), "cum": num(b.cum)}
        for b in r.brackets]} for r in chosen]}
