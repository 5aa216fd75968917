"""`KlineMarket`: everything a candles feed needs to know about one BitMart market, and nothing more.

The feed (`feed.py`), the REST pager (`rest.py`), the kline streams (`ws.py`), polling (`poll.py`) and the
seam (`merge.py`) are shared by spot and USDT-M perpetuals; what differs (symbol form, REST path,
query parameters and their time units, row shape, topic names, push shape, the subscribe dialect,
the interval table, whether volumes count contracts) is answered by a `KlineMarket`:
`spot_klines.SpotKlines` and `perp_klines.PerpKlines`.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Protocol

from host_spec import Candle, TradingPair

from bitmart_plugin.candles.intervals import Interval

__all__ = ["KlineMarket"]


class KlineMarket(Protocol):
    """One market's kline wire forms. `scale` multiplies wire volumes (the contract size; 1 on spot)."""

    @property
    def title(self) -> str:
        """"BitMart spot", for messages."""

    @property
    def connector(self) -> str:
        """The connector id errors name."""

    @property
    def intervals(self) -> Mapping[str, Interval]: ...

    @property
    def rest_path(self) -> str: ...

    @property
    def max_per_call(self) -> int:
        """The most candles one REST call returns."""

    @property
    def contracts(self) -> bool:
        """Volumes count contracts: the feed looks up each pair's contract size."""

    @property
    def ws_options(self) -> Mapping[str, Any]:
        """Keywords for the WebSocket connection (its subscribe dialect)."""

    def parse_interval(self, text: str) -> Interval:
        """The interval named `text`; UnsupportedInterval listing this market's intervals."""

    def symbol(self, pair: TradingPair) -> str:
        """The venue's symbol of `pair` (InvalidPair when the market cannot have it)."""

    def page_params(self, symbol: str, interval: Interval, lo: int, hi: int, limit: int) -> dict[str, Any]:
        """REST query for candles with `lo <= open_time < hi` (epoch seconds)."""

    def parse_row(self, row: Any, pair: TradingPair, interval: Interval, scale: Decimal) -> Candle:
        """One REST row -> Candle (not yet marked closed); StreamError when unreadable."""

    def topic(self, symbol: str, interval: Interval) -> str | None:
        """The kline channel of `symbol` and `interval`, or None when the venue has none (poll REST)."""

    def pushes(self, message: Any) -> list[tuple[str, Any]]:
        """(topic, item) for each candle a decoded frame carries; [] for frames that are not kline data."""

    def parse_push(self, item: Any, pair: TradingPair | None, interval: Interval, scale: Decimal) -> Candle:
        """One pushed item -> Candle (open time not yet floored); `pair` None: read it from the item."""

    def refusal(self, message: Any) -> tuple[str, str] | None:
        """(topic, reason) when a decoded frame refuses a subscription the connection does not report itself."""
