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

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from host_spec import Candle, InvalidPair, StreamError, TradingPair

from bitmart_plugin.candles.feed import BitmartCandlesFeed, ContractSize
from bitmart_plugin.candles.intervals import PERP_INTERVALS, Interval, parse_interval
from bitmart_plugin.fields import ParseError, dec, integer
from bitmart_plugin.perp.rules import contracts_from_details
from bitmart_plugin.perp.symbols import CONNECTOR, to_symbol
from bitmart_plugin.perp.topics import route

__all__ = ["PERP", "PERP_MARK", "PerpKlines", "details_contract_size", "perp_candles_feed"]

DETAILS_PATH = "/contract/public/details"


def _candle(fields: Any, keys: tuple[str, ...], pair: TradingPair, interval: Interval, scale: Decimal,
            what: str) -> Candle:
    """Candle from the six fields named by `keys` (time, open, high, low, close, volume in contracts)."""
    t, o, h, low, c, v = keys
    try:
        if not isinstance(fields, dict):
            raise ParseError("not an object")
        return Candle(pair=pair, interval=interval.name, open_time_s=interval.floor(integer(fields.get(t), t)),
                      open=dec(fields, o), high=dec(fields, h), low=dec(fields, low), close=dec(fields, c),
                      volume=dec(fields, v) * scale)
    except ParseError as exc:
        raise StreamError(f"BitMart futures sent an unreadable {what} {fields!r} ({exc})",
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
        return to_symbol(pair)

    def page_params(self, symbol: str, interval: Interval, lo: int, hi: int, limit: int) -> dict[str, Any]:
        return {"symbol": symbol, "step": interval.step, "start_time": lo, "end_time": hi - 1}

    def parse_row(self, row: Any, pair: TradingPair, interval: Interval, scale: Decimal) -> Candle:
        return _candle(row, _ROW, pair, interval, scale, "kline row")

    def topic(self, symbol: str, interval: Interval) -> str | None:
        return None if interval.ws is None else f"{self.channel}{interval.ws}:{symbol}"

    def pushes(self, message: Any) -> list[tuple[str, Any]]:
        push = route(message) if isinstance(message, dict) else None  # None: acks, refusals, the System pong
        if push is None or not push.channel.startswith(self.channel):
            return []
        data = push.data
        items = data["items"] if isinstance(data, dict) and "items" in data else [data]
        return [(f"{push.channel}:{push.filter}", item) for item in items]

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
        symbol = to_symbol(pair)
        data = await rest.request(DETAILS_PATH, "GET", {"symbol": symbol}, what="contract details")
        try:
            contracts = contracts_from_details(data)
        except ParseError as exc:
            raise StreamError(f"BitMart futures sent unreadable contract details: {exc}", connector=CONNECTOR) from None
        if symbol in contracts:
            return contracts.by_symbol(symbol).contract_size
        if contracts.skipped:
            raise StreamError(f"BitMart futures sent unreadable contract details: {'; '.join(contracts.skipped)}",
                              connector=CONNECTOR)
        raise InvalidPair(f"{pair} ({symbol}) is not a BitMart futures contract", connector=CONNECTOR, code=40034)

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
