"""Candle intervals: host names ("1m" ... "1M") -> BitMart REST `step` minutes and WS channel suffixes.

Spot (api §11) and USDT-M perpetuals (bitmart_futures.md §9.3) have their own tables; a perp interval
without a kline channel (3m, 6h, 12h, 3d) has `ws=None` and is followed by polling REST.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime, timezone

from host_spec import ConnectorError

__all__ = ["INTERVALS", "PERP_INTERVALS", "Interval", "UnsupportedInterval", "parse_interval"]

DAY = 86_400


class UnsupportedInterval(ConnectorError, ValueError):
    """The interval is not one the BitMart market serves; the message lists the allowed ones."""


@dataclass(frozen=True, slots=True)
class Interval:
    """One candle interval: host name, REST `step` (minutes), WS suffix (None: no channel), length in seconds."""

    name: str
    step: int
    ws: str | None
    seconds: int

    @property
    def calendar_month(self) -> bool:
        return self.name == "1M"

    @property
    def min_seconds(self) -> int:
        """The shortest possible distance between two open times (28 days for months)."""
        return 28 * DAY if self.calendar_month else self.seconds

    def floor(self, t: int) -> int:
        """Start of the candle holding `t` for epoch-aligned intervals (<= 1 day); else `t` to the minute.

        Longer candles still open on a minute, so a venue's open-time-plus-one-second stamps (futures C5)
        come out right for them too.
        """
        return t - t % (self.seconds if self.seconds <= DAY else 60)

    def end(self, open_s: int) -> int:
        """When the candle opened at `open_s` closes (a calendar month when it opens on a month's first day)."""
        if self.calendar_month:
            d = datetime.fromtimestamp(open_s, timezone.utc)
            if d.day == 1 and open_s % DAY == 0:
                year, month = (d.year + 1, 1) if d.month == 12 else (d.year, d.month + 1)
                return calendar.timegm((year, month, 1, 0, 0, 0))
        return open_s + self.seconds


INTERVALS: dict[str, Interval] = {
    i.name: i
    for i in (
        Interval("1m", 1, "1m", 60),
        Interval("5m", 5, "5m", 300),
        Interval("15m", 15, "15m", 900),
        Interval("30m", 30, "30m", 1800),
        Interval("1h", 60, "1H", 3600),
        Interval("2h", 120, "2H", 7200),
        Interval("4h", 240, "4H", 14_400),
        Interval("1d", 1440, "1D", DAY),
        Interval("1w", 10_080, "1W", 7 * DAY),
        Interval("1M", 43_200, "1M", 30 * DAY),
    )
}
PERP_INTERVALS: dict[str, Interval] = {
    i.name: i
    for i in (
        Interval("1m", 1, "1m", 60),
        Interval("3m", 3, None, 180),
        Interval("5m", 5, "5m", 300),
        Interval("15m", 15, "15m", 900),
        Interval("30m", 30, "30m", 1800),
        Interval("1h", 60, "1H", 3600),
        Interval("2h", 120, "2H", 7200),
        Interval("4h", 240, "4H", 14_400),
        Interval("6h", 360, None, 21_600),
        Interval("12h", 720, None, 43_200),
        Interval("1d", 1440, "1D", DAY),
        Interval("3d", 4320, None, 3 * DAY),
        Interval("1w", 10_080, "1W", 7 * DAY),
    )
}
_ALIASES = {"1H": "1h", "2H": "2h", "4H": "4h", "6H": "6h", "12H": "12h", "1D": "1d", "3D": "3d", "1W": "1w",
            "60m": "1h", "120m": "2h", "240m": "4h", "360m": "6h", "720m": "12h", "24h": "1d", "72h": "3d",
            "7d": "1w", "1mo": "1M", "1MO": "1M"}


def parse_interval(text: str, table: dict[str, Interval] = INTERVALS, *, market: str = "BitMart spot",
                   connector: str = "bitmart") -> Interval:
    """`"1h"` (or `"1H"`, `"60m"`) -> Interval of `table`; "1m" is a minute and "1M" a month.

    Raises UnsupportedInterval naming `market` and what it offers.
    """
    name = text.strip()
    found = table.get(name) or table.get(_ALIASES.get(name, ""))
    if found is None:
        allowed = ", ".join(table)
        raise UnsupportedInterval(f"unsupported candle interval {text!r}; {market} offers {allowed}",
                                  connector=connector)
    return found
