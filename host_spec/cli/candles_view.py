"""What `host-spec candles` shows: ISO times, exact CSV rows, the progress bar, history notes, the terminal chart."""

from __future__ import annotations

import csv
import sys
import time
from collections.abc import Sequence
from datetime import datetime, timezone
from decimal import Decimal
from typing import IO, Any

from host_spec.models import Candle

__all__ = ["CSV_HEADER", "ProgressBar", "csv_row", "history_note", "iso", "live_line", "terminal_view", "write_csv"]

CSV_HEADER = ("time", "open", "high", "low", "close", "volume", "quote_volume")


def iso(t: int) -> str:
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _num(value: Any) -> str:
    return format(value, "f")


def csv_row(c: Candle) -> list[str]:
    return [iso(c.open_time_s), _num(c.open), _num(c.high), _num(c.low), _num(c.close), _num(c.volume),
            _num(c.quote_volume)]


def write_csv(candles: Sequence[Candle], out: IO[str]) -> None:
    """Header `time,open,high,low,close,volume,quote_volume`; time as ISO 8601 UTC, numbers exact."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    writer.writerows(csv_row(c) for c in candles)


class ProgressBar:
    """A one-line text bar on stderr: `[#####-----]  42% 300 candles`.

    The share is of the time range walked (`covered` interval slots of `expected`), not of a candle count:
    intervals without trades have no candle, and a venue's history may start inside the range.
    """

    def __init__(self, expected: int, stream: IO[str] | None = None, width: int = 30) -> None:
        self.expected = max(1, expected)
        self.stream = stream or sys.stderr
        self.width = width
        self.count = 0
        self.done = False
        self._last = -1.0

    def update(self, count: int, covered: int | None = None, force: bool = False) -> None:
        self.count = count
        now = time.monotonic()
        if self.done or (not force and now - self._last < 0.05):
            return
        self._last = now
        frac = min(1.0, (count if covered is None else covered) / self.expected)
        filled = int(frac * self.width)
        bar = "#" * filled + "-" * (self.width - filled)
        self.stream.write(f"\r[{bar}] {frac * 100:3.0f}% {count} candles")
        self.stream.flush()

    def finish(self) -> None:
        """Close the bar at 100%: the whole range was walked (the count is what the venue had)."""
        if not self.done:
            self.done = True
            self.stream.write(f"\r[{'#' * self.width}] 100% {self.count} candles{' ' * 12}\n")
            self.stream.flush()

    def abandon(self) -> None:
        """End the bar's line where it stands (an error or Ctrl-C), so what follows starts on its own line."""
        if not self.done:
            self.done = True
            self.stream.write("\n")
            self.stream.flush()


def _duration(seconds: int) -> str:
    """`3 d`, `2 d 12 h`, `12 h`, `1 h 30 min`, `45 min`, `30 s`."""
    parts = []
    for unit, size in (("d", 86_400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            parts.append(f"{seconds // size} {unit}")
            seconds %= size
        if len(parts) == 2:
            break
    return " ".join(parts) or f"{seconds} s"


def history_note(candles: Sequence[Candle], since: int, end: int, step: int, what: str) -> str | None:
    """A line saying how far the venue's history reached when it starts well after `since`, else None."""
    if not candles:
        return f"note: the venue returned no {what} candles between {iso(since)} and {iso(end)}"
    first = candles[0].open_time_s
    start = since - since % step
    if first - start < max(2 * step, (end - start) // 10):
        return None  # a few trade-less intervals at the start are not the end of the venue's history
    return (f"note: the venue has no {what} candles before {iso(first)}: its history reached back "
            f"{_duration(end - first)} of the {_duration(end - since)} asked")


def terminal_view(candles: Sequence[Candle], rows: int = 12, height: int = 14, width: int = 60) -> str:
    """The last `width` candles as a small Unicode candlestick chart, then the last `rows` as a table."""
    if not candles:
        return "no candles in that range"
    shown = list(candles[-width:])
    lo = min(c.low for c in shown)
    hi = max(c.high for c in shown)
    span = (hi - lo) or 1
    level = lambda p: int((p - lo) / span * (height - 1))  # noqa: E731 - Decimal maths, rounded to a row
    grid = [[" "] * len(shown) for _ in range(height)]
    for x, c in enumerate(shown):
        body = sorted((level(c.open), level(c.close)))
        for y in range(level(c.low), level(c.high) + 1):
            grid[y][x] = "█" if body[0] <= y <= body[1] else "│"
    color = sys.stdout.isatty()
    places = max(0, max(-int(c.close.as_tuple().exponent) for c in shown))
    quantum = Decimal(1).scaleb(-places)
    lines = []
    for y in range(height - 1, -1, -1):
        price = (lo + span * y / (height - 1)).quantize(quantum)
        cells = []
        for x, ch in enumerate(grid[y]):
            up = shown[x].close >= shown[x].open
            cells.append(f"\x1b[{32 if up else 31}m{ch}\x1b[0m" if color and ch != " " else ch)
        lines.append(f"{_num(price):>16} ┤" + "".join(cells))
    lines.append(" " * 17 + "└" + "─" * len(shown))
    lines.append(" " * 18 + f"{iso(shown[0].open_time_s)}  ->  {iso(shown[-1].open_time_s)}")
    lines.append("")
    header = ["time", "open", "high", "low", "close", "volume", ""]
    body_rows = [csv_row(c)[:6] + ["" if c.closed else "forming"] for c in candles[-rows:]]
    widths = [max(len(r[i]) for r in [header, *body_rows]) for i in range(len(header))]
    for r in [header, *body_rows]:
        lines.append("  ".join(v.rjust(w) if i else v.ljust(w) for i, (v, w) in enumerate(zip(r, widths))).rstrip())
    return "\n".join(lines)


def live_line(c: Candle) -> str:
    state = "closed " if c.closed else "forming"
    return f"{iso(c.open_time_s)}  {state}  O {_num(c.open)}  H {_num(c.high)}  L {_num(c.low)}  C {_num(c.close)}  V {_num(c.volume)}"
