"""`host-spec candles` and the PNG chart: time parsing, CSV, progress bar, terminal view, PNG, sandbox run."""

from __future__ import annotations

import argparse
import csv
import io
import os
import stat
from collections.abc import AsyncIterator
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from host_spec import Candle, Host, TradingPair, hookimpl
from host_spec.cli.chart import nice_ticks, render_candles, save_chart, time_labels
from host_spec.cli.candles import (
    CSV_HEADER, ProgressBar, _collect, add_candles_command, cmd_candles, interval_seconds, iso, parse_time,
    terminal_view, write_csv,
)

PAIR = TradingPair("BTC", "USDT")
NOW = 1_700_000_000


def candles(n: int, start: int = NOW - NOW % 60 - 3600, closed_last: bool = True) -> list[Candle]:
    out = []
    price = D("100.50")
    for i in range(n):
        o = price
        c = price + D(i % 5 - 2) / 4
        out.append(Candle(PAIR, "1m", start + 60 * i, o, max(o, c) + D("0.3"), min(o, c) - D("0.2"), c,
                          D("1.5") + i % 3, D("150.75") + i, closed=closed_last or i < n - 1))
        price = c
    return out


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="host-spec")
    add_candles_command(p.add_subparsers(dest="command"))
    return p


def test_parse_time_forms() -> None:
    assert parse_time("1700000000") == 1_700_000_000
    assert parse_time("1700000000123") == 1_700_000_000  # milliseconds
    assert parse_time("2023-11-14T22:13:20Z") == 1_700_000_000
    assert parse_time("2023-11-14T23:13:20+01:00") == 1_700_000_000
    assert parse_time("2023-11-14") == 1_699_920_000  # a date is midnight UTC
    assert parse_time("2h", now=NOW) == NOW - 7200
    assert parse_time("1d ago", now=NOW) == NOW - 86_400
    assert parse_time("90m", now=NOW) == NOW - 5400 and parse_time("1w", now=NOW) == NOW - 604_800
    assert parse_time("now", now=NOW) == NOW
    with pytest.raises(ValueError, match="relative time"):
        parse_time("yesterday-ish")


def test_interval_seconds() -> None:
    assert interval_seconds("1m") == 60 and interval_seconds("1M") == 2_592_000 and interval_seconds("1H") == 3600
    with pytest.raises(ValueError):
        interval_seconds("7x")


def test_csv_output_is_exact() -> None:
    out = io.StringIO()
    cs = candles(3)
    write_csv(cs, out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert tuple(rows[0]) == CSV_HEADER == ("time", "open", "high", "low", "close", "volume", "quote_volume")
    assert rows[1] == ["2023-11-14T21:13:00Z", "100.50", "100.80", "99.80", "100.00", "1.5", "150.75"]
    assert len(rows) == 4 and [D(r[4]) for r in rows[1:]] == [c.close for c in cs]


def test_progress_bar_and_terminal_view() -> None:
    err = io.StringIO()
    bar = ProgressBar(10, stream=err, width=10)
    bar.update(5, force=True)
    assert "[#####-----]  50% 5 candles" in err.getvalue()
    bar.update(6, covered=8, force=True)  # progress is the share of the time range walked
    assert "[########--]  80% 6 candles" in err.getvalue()
    bar.finish()
    assert err.getvalue().endswith("100% 6 candles" + " " * 12 + "\n")
    view = terminal_view(candles(80, closed_last=False), rows=5)
    lines = view.splitlines()
    assert any("█" in line for line in lines) and any("│" in line for line in lines)
    assert lines[-6].split()[:2] == ["time", "open"] and lines[-1].endswith("forming")
    assert terminal_view([]) == "no candles in that range"


def test_chart_png_has_the_right_size(tmp_path: Path) -> None:
    path = save_chart(candles(120), tmp_path / "c.png", title="BTC-USDT 1m")
    with Image.open(path) as img:
        assert img.format == "PNG" and img.size == (1200, 600)
        colors = {img.getpixel((x, y)) for x in range(0, 1200, 3) for y in range(0, 600, 3)}
    assert (0x26, 0xA6, 0x9A) in colors and (0xEF, 0x53, 0x50) in colors  # green and red bodies
    assert render_candles([], 400, 200).size == (400, 200)
    assert render_candles(candles(1), 300, 150).size == (300, 150)
    assert nice_ticks(0.0, 10.0, 5) == [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]


class FakeConn:
    id = "fake"

    def __init__(self, items: list[Candle]) -> None:
        self.items = items
        self.calls: list[tuple[Any, ...]] = []

    def candles(self, pair: TradingPair, interval: str, since_s: int | None = None, until_s: int | None = None,
                follow: bool = False) -> AsyncIterator[Candle]:
        self.calls.append((pair, interval, since_s, until_s, follow))

        async def gen() -> AsyncIterator[Candle]:
            for c in self.items:
                yield c

        return gen()


async def test_collect_writes_csv_and_png(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cs = candles(60)
    conn = FakeConn(cs)
    args = parser().parse_args(["candles", "fake", "BTC-USDT", "1m", "--since", str(cs[0].open_time_s),
                                "--until", str(cs[-1].open_time_s + 60), "--csv", str(tmp_path / "c.csv"),
                                "--plot", str(tmp_path / "c.png")])
    assert await _collect(conn, args, PAIR) == 0  # type: ignore[arg-type]
    assert conn.calls == [(PAIR, "1m", cs[0].open_time_s, cs[-1].open_time_s + 60, False)]
    rows = (tmp_path / "c.csv").read_text().splitlines()
    assert rows[0] == ",".join(CSV_HEADER) and len(rows) == 61
    with Image.open(tmp_path / "c.png") as img:
        assert img.size == (1200, 600)
    err = capsys.readouterr().err
    assert "100% 60 candles" in err and "60 candles written" in err


async def test_collect_terminal_view_and_follow(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cs = candles(30)
    args = parser().parse_args(["candles", "fake", "BTC-USDT", "1m", "--since", "2023-11-14T20:00", "--quiet"])
    assert await _collect(FakeConn(cs), args, PAIR) == 0  # type: ignore[arg-type]
    out = capsys.readouterr().out
    assert "time" in out and "100.50" in out
    live = [*cs[:-1], Candle(**{**_fields(cs[-1]), "closed": False}), cs[-1]]
    args = parser().parse_args(["candles", "fake", "BTC-USDT", "1m", "--since", "3h", "--follow", "--count", "1",
                                "--csv", str(tmp_path / "f.csv")])
    assert await _collect(FakeConn(live), args, PAIR) == 0  # type: ignore[arg-type]
    out = capsys.readouterr().out
    assert "forming" in out and "closed" in out
    rows = (tmp_path / "f.csv").read_text().splitlines()
    assert len(rows) == 1 + 30  # 29 history rows, then the live candle once it closed


def _fields(c: Candle) -> dict[str, Any]:
    return {k: getattr(c, k) for k in Candle.__slots__}  # type: ignore[attr-defined]


@pytest.mark.e2e
def test_cli_against_the_sandbox(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    host = Host.discover()
    if "bitmart" not in [c.id for c in host.connectors()]:
        pytest.skip("the bitmart plugin is not installed")
    args = parser().parse_args(["candles", "bitmart", "BTC-USDT", "5m", "--since", "6h", "--sandbox",
                                "--csv", str(tmp_path / "s.csv"), "--plot", str(tmp_path / "s.png")])
    args.sandbox_pairs = 3
    assert args.func(host, args) == 0
    rows = (tmp_path / "s.csv").read_text().splitlines()
    assert rows[0] == ",".join(CSV_HEADER) and 60 <= len(rows) - 1 <= 74
    with Image.open(tmp_path / "s.png") as img:
        assert img.size == (1200, 600)
    assert "candles written" in capsys.readouterr().err


# ---- 10.14: say how far history reached; the cap is an option; labels clear of the tag; dates; formats ----


async def test_history_shorter_than_asked_is_said(capsys: pytest.CaptureFixture[str]) -> None:
    end = NOW - NOW % 60
    recent = candles(720, start=end - 720 * 60)  # the venue keeps 12 h of 1m candles
    args = parser().parse_args(["candles", "fake", "BTC-USDT", "1m", "--since", str(end - 3 * 86_400),
                                "--until", str(end), "--csv", "/dev/null"])
    assert await _collect(FakeConn(recent), args, PAIR) == 0  # type: ignore[arg-type]
    err = capsys.readouterr().err
    assert (f"no BTC-USDT 1m candles before {iso(recent[0].open_time_s)}: its history reached back 12 h "
            "of the 3 d asked") in err
    args = parser().parse_args(["candles", "fake", "BTC-USDT", "1m", "--since", str(end - 720 * 60),
                                "--until", str(end), "--csv", "/dev/null"])
    assert await _collect(FakeConn(recent), args, PAIR) == 0  # type: ignore[arg-type]
    assert "history" not in capsys.readouterr().err  # the whole range was there: nothing to say
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)  # written to, not renamed over (it once became a file)


async def test_ctrl_c_during_the_backfill_leaves_no_file(tmp_path: Path) -> None:
    class Interrupted(FakeConn):
        def candles(self, *a: Any, **k: Any) -> AsyncIterator[Candle]:
            async def gen() -> AsyncIterator[Candle]:
                yield self.items[0]
                raise KeyboardInterrupt

            return gen()

    out, png = tmp_path / "c.csv", tmp_path / "c.png"
    args = parser().parse_args(["candles", "fake", "BTC-USDT", "1m", "--since", "3h", "--csv", str(out),
                                "--plot", str(png)])
    with pytest.raises(KeyboardInterrupt):
        await _collect(Interrupted(candles(5)), args, PAIR)  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


def test_the_chart_cap_is_an_option_in_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parser().parse_args(["candles", "--help"])
    assert "--plot-max N" in capsys.readouterr().out


async def test_a_capped_chart_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cs = candles(50)
    args = parser().parse_args(["candles", "fake", "BTC-USDT", "1m", "--since", str(cs[0].open_time_s), "--until",
                                str(cs[-1].open_time_s + 60), "--plot", str(tmp_path / "c.png"), "--plot-max", "20"])
    assert await _collect(FakeConn(cs), args, PAIR) == 0  # type: ignore[arg-type]
    assert "chart of 20 candles (the last 20 of 50: --plot-max)" in capsys.readouterr().err


def _gutter_rows(img: Any) -> tuple[set[int], set[int]]:
    """Rows of the right-hand price gutter holding the last-price tag, and rows holding dark axis text."""
    width, height = img.size
    tag, text = set(), set()
    for y in range(height - 30):
        if img.getpixel((width - 4, y)) in ((0x26, 0xA6, 0x9A), (0xEF, 0x53, 0x50)):
            tag.add(y)
        if any(max(img.getpixel((x, y))) < 150 for x in range(width - 84, width - 3)):
            text.add(y)
    return tag, text


def test_price_labels_never_touch_the_last_price_tag() -> None:
    base = candles(60)
    lo, hi = min(c.low for c in base), max(c.high for c in base)
    for k in range(41):  # walk the last close across the whole price range, so it passes every tick
        close = lo + (hi - lo) * k / 40
        last = Candle(**{**_fields(base[-1]), "close": close, "low": min(close, base[-1].low),
                         "high": max(close, base[-1].high)})
        tag, text = _gutter_rows(render_candles([*base[:-1], last]))
        assert tag, k
        near = {y for y in text if min(tag) - 2 <= y <= max(tag) + 2}
        assert not near, f"close {close}: axis text at rows {sorted(near)} touches the tag at {min(tag)}-{max(tag)}"


def test_time_labels_carry_dates_when_a_chart_spans_days() -> None:
    midnight = 1_700_006_400  # 2023-11-15T00:00:00Z
    hours = [midnight - 6 * 3600 + i * 3600 for i in range(13)]  # 18:00 on the 14th to 06:00 on the 15th
    labels = time_labels(hours)
    assert labels[0] == "11-14 18:00" and labels[6] == "11-15 00:00" and labels[1] == "19:00"
    assert time_labels([midnight + i * 86_400 for i in range(4)]) == ["11-15", "11-16", "11-17", "11-18"]
    assert time_labels([midnight - 60, midnight + 60])[1].startswith("11-15")


def test_a_zero_volume_candle_among_large_ones_draws(tmp_path: Path) -> None:
    cs = candles(30)
    cs[5] = Candle(**{**_fields(cs[5]), "volume": D("0.00001")})
    cs[6] = Candle(**{**_fields(cs[6]), "volume": D(0)})
    cs[7] = Candle(**{**_fields(cs[7]), "volume": D(10_000)})
    assert render_candles(cs).size == (1200, 600)


@pytest.mark.parametrize(("name", "fmt"), [("c.png", "PNG"), ("c.jpg", "JPEG"), ("c.JPEG", "JPEG"), ("c.webp", "WEBP"),
                                           ("c.pdf", "PDF")])
def test_plot_writes_the_format_its_extension_names(tmp_path: Path, name: str, fmt: str) -> None:
    path = save_chart(candles(40), tmp_path / name)
    if fmt == "PDF":
        assert path.read_bytes().startswith(b"%PDF")
        return
    with Image.open(path) as img:
        assert img.format == fmt and img.size == (1200, 600)


@pytest.mark.parametrize("name", ["c.svg", "c", "c.txt"])
def test_plot_refuses_a_format_it_cannot_write_before_fetching(tmp_path: Path, name: str) -> None:
    args = parser().parse_args(["candles", "fake", "BTC-USDT", "1m", "--plot", str(tmp_path / name)])
    with pytest.raises(ValueError, match=r"cannot write a chart as .*use one of \.png"):
        cmd_candles(None, args)  # type: ignore[arg-type]  # refused before any connector is looked up
    with pytest.raises(ValueError, match="cannot write a chart"):
        save_chart(candles(3), tmp_path / name)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.e2e
def test_sandbox_history_reach_is_said(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    host = Host.discover()
    args = parser().parse_args(["candles", "bitmart", "BTC-USDT", "1m", "--since", "3d", "--sandbox",
                                "--csv", str(tmp_path / "s.csv")])
    args.sandbox_pairs = 3
    assert args.func(host, args) == 0
    err = capsys.readouterr().err
    assert "its history reached back" in err and "of the 3 d asked" in err, err
