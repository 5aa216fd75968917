"""Data objects of the futures WS pushes, field for field as the captures in
``bitmart_futures_payloads/ws_{public,private}`` (decimals as strings, times as ints)."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from ..core.events import ZERO, Candle
from .events import ACTION_SUBMIT, ContractFill, ContractOrder, Position

AVG_QUANTUM = Decimal("1E-18")  # live averages carry up to 18 decimals ("71.681666666666666667")
RANGE_QUANTUM = Decimal("1E-16")  # live ticker "range" carries 16
RATE_QUANTUM = Decimal("1E-12")  # settled/current funding rates: 12 decimals (§4.1)
FORECAST_QUANTUM = Decimal("1E-7")  # forecasts: 7 decimals (§4.1)


def num(value: Decimal) -> str:
    """Shortest plain decimal ("60000", "0.108"), never an exponent or "-0"."""
    return f"{value.normalize():f}" if value else "0"


def cut(value: Decimal, quantum: Decimal) -> str:
    """``value`` with at most the decimals of ``quantum``."""
    exp = value.as_tuple().exponent
    if isinstance(exp, int) and exp < quantum.as_tuple().exponent:  # type: ignore[operator]
        value = value.quantize(quantum)
    return num(value)


def rfc3339_ns(time_ms: int) -> str:
    """``2023-12-03T15:48:23.517000000Z``: BitMart's nanosecond form (the venue knows milliseconds)."""
    secs, ms = divmod(time_ms, 1000)
    return datetime.fromtimestamp(secs, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S") + f".{ms:03d}000000Z"


# -- public -------------------------------------------------------------------------------------
def way_of(buyer: ContractFill, seller: ContractFill, buyer_is_maker: bool) -> int:
    """DOC way table: 1–4 name the maker buyer's action first (taker sold), 5–8 the maker seller's (C1).

    Within a group: buyer opens/closes (side 1/2) and seller opens/closes (side 4/3)."""
    buyer_close = 1 if buyer.side_code == 2 else 0
    seller_close = 1 if seller.side_code == 3 else 0
    if buyer_is_maker:
        return 1 + 2 * buyer_close + seller_close
    return 5 + 2 * seller_close + buyer_close


def trade_row(maker: ContractFill, taker: ContractFill) -> dict[str, Any]:
    """One ``futures/trade`` element; ``trade_id`` a digit string (newest live form, Q19)."""
    buyer_is_maker = maker.side_code in (1, 2)
    buyer, seller = (maker, taker) if buyer_is_maker else (taker, maker)
    return {"trade_id": taker.trade_id, "symbol": taker.symbol, "deal_price": num(taker.price),
            "deal_vol": num(taker.vol), "way": way_of(buyer, seller, buyer_is_maker), "m": buyer_is_maker,
            "created_at": rfc3339_ns(taker.time_ms)}


def ticker_row(symbol: str, last: Decimal, volume_24: Decimal, open_24: Decimal | None, mark: Decimal,
               index: Decimal, bid: tuple[Decimal, Decimal] | None, ask: tuple[Decimal, Decimal] | None
               ) -> dict[str, Any]:
    change = (last - open_24) / open_24 if open_24 else ZERO
    ask_px, ask_vol = ask or (ZERO, ZERO)
    bid_px, bid_vol = bid or (ZERO, ZERO)
    return {"symbol": symbol, "last_price": num(last), "volume_24": num(volume_24),
            "range": cut(change, RANGE_QUANTUM), "mark_price": num(mark), "index_price": num(index),
            "ask_price": num(ask_px), "ask_vol": num(ask_vol), "bid_price": num(bid_px), "bid_vol": num(bid_vol)}


def funding_row(symbol: str, rate: Decimal, forecast: Decimal, next_time_ms: int, cap: Decimal,
                now_ms: int) -> dict[str, Any]:
    """``fundingTime`` is the push time cut to the second (C6, Q11); ``nextFundingTime`` the next settlement."""
    return {"symbol": symbol, "fundingRate": cut(rate, RATE_QUANTUM), "fundingTime": now_ms // 1000 * 1000,
            "nextFundingRate": cut(forecast, FORECAST_QUANTUM), "nextFundingTime": next_time_ms,
            "funding_upper_limit": num(cap), "funding_lower_limit": num(-cap), "ts": now_ms}


def bookticker_row(symbol: str, bid: tuple[Decimal, Decimal] | None, ask: tuple[Decimal, Decimal] | None,
                   now_ms: int) -> dict[str, Any]:
    bid_px, bid_vol = bid or (ZERO, ZERO)
    ask_px, ask_vol = ask or (ZERO, ZERO)
    return {"symbol": symbol, "best_bid_price": num(bid_px), "best_bid_vol": num(bid_vol),
            "best_ask_price": num(ask_px), "best_ask_vol": num(ask_vol), "ms_t": now_ms}


def kline_data(symbol: str, c: Candle) -> dict[str, Any]:
    """The live ``items`` form (one item); ``ts`` the candle's open in seconds (aligned, Q6); ``v`` contracts."""
    return {"symbol": symbol, "items": [{"o": num(c.open), "h": num(c.high), "l": num(c.low), "c": num(c.close),
                                         "v": num(c.volume), "ts": c.open_time_s}]}


# -- private ------------------------------------------------------------------------------------
def order_entry(o: ContractOrder, fill: ContractFill | None, action: int, approval: bool) -> dict[str, Any]:
    """``{"action","order"}``; ``approval`` announces a market/FOK/IOC submit with the live state 1 (C13)."""
    if action == ACTION_SUBMIT and approval and (o.type == "market" or o.mode in (2, 3)):
        state = 1
    else:
        state = 2 if o.is_open else 4
    last = None if fill is None else {
        "lastTradeID": int(fill.trade_id), "fillQty": num(fill.vol), "fillPrice": num(fill.price),
        "fee": num(-fill.fee), "feeCcy": "USDT"}  # negative when charged (C7)
    return {"action": action, "order": {
        "order_id": o.order_id, "client_order_id": o.client_order_id or "", "price": num(o.price or ZERO),
        "size": num(o.size or ZERO), "symbol": o.symbol, "state": state, "side": o.side_code, "type": o.type,
        "leverage": str(o.leverage), "open_type": o.open_type, "deal_avg_price": cut(o.price_avg, AVG_QUANTUM),
        "deal_size": num(o.filled_size), "create_time": o.create_time_ms, "update_time": o.update_time_ms,
        "plan_order_id": "", "last_trade": last, "trigger_price": "-", "trigger_price_type": "-",
        "execution_price": "-", "activation_price_type": "-", "activation_price": "-", "callback_rate": "-",
        "position_mode": o.position_mode}}


def position_row(p: Position, liquidate_price: Decimal, position_mode: str) -> dict[str, Any]:
    return {"symbol": p.symbol, "hold_volume": num(p.hold_volume), "position_type": 1 if p.direction == "long" else 2,
            "open_type": 1 if p.open_type == "isolated" else 2, "frozen_volume": num(p.frozen_volume),
            "close_volume": num(p.close_volume), "hold_avg_price": cut(p.entry_price, AVG_QUANTUM),
            "close_avg_price": cut(p.close_avg_price, AVG_QUANTUM),
            "open_avg_price": cut(p.open_avg_price, AVG_QUANTUM), "liquidate_price": cut(liquidate_price, AVG_QUANTUM),
            "create_time": p.create_time_ms, "update_time": p.update_time_ms, "position_mode": position_mode}


def asset_row(currency: str, available: Decimal, position_deposit: Decimal, frozen: Decimal) -> dict[str, Any]:
    return {"currency": currency, "available_balance": num(available), "position_deposit": num(position_deposit),
            "frozen_balance": num(frozen)}
