"""Spot klines on the wire: REST `/spot/quotation/v3/klines` (api §6.3) and WS `spot/kline<iv>:<SYMBOL>` (§8.4).

REST takes exclusive `after`/`before` bounds in seconds and a `limit` (at most 200), and answers rows
`["t","o","h","l","c","v_base","qv_quote"]`, newest first. Pushes are `{"table","data":[{"symbol","candle"}]}`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from host_spec import Candle, StreamError, TradingPair

from bitmart_plugin.candles.intervals import INTERVALS, Interval, parse_interval
from bitmart_plugin.spot.parsing import parse_kline

__all__ = ["KLINES_PATH", "MAX_PER_CALL", "SPOT", "SpotKlines", "parse_rest_row"]

KLINES_PATH = "/spot/quotation/v3/klines"
MAX_PER_CALL = 200


def parse_rest_row(row: Sequence[Any], pair: TradingPair, interval: Interval) -> Candle:
    """`["t","o","h","l","c","v_base","qv_quote"]` -> Candle (not yet marked closed)."""
    try:
        return Candle(
            pair=pair,
            interval=interval.name,
            open_time_s=int(row[0]),
            open=Decimal(str(row[1])),
            high=Decimal(str(row[2])),
            low=Decimal(str(row[3])),
            close=Decimal(str(row[4])),
            volume=Decimal(str(row[5])),
            quote_volume=Decimal(str(row[6])) if len(row) > 6 and row[6] not in (None, "") else Decimal(0),
        )
    except (IndexError, TypeError, ValueError, ArithmeticError) as exc:
        raise StreamError(f"BitMart sent an unreadable kline row {row!r} ({exc})", connector="bitmart") from None


@dataclass(frozen=True)
class SpotKlines:
    """The spot `KlineMarket`."""

    title: str = "BitMart spot"
    connector: str = "bitmart"
    intervals: dict[str, Interval] = field(default_factory=lambda: INTERVALS)
    rest_path: str = KLINES_PATH
    max_per_call: int = MAX_PER_CALL
    contracts: bool = False
    ws_options: dict[str, Any] = field(default_factory=dict)

    def parse_interval(self, text: str) -> Interval:
        return parse_interval(text, self.intervals, market=self.title, connector=self.connector)

    def symbol(self, pair: TradingPair) -> str:
        return f"{pair.base}_{pair.quote}"

    def page_params(self, symbol: str, interval: Interval, lo: int, hi: int, limit: int) -> dict[str, Any]:
        return {"symbol": symbol, "step": interval.step, "after": lo - 1, "before": hi, "limit": limit}

    def parse_row(self, row: Any, pair: TradingPair, interval: Interval, scale: Decimal) -> Candle:
        return parse_rest_row(row, pair, interval)

    def topic(self, symbol: str, interval: Interval) -> str | None:
        return f"spot/kline{interval.ws}:{symbol}"

    def pushes(self, message: Any) -> list[tuple[str, Any]]:
        table = message.get("table", "") if isinstance(message, dict) else ""
        if not isinstance(table, str) or not table.startswith("spot/kline"):
            return []
        return [(f"{table}:{item['symbol']}", (table, item)) for item in message["data"]]

    def parse_push(self, item: Any, pair: TradingPair | None, interval: Interval, scale: Decimal) -> Candle:
        table, fields = item
        return parse_kline(table, fields)

    def refusal(self, message: Any) -> tuple[str, str] | None:
        return None  # spot refusals carry `errorCode`: the connection reports them itself


SPOT = SpotKlines()
