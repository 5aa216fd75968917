"""Candle intervals: host names ("1m" ... "1M") -> BitMart REST `step` minutes and WS channel suffixes (api §11)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime, timezone

from host_spec import ConnectorError

__all__ = ["INTERVALS", "Interval", "UnsupportedInterval", "parse_interval"]

DAY = 86_400


class UnsupportedInterval(ConnectorError, ValueError):
    """The interval is not one BitMart spot serves; the message lists the allowed ones."""


@dataclass(frozen=True, slots=True)
class Interval:
    """One candle interval: host name, REST `step` (minutes), WS suffix, nominal length in seconds."""

    name: str
    step: int
    ws: str
    seconds: int

    @property
    def calendar_month(self) -> bool:
        return self.name == "1M"

    @property
    def min_seconds(self) -> int:
        """The shortest possible distance between two open times (28 days for months)."""
        return 28 * DAY if self.calendar_month else self.seconds

    def floor(self, t: int) -> int:
        """Start of the candle holding `t` for epoch-aligned intervals (<= 1 day); `t` itself otherwise."""
        return t - t % self.seconds if self.seconds <= DAY else t

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
_ALIASES = {"1H": "1h", "2H": "2h", "4H": "4h", "1D": "1d", "1W": "1w", "60m": "1h", "120m": "2h", "240m": "4h",
            "24h": "1d", "7d": "1w", "1mo": "1M", "1MO": "1M"}


def parse_interval(text: str) -> Interval:
    """`"1h"` (or `"1H"`, `"60m"`) -> Interval; "1m" is a minute and "1M" a month. Raises UnsupportedInterval."""
    name = text.strip()
    found = INTERVALS.get(name) or INTERVALS.get(_ALIASES.get(name, ""))
    if found is None:
        allowed = ", ".join(INTERVALS)
        raise UnsupportedInterval(f"unsupported candle interval {text!r}; BitMart spot offers {allowed}",
                                  connector="bitmart")
    return found
