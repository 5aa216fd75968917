"""BitMart spot WebSocket payloads -> models. Pure functions, no I/O (bitmart_api.md §8.4, §8.5).

Every parser raises `ParseError` (a ValueError) on a payload it cannot read; none raises anything else.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from host_spec import Candle, PublicTrade, Side, Ticker, TradingPair

from bitmart_plugin.depth import Depth
from bitmart_plugin.fields import ParseError, decode
from bitmart_plugin.fields import dec as _dec
from bitmart_plugin.fields import integer as _int
from bitmart_plugin.fields import opt_dec as _opt_dec
from bitmart_plugin.fields import opt_int as _opt_int
from bitmart_plugin.fields import text as _str

__all__ = [
    "DEPTH_INCREASE",
    "Depth",
    "ParseError",
    "WsBalanceUpdate",
    "WsOrderUpdate",
    "decode",
    "iter_items",
    "parse_balance",
    "parse_depth",
    "parse_kline",
    "parse_order",
    "parse_ticker",
    "parse_trade",
    "to_pair",
    "to_symbol",
    "topic",
]

DEPTH_INCREASE = "spot/depth/increase100"
_KLINE_INTERVALS = {"1m", "5m", "15m", "30m", "1H", "2H", "4H", "1D", "1W", "1M"}


def to_symbol(pair: TradingPair) -> str:
    """TradingPair("BTC","USDT") -> "BTC_USDT"."""
    return f"{pair.base}_{pair.quote}"


def to_pair(symbol: str) -> TradingPair:
    """"BTC_USDT" -> TradingPair("BTC","USDT")."""
    base, sep, quote = symbol.partition("_")
    if not sep or "_" in quote:
        raise ParseError(f"not a BitMart spot symbol: {symbol!r}")
    try:
        return TradingPair.parse(f"{base}-{quote}")
    except ValueError:
        raise ParseError(f"not a BitMart spot symbol: {symbol!r}") from None


def topic(channel: str, symbol: str) -> str:
    """"spot/trade", "BTC_USDT" -> "spot/trade:BTC_USDT"."""
    return f"{channel}:{symbol}"


def iter_items(message: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Route a push: yields (table, symbol, item) for each item of `data` ("" when an item has no symbol)."""
    table = message.get("table")
    data = message.get("data")
    if not isinstance(table, str) or not isinstance(data, list):
        raise ParseError("push without table/data")
    for item in data:
        if not isinstance(item, dict):
            raise ParseError(f"{table}: data item is not an object")
        symbol = item.get("symbol", "")
        yield table, symbol if isinstance(symbol, str) else "", item


# ---- helpers -------------------------------------------------------------------------------------


def _pair_of(item: dict[str, Any]) -> TradingPair:
    symbol = item.get("symbol")
    if not isinstance(symbol, str):
        raise ParseError("item has no symbol")
    return to_pair(symbol)


def _side(value: object) -> Side:
    if value == "buy":
        return Side.BUY
    if value == "sell":
        return Side.SELL
    raise ParseError(f"side: expected buy or sell, got {value!r}")


# ---- public channels -----------------------------------------------------------------------------


def parse_depth(table: str, item: dict[str, Any]) -> Depth:
    """spot/depth/increase100 (versioned) or spot/depth{5,20,50} (each a snapshot; version = ms_t)."""
    bids, asks = item.get("bids", []), item.get("asks", [])
    if not isinstance(bids, list) or not isinstance(asks, list):
        raise ParseError(f"{table}: bids/asks are not lists")
    symbol = item.get("symbol")
    if not isinstance(symbol, str):
        raise ParseError(f"{table}: item has no symbol")
    ts = _opt_int(item, "ms_t") or 0
    if table == DEPTH_INCREASE:
        kind = item.get("type")
        if kind not in ("snapshot", "update"):
            raise ParseError(f"{table}: type must be snapshot or update, got {kind!r}")
        return Depth(symbol, kind == "snapshot", _int(item.get("version"), "version"), ts, bids, asks)
    return Depth(symbol, True, ts, ts, bids, asks)


def parse_trade(item: dict[str, Any]) -> PublicTrade:
    ts = _opt_int(item, "ms_t")
    if ts is None:
        ts = (_opt_int(item, "s_t") or 0) * 1000
    return PublicTrade(
        pair=_pair_of(item),
        price=_dec(item, "price"),
        amount=_dec(item, "size"),
        taker_side=_side(item.get("side")),
        timestamp_ms=ts,
        trade_id=_str(item, "s_t"),
    )


def parse_ticker(item: dict[str, Any]) -> Ticker:
    return Ticker(
        pair=_pair_of(item),
        last=_dec(item, "last_price"),
        best_bid=_opt_dec(item, "bid_px"),
        best_ask=_opt_dec(item, "ask_px"),
        volume_24h=_opt_dec(item, "base_volume_24h") or Decimal(0),
        timestamp_ms=_opt_int(item, "ms_t") or (_opt_int(item, "s_t") or 0) * 1000,
    )


def parse_kline(table: str, item: dict[str, Any]) -> Candle:
    """spot/kline<interval>: candle = [open_time_s, open, high, low, close, volume]."""
    interval = table.removeprefix("spot/kline")
    if interval not in _KLINE_INTERVALS:
        raise ParseError(f"unknown kline table {table!r}")
    candle = item.get("candle")
    if not isinstance(candle, list) or len(candle) < 6:
        raise ParseError(f"{table}: candle must be a list of 6")
    fields = {"o": candle[1], "h": candle[2], "l": candle[3], "c": candle[4], "v": candle[5]}
    return Candle(
        pair=_pair_of(item),
        interval=interval,
        open_time_s=_int(candle[0], "candle[0]"),
        open=_dec(fields, "o"),
        high=_dec(fields, "h"),
        low=_dec(fields, "l"),
        close=_dec(fields, "c"),
        volume=_dec(fields, "v"),
    )


# ---- private channels ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WsOrderUpdate:
    """One spot/user/order(s) push (§8.5). Empty strings become None; legacy fields are kept as text."""

    symbol: str
    pair: TradingPair
    order_id: str
    client_order_id: str
    side: Side
    type: str
    entrust_type: str
    order_state: str
    price: Decimal | None
    size: Decimal | None
    notional: Decimal | None
    filled_size: Decimal
    filled_notional: Decimal
    last_fill_price: Decimal | None
    last_fill_count: Decimal | None
    last_fill_time: int | None
    exec_type: str
    detail_id: str
    deal_fee: Decimal | None
    deal_fee_coin_name: str
    create_time: int | None
    update_time: int | None
    ms_t: int | None
    order_mode: str = ""
    margin_trading: str = ""
    state: str = ""
    order_type: str = ""

    @property
    def has_fill(self) -> bool:
        """True when this push reports a (new) fill: a trade id and a non-zero last fill size."""
        return bool(self.detail_id) and bool(self.last_fill_count)

    @property
    def is_maker(self) -> bool:
        return self.exec_type == "M"


_LEGACY_STATES = {"4": "new", "5": "partially_filled", "6": "filled", "8": "canceled", "12": "partially_canceled"}


def parse_order(item: dict[str, Any]) -> WsOrderUpdate:
    state = _str(item, "state")
    order_state = _str(item, "order_state") or _LEGACY_STATES.get(state, "")
    if not order_state:
        raise ParseError("order push without order_state")
    order_id = _str(item, "order_id")
    if not order_id:
        raise ParseError("order push without order_id")
    return WsOrderUpdate(
        symbol=_str(item, "symbol"),
        pair=_pair_of(item),
        order_id=order_id,
        client_order_id=_str(item, "client_order_id"),
        side=_side(item.get("side")),
        type=_str(item, "type"),
        entrust_type=_str(item, "entrust_type"),
        order_state=order_state,
        price=_opt_dec(item, "price"),
        size=_opt_dec(item, "size"),
        notional=_opt_dec(item, "notional"),
        filled_size=_opt_dec(item, "filled_size") or Decimal(0),
        filled_notional=_opt_dec(item, "filled_notional") or Decimal(0),
        last_fill_price=_opt_dec(item, "last_fill_price"),
        last_fill_count=_opt_dec(item, "last_fill_count"),
        last_fill_time=_opt_int(item, "last_fill_time"),
        exec_type=_str(item, "exec_type"),
        detail_id=_str(item, "detail_id"),
        deal_fee=_opt_dec(item, "dealFee"),
        deal_fee_coin_name=_str(item, "deal_fee_coin_name"),
        create_time=_opt_int(item, "create_time"),
        update_time=_opt_int(item, "update_time"),
        ms_t=_opt_int(item, "ms_t"),
        order_mode=_str(item, "order_mode"),
        margin_trading=_str(item, "margin_trading"),
        state=state,
        order_type=_str(item, "order_type"),
    )


@dataclass(frozen=True, slots=True)
class WsBalanceUpdate:
    """One balance row of a spot/user/balance push: post-change absolute balances."""

    asset: str
    available: Decimal
    frozen: Decimal
    event_type: str
    event_time_ms: int


def parse_balance(item: dict[str, Any]) -> list[WsBalanceUpdate]:
    details = item.get("balance_details")
    if not isinstance(details, list):
        raise ParseError("balance push without balance_details")
    event_type = _str(item, "event_type")
    when = _opt_int(item, "event_time") or 0
    out = []
    for row in details:
        if not isinstance(row, dict) or not isinstance(row.get("ccy"), str):
            raise ParseError("balance row without ccy")
        out.append(WsBalanceUpdate(row["ccy"], _dec(row, "av_bal"), _dec(row, "fz_bal"), event_type, when))
    return out
