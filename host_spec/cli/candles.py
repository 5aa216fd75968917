"""`host-spec candles <connector> <PAIR> <interval>`: backfill (with a progress bar), CSV, PNG chart, follow.

Generic: it knows no exchange and talks only to `Connection.candles`.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any

from host_spec.cli.candles_view import (
    CSV_HEADER, ProgressBar, csv_row, history_note, iso, live_line, terminal_view, write_csv,
)
from host_spec.cli.checks import check_output_path, known_pair
from host_spec.cli.files import written_whole
from host_spec.host import Connection, Host
from host_spec.models import Candle, TradingPair

__all__ = ["CSV_HEADER", "INTERVAL_SECONDS", "ProgressBar", "add_candles_command", "cmd_candles", "iso", "parse_time",
           "terminal_view", "write_csv"]

INTERVAL_SECONDS = {"1m": 60, "3m": 180, "5m": 300, "15m": 900, "30m": 1800, "1h": 3600, "2h": 7200, "4h": 14_400,
                    "6h": 21_600, "12h": 43_200, "1d": 86_400, "1w": 604_800, "1M": 2_592_000}
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}
_RELATIVE = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhdw])(?:\s*ago)?$")


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


async def _collect(conn: Connection, args: argparse.Namespace, pair: TradingPair) -> int:
    from host_spec.cli.chart import save_chart

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
    csv_file: IO[str] | None = None  # created once the backfill is complete: an error or Ctrl-C leaves no file

    def history_done() -> IO[str] | None:
        if bar is not None:
            bar.finish()
        history = _ordered(candles)
        note = history_note(history, since, end, step, f"{pair} {args.interval}")
        if note:
            print(note, file=sys.stderr, flush=True)
        return _flush_history(history, args)

    try:
        async for candle in conn.candles(pair, args.interval, since, until, args.follow):
            if args.follow and not live and (not candle.closed or len(candles) >= expected):
                live = True
                csv_file = history_done()
            candles[candle.open_time_s] = candle
            if not live:
                if bar is not None:
                    bar.update(len(candles), (candle.open_time_s - since) // step + 1)
                continue
            print(live_line(candle), flush=True)
            if candle.closed:
                closed_live += 1
                if csv_file is not None:
                    csv.writer(csv_file, lineterminator="\n").writerow(csv_row(candle))
                    csv_file.flush()
                if args.plot:
                    save_chart(_ordered(candles)[-args.plot_max:], args.plot, title=_title(conn, pair, args))
                if args.count and closed_live >= args.count:
                    break
        if not live:
            csv_file = history_done()
    finally:
        if bar is not None:
            bar.abandon()
        if csv_file is not None:
            csv_file.close()
    ordered = _ordered(candles)
    if args.plot:
        path = save_chart(ordered[-args.plot_max:], args.plot, title=_title(conn, pair, args))
        shown = min(len(ordered), args.plot_max)
        capped = f" (the last {shown} of {len(ordered)}: --plot-max)" if shown < len(ordered) else ""
        print(f"chart of {shown} candles{capped} written to {path}", file=sys.stderr)
    if args.csv:
        print(f"{len(ordered)} candles written to {args.csv}", file=sys.stderr)
    if not args.csv and not args.plot and not args.follow:
        print(terminal_view(ordered, rows=args.rows))
    return 0


def _ordered(candles: dict[int, Candle]) -> list[Candle]:
    return [candles[t] for t in sorted(candles)]


def _title(conn: Connection, pair: TradingPair, args: argparse.Namespace) -> str:
    return f"{conn.id}  {pair}  {args.interval}"


def _flush_history(candles: list[Candle], args: argparse.Namespace) -> IO[str] | None:
    """The backfill is complete: write the CSV (whole, then renamed into place) and, when following, the
    terminal view. Returns the CSV opened for appending live candles when following."""
    if args.follow and not args.csv:
        print(terminal_view(candles, rows=args.rows), flush=True)
    if not args.csv:
        return None
    out = Path(args.csv)
    with written_whole(out, "w", newline="") as f:
        write_csv(candles, f)
    return open(out, "a", newline="") if args.follow else None  # noqa: SIM115 - closed by _collect


def check_candles_args(args: argparse.Namespace) -> None:
    """Refuse, before anything is fetched, what would fail only after a long backfill."""
    for name, value in (("--limit", args.limit), ("--plot-max", args.plot_max)):
        if value < 1:
            raise ValueError(f"{name} must be at least 1")
    if args.csv:
        check_output_path(args.csv, "--csv")
    if args.plot:
        from host_spec.cli.chart import chart_format

        check_output_path(args.plot, "--plot")
        chart_format(args.plot)


def cmd_candles(host: Host, args: argparse.Namespace) -> int:
    from host_spec.cli.trading import run, run_connected

    pair = TradingPair.parse(args.pair)
    interval_seconds(args.interval)
    check_candles_args(args)

    async def body(conn: Connection) -> int:
        await known_pair(conn, pair)
        return await _collect(conn, args, pair)

    return run(run_connected(host, args, body))


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
    p.add_argument("--plot", metavar="FILE", help="write a 1200x600 candlestick chart in the format the extension "
                   "names (.png, .jpg, .webp, .gif, .bmp, .tif, .pdf)")
    p.add_argument("--plot-max", type=int, default=300, metavar="N",
                   help="the chart shows the last N candles (default 300)")
    p.add_argument("--rows", type=int, default=12, help="table rows in the terminal view")
    p.add_argument("--follow", action="store_true", help="keep streaming live candles after the backfill")
    p.add_argument("--count", type=int, default=0, help="with --follow: stop after N closed live candles")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--sandbox", action="store_true", help="start an in-process sandbox venue and use it")
    p.add_argument("--sandbox-pairs", type=int, default=20, help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_candles)
