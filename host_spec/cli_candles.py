"""`host-spec candles <connector> <PAIR> <interval>`: backfill (with a progress bar), CSV, PNG chart, follow.

Generic: it knows no exchange and talks only to `Connection.candles`.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
import time
from collections.abc import Sequence
from datetime import datetime, timezone
from decimal import Decimal
from typing import IO, Any

from host_spec.host import Connection, Host
from host_spec.models import Candle, TradingPair

__all__ = ["INTERVAL_SECONDS", "add_candles_command", "cmd_candles", "parse_time", "write_csv"]

INTERVAL_SECONDS = {"1m": 60, "3m": 180, "5m": 300, "15m": 900, "30m": 1800, "1h": 3600, "2h": 7200, "4h": 14_400,
                    "6h": 21_600, "12h": 43_200, "1d": 86_400, "1w": 604_800, "1M": 2_592_000}
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}
_RELATIVE = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhdw])(?:\s*ago)?$")
CSV_HEADER = ("time", "open", "high", "low", "close", "volume", "quote_volume")


def interval_seconds(interval: str) -> int:
    """Nominal length of a host-style interval ("1m" minute, "1M" month ~ 30 days); ValueError if unknown."""
    seconds = INTERVAL_SECONDS.get(interval) or INTERVAL_SECONDS.get(interval.lower())
    if seconds is None:
        raise ValueError(f"unknown interval {interval!r}; use one of {', '.join(INTERVAL_SECONDS)}")
    return seconds


def parse_time(text: str, now: float | None = None) -> int:
    """Epoch seconds from `1700000000`, an ISO date/time (UTC unless it has an offset), `now`, or `2h`/`1d` ago."""
    value = text.strip()
    now = time.time() if now is None else now
    if value.lower() == "now":
        return int(now)
    if re.fullmatch(r"\d{9,13}", value):
        number = int(value)
        return number // 1000 if number > 10**11 else number  # milliseconds are accepted too
    match = _RELATIVE.match(value.lower())
    if match:
        return int(now - float(match.group(1)) * _UNITS[match.group(2)])
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"cannot read the time {text!r}: use an ISO date (2024-05-01T12:00), "
                         "epoch seconds, or a relative time such as 2h, 3d, 1w") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return int(parsed.timestamp())


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
    """A one-line text bar on stderr: `[#####-----]  42% 300/720 candles`."""

    def __init__(self, expected: int, stream: IO[str] | None = None, width: int = 30) -> None:
        self.expected = max(1, expected)
        self.stream = stream or sys.stderr
        self.width = width
        self.count = 0
        self.done = False
        self._last = -1.0

    def update(self, count: int, force: bool = False) -> None:
        self.count = count
        now = time.monotonic()
        if self.done or (not force and now - self._last < 0.05):
            return
        self._last = now
        frac = min(1.0, count / self.expected)
        filled = int(frac * self.width)
        bar = "#" * filled + "-" * (self.width - filled)
        self.stream.write(f"\r[{bar}] {frac * 100:3.0f}% {count}/{self.expected} candles")
        self.stream.flush()

    def finish(self) -> None:
        """Close the bar at 100% with the real count (intervals without trades may have no candle)."""
        if not self.done:
            self.done = True
            self.stream.write(f"\r[{'#' * self.width}] 100% {self.count} candles{' ' * 12}\n")
            self.stream.flush()


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


def _live_line(c: Candle) -> str:
    state = "closed " if c.closed else "forming"
    return f"{iso(c.open_time_s)}  {state}  O {_num(c.open)}  H {_num(c.high)}  L {_num(c.low)}  C {_num(c.close)}  V {_num(c.volume)}"


async def _collect(conn: Connection, args: argparse.Namespace, pair: TradingPair) -> int:
    from host_spec.chart import save_candles_png

    step = interval_seconds(args.interval)
    until = parse_time(args.until) if args.until else None
    end = until if until is not None else int(time.time())
    since = parse_time(args.since) if args.since else end - args.limit * step
    if since >= end:
        raise ValueError("--since must be before --until")
    expected = -(-(end - since) // step)
    bar = None if args.quiet else ProgressBar(expected)
    candles: dict[int, Candle] = {}
    live = False  # with --follow: True once the backfill is over
    closed_live = 0
    csv_file = open(args.csv, "w", newline="") if args.csv else None  # noqa: SIM115 - closed below
    try:
        async for candle in conn.candles(pair, args.interval, since, until, args.follow):
            if args.follow and not live and (not candle.closed or len(candles) >= expected):
                live = True
                if bar is not None:
                    bar.finish()
                _flush_history(_ordered(candles), args, csv_file)
            candles[candle.open_time_s] = candle
            if not live:
                if bar is not None:
                    bar.update(len(candles))
                continue
            print(_live_line(candle), flush=True)
            if candle.closed:
                closed_live += 1
                if csv_file is not None:
                    csv.writer(csv_file, lineterminator="\n").writerow(csv_row(candle))
                    csv_file.flush()
                if args.plot:
                    save_candles_png(_ordered(candles)[-args.plot_max:], args.plot, title=_title(conn, pair, args))
                if args.count and closed_live >= args.count:
                    break
        if not live:
            if bar is not None:
                bar.finish()
            _flush_history(_ordered(candles), args, csv_file)
    finally:
        if csv_file is not None:
            csv_file.close()
    ordered = _ordered(candles)
    if args.plot:
        path = save_candles_png(ordered[-args.plot_max:], args.plot, title=_title(conn, pair, args))
        print(f"chart of {min(len(ordered), args.plot_max)} candles written to {path}", file=sys.stderr)
    if args.csv:
        print(f"{len(ordered)} candles written to {args.csv}", file=sys.stderr)
    if not args.csv and not args.plot and not args.follow:
        print(terminal_view(ordered, rows=args.rows))
    return 0


def _ordered(candles: dict[int, Candle]) -> list[Candle]:
    return [candles[t] for t in sorted(candles)]


def _title(conn: Connection, pair: TradingPair, args: argparse.Namespace) -> str:
    return f"{conn.id}  {pair}  {args.interval}"


def _flush_history(candles: list[Candle], args: argparse.Namespace, csv_file: IO[str] | None) -> None:
    """The backfill is complete: write the CSV header and rows (and, when following, the terminal view)."""
    if csv_file is not None:
        write_csv(candles, csv_file)
        csv_file.flush()
    if args.follow and not args.csv:
        print(terminal_view(candles, rows=args.rows), flush=True)


def cmd_candles(host: Host, args: argparse.Namespace) -> int:
    from host_spec.cli_trading import _run, _run_connected

    pair = TradingPair.parse(args.pair)
    interval_seconds(args.interval)

    async def body(conn: Connection) -> int:
        return await _collect(conn, args, pair)

    return _run(_run_connected(host, args, body))


def add_candles_command(sub: Any) -> None:
    """Register `candles` on the `host-spec` sub-parsers."""
    p = sub.add_parser("candles", help="fetch a pair's candles (history, CSV, PNG chart, live with --follow)")
    p.add_argument("connector")
    p.add_argument("pair", help="BASE-QUOTE, e.g. BTC-USDT")
    p.add_argument("interval", help="1m 5m 15m 30m 1h 2h 4h 1d 1w 1M")
    p.add_argument("--since", help="ISO date/time, epoch seconds, or relative (2h, 1d, 1w); default: --limit candles back")
    p.add_argument("--until", help="same forms as --since; default: now")
    p.add_argument("--limit", type=int, default=100, help="candles to fetch when --since is not given (default 100)")
    p.add_argument("--csv", metavar="FILE", help="write time,open,high,low,close,volume,quote_volume")
    p.add_argument("--plot", metavar="PNG", help="write a candlestick chart (1200x600 PNG)")
    p.add_argument("--plot-max", type=int, default=300, help=argparse.SUPPRESS)
    p.add_argument("--rows", type=int, default=12, help="table rows in the terminal view")
    p.add_argument("--follow", action="store_true", help="keep streaming live candles after the backfill")
    p.add_argument("--count", type=int, default=0, help="with --follow: stop after N closed live candles")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--sandbox", action="store_true", help="start an in-process sandbox venue and use it")
    p.add_argument("--sandbox-pairs", type=int, default=20, help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_candles)
