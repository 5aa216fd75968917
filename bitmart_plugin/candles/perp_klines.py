"""USDT-M perpetual klines on the wire (bitmart_futures.md §9) and the perp candles feed's constructor.

REST `GET /contract/public/kline` (mark price: `/contract/public/markprice-kline`) takes `step` in
minutes and `start_time`/`end_time` in **seconds**, both bounds inclusive on the open time (§2.4, §9.1;
ccxt sends milliseconds there, §7.2-4), and answers at most 500 rows
`{"timestamp","open_price","high_price","low_price","close_price","volume"}`. Pushes come on
`futures/klineBin<iv>:<SYM>` (`futures/markPriceKlineBin<iv>:<SYM>`) as text frames
`{"group","data":{"symbol","items":[{"o","h","l","c","v","ts"}]}}` or the doc's flat `data`. Volumes are
contracts (the feed scales them to base by the contract size); there is no quote volume, so it is 0.
Open times are floored to the interval: older venue data stamps candles one second after their open (C5).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from host_spec import Candle, InvalidPair, StreamError, TradingPair

from bitmart_plugin.candles.feed import BitmartCandlesFeed, ContractSize
from bitmart_plugin.candles.intervals import PERP_INTERVALS, Interval, parse_interval

__all__ = ["CONNECTOR", "PERP", "PERP_MARK", "PerpKlines", "details_contract_size", "perp_candles_feed"]

CONNECTOR = "bitmart_perpetual"
DETAILS_PATH = "/contract/public/details"
_SPEED = re.compile(r"@\d+ms$")


def _dec(fields: Mapping[str, Any], key: str) -> Decimal:
    raw = fields[key]
    if isinstance(raw, bool) or not isinstance(raw, (str, int)):
        raise ValueError(f"{key} is {raw!r}, not a decimal string")
    value = Decimal(str(raw))
    if not value.is_finite() or value < 0:
        raise ValueError(f"{key} is {raw!r}")
    return value


def _seconds(fields: Mapping[str, Any], key: str) -> int:
    raw = fields[key]
    if isinstance(raw, bool) or not (isinstance(raw, int) or (isinstance(raw, str) and raw.isascii() and raw.isdigit())):
        raise ValueError(f"{key} is {raw!r}, not epoch seconds")
    return int(raw)


def _candle(fields: Mapping[str, Any], keys: tuple[str, ...], pair: TradingPair, interval: Interval,
            scale: Decimal, what: str) -> Candle:
    """Candle from the six fields named by `keys` (time, open, high, low, close, volume in contracts)."""
    if not isinstance(fields, Mapping):
        raise StreamError(f"BitMart futures sent an unreadable {what} {fields!r}", connector=CONNECTOR)
    t, o, h, low, c, v = keys
    try:
        return Candle(pair=pair, interval=interval.name, open_time_s=interval.floor(_seconds(fields, t)),
                      open=_dec(fields, o), high=_dec(fields, h), low=_dec(fields, low), close=_dec(fields, c),
                      volume=_dec(fields, v) * scale)
    except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
        raise StreamError(f"BitMart futures sent an unreadable {what} {dict(fields)!r} ({exc})",
                          connector=CONNECTOR) from None


_ROW = ("timestamp", "open_price", "high_price", "low_price", "close_price", "volume")
_PUSH = ("ts", "o", "h", "l", "c", "v")


@dataclass(frozen=True)
class PerpKlines:
    """The USDT-M perpetual `KlineMarket` (`PERP`; mark-price candles: `PERP_MARK`)."""

    title: str = "BitMart USDT-M perpetual"
    connector: str = CONNECTOR
    intervals: dict[str, Interval] = field(default_factory=lambda: PERP_INTERVALS)
    rest_path: str = "/contract/public/kline"
    channel: str = "futures/klineBin"
    max_per_call: int = 500
    contracts: bool = True
    ws_options: dict[str, Any] = field(default_factory=lambda: {"action_key": "action"})

    def parse_interval(self, text: str) -> Interval:
        return parse_interval(text, self.intervals, market=self.title, connector=self.connector)

    def symbol(self, pair: TradingPair) -> str:
        if pair.quote != "USDT":
            raise InvalidPair(f"{pair} cannot be a BitMart USDT-M perpetual: contracts are quoted in USDT "
                              f"(for example {pair.base}-USDT)", connector=self.connector)
        return f"{pair.base}{pair.quote}"

    def page_params(self, symbol: str, interval: Interval, lo: int, hi: int, limit: int) -> dict[str, Any]:
        return {"symbol": symbol, "step": interval.step, "start_time": lo, "end_time": hi - 1}

    def parse_row(self, row: Any, pair: TradingPair, interval: Interval, scale: Decimal) -> Candle:
        return _candle(row, _ROW, pair, interval, scale, "kline row")

    def topic(self, symbol: str, interval: Interval) -> str | None:
        return None if interval.ws is None else f"{self.channel}{interval.ws}:{symbol}"

    def pushes(self, message: Any) -> list[tuple[str, Any]]:
        if not isinstance(message, dict) or "action" in message:
            return []  # acks, refusals and the System pong
        group = message.get("group")
        if not isinstance(group, str) or not group.startswith(self.channel):
            return []
        topic = _SPEED.sub("", group)
        data = message["data"]
        items = data["items"] if isinstance(data, dict) and "items" in data else [data]
        return [(topic, item) for item in items]

    def parse_push(self, item: Any, pair: TradingPair | None, interval: Interval, scale: Decimal) -> Candle:
        if pair is None:  # futures items do not name their symbol; the subscription knows the pair
            raise ValueError("a futures kline push is parsed for the pair it was subscribed for")
        return _candle(item, _PUSH, pair, interval, scale, "kline push")

    def refusal(self, message: Any) -> tuple[str, str] | None:
        if not isinstance(message, dict) or message.get("success") is not False:
            return None
        group = message.get("group")
        if not isinstance(group, str) or not group.startswith(self.channel):
            return None
        return group, str(message.get("error", ""))


PERP = PerpKlines()
PERP_MARK = PerpKlines(title="BitMart USDT-M perpetual mark price", rest_path="/contract/public/markprice-kline",
                       channel="futures/markPriceKlineBin", contracts=False)  # mark candles have volume 0


def details_contract_size(rest: Any) -> ContractSize:
    """A `contract_size(pair)` lookup through `GET /contract/public/details?symbol=` (public, no credentials)."""

    async def contract_size(pair: TradingPair) -> Decimal:
        symbol = PERP.symbol(pair)
        data = await rest.request(DETAILS_PATH, "GET", {"symbol": symbol}, what="contract details")
        rows = data.get("symbols") if isinstance(data, dict) else None
        row = next((r for r in rows or () if isinstance(r, dict) and r.get("symbol") == symbol), None)
        if row is None:
            raise InvalidPair(f"{pair} ({symbol}) is not a BitMart futures contract", connector=CONNECTOR)
        try:
            size = _dec(row, "contract_size")
        except (KeyError, ValueError, InvalidOperation):
            size = Decimal(0)
        if size <= 0:
            raise StreamError(f"BitMart futures sent no usable contract_size for {symbol}: "
                              f"{row.get('contract_size')!r}", connector=CONNECTOR)
        return size

    return contract_size


def perp_candles_feed(rest: Any = None, ws_url: str | None = None, *, mark: bool = False,
                      contract_size: ContractSize | None = None, **options: Any) -> BitmartCandlesFeed:
    """The perp candles feed a `bitmart_perpetual` session serves `candles_feed` with.

    `rest` is the session's futures REST client (`request(path, method, params, what=)`), `ws_url` its
    public futures WebSocket (settings `futures_ws_public_url`). `mark` gives mark-price candles.
    `contract_size(pair)` defaults to a details lookup through `rest`; a connector that has loaded the
    contracts passes its own. `options` go to `BitmartCandlesFeed` (fetch, streams, clock, grace_s, ...).
    """
    market = PERP_MARK if mark else PERP
    if contract_size is None and market.contracts:
        if rest is None:
            raise ValueError("the perp candles feed needs a REST client or a contract_size lookup")
        contract_size = details_contract_size(rest)
    return BitmartCandlesFeed(rest, ws_url, market=market, contract_size=contract_size, **options)
