"""Candlestick charts with Pillow: price axis, time axis, green/red bodies, wicks, volume bars.

Coordinates are floats (drawing only; prices stay Decimal everywhere else). Pillow is imported when a
chart is drawn, never when this module is imported. The file format follows the path's extension.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from host_spec.cli.files import written_whole
from host_spec.models import Candle

__all__ = ["CHART_FORMATS", "chart_format", "nice_ticks", "render_candles", "save_chart", "time_labels"]

#: file extensions a chart can be written as, and Pillow's name for each format
CHART_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP", ".gif": "GIF", ".bmp": "BMP",
                 ".tif": "TIFF", ".tiff": "TIFF", ".pdf": "PDF"}

BG, PANEL, GRID, AXIS, TEXT = "#ffffff", "#fbfbfd", "#e6e8ee", "#9aa0ad", "#30343c"
UP, DOWN = "#26a69a", "#ef5350"
UP_VOL, DOWN_VOL = "#9fd8d2", "#f5b0ae"


def nice_ticks(lo: float, hi: float, count: int = 6) -> list[float]:
    """Round tick values (1, 2, 2.5, 5 x 10^k) covering [lo, hi]."""
    if not math.isfinite(lo) or not math.isfinite(hi):
        return []
    if hi <= lo:
        hi = lo + (abs(lo) * 0.01 or 1.0)
    raw = (hi - lo) / max(1, count)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step) * step
    return [first + i * step for i in range(int((hi - first) / step + 1e-9) + 1)]


def _decimals(step: float) -> int:
    return max(0, -math.floor(math.log10(step)) + (1 if str(step).rstrip("0").endswith("5") else 0)) if step > 0 else 2


def time_labels(times: Sequence[int]) -> list[str]:
    """Axis labels for ascending epoch seconds (UTC): dates when labels are a day or more apart; otherwise
    times, with the date on the first label and wherever the day changes."""
    days = [datetime.fromtimestamp(t, timezone.utc) for t in times]
    if not days:
        return []
    gap = min((b - a).total_seconds() for a, b in zip(days, days[1:], strict=False)) if len(days) > 1 else 0
    span = (days[-1] - days[0]).total_seconds()
    if gap >= 86_400:
        return [d.strftime("%Y-%m-%d" if span >= 365 * 86_400 else "%m-%d") for d in days]
    return [d.strftime("%m-%d %H:%M" if i == 0 or d.date() != days[i - 1].date() else "%H:%M")
            for i, d in enumerate(days)]


def _clear_of(y: float, boxes: Sequence[tuple[float, float]], half: float) -> bool:
    """A label centred at `y` (half-height `half`) overlaps none of the vertical spans in `boxes`."""
    return all(y + half < lo or y - half > hi for lo, hi in boxes)


def _text_at_mid(draw: Any, x: float, y: float, text: str, font: Any, fill: str) -> float:
    """Draw `text` from `x` with its ink vertically centred on `y`; returns the ink's half-height."""
    _, top, _, bottom = draw.textbbox((0, 0), text, font=font)
    draw.text((x, y - (top + bottom) / 2), text, fill=fill, font=font)
    return float(bottom - top) / 2


def _font(size: int) -> Any:
    from PIL import ImageFont

    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1
        return ImageFont.load_default()


def render_candles(candles: Sequence[Candle], width: int = 1200, height: int = 600, title: str = "") -> Any:
    """A PIL image of the candles (oldest left), with the volume in the bottom fifth."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (width, height), BG)
    draw = ImageDraw.Draw(img)
    small_size = max(9, height // 55)
    font, small = _font(max(10, height // 45)), _font(small_size)
    left, right, top, bottom = 12, width - 86, 34 if title else 14, height - 30
    vol_h = int((bottom - top) * 0.2)
    price_bottom = bottom - vol_h - 8
    draw.rectangle([left, top, right, bottom], fill=PANEL, outline=GRID)
    if title:
        draw.text((left, 8), title, fill=TEXT, font=font)
    if not candles:
        draw.text(((left + right) // 2 - 40, (top + bottom) // 2), "no candles", fill=AXIS, font=font)
        return img
    lows = [float(c.low) for c in candles]
    highs = [float(c.high) for c in candles]
    lo, hi = min(lows), max(highs)
    pad = (hi - lo) * 0.06 or abs(hi) * 0.01 or 1.0
    lo, hi = lo - pad, hi + pad
    y_of = lambda p: price_bottom - (p - lo) / (hi - lo) * (price_bottom - top)  # noqa: E731
    ticks = nice_ticks(lo, hi, 7)
    places = _decimals(ticks[1] - ticks[0]) if len(ticks) > 1 else 2
    last = candles[-1]
    tag_y = y_of(float(last.close))
    tag_half = small_size / 2 + 3
    keep_out = [(tag_y - tag_half, tag_y + tag_half), (bottom - vol_h, bottom - vol_h + small_size)]
    for p in ticks:
        y = y_of(p)
        if top <= y <= price_bottom:
            draw.line([left, y, right, y], fill=GRID)
            if _clear_of(y, keep_out, small_size / 2 + 1):  # the last-price tag and "vol" win
                _text_at_mid(draw, right + 6, y, f"{p:,.{places}f}", small, TEXT)
    n = len(candles)
    slot = (right - left - 10) / n
    body_w = max(1.0, slot * 0.7)
    x_of = lambda i: left + 5 + slot * (i + 0.5)  # noqa: E731
    label_every = max(1, math.ceil(n / max(1, (right - left) // 110)))
    at = list(range(0, n, label_every))
    for i, label in zip(at, time_labels([candles[i].open_time_s for i in at]), strict=True):
        x = x_of(i)
        draw.line([x, top, x, bottom], fill=GRID)
        draw.line([x, bottom, x, bottom + 4], fill=AXIS)
        w = draw.textlength(label, font=small)
        draw.text((max(left, min(x - w / 2, right - w)), bottom + 7), label, fill=TEXT, font=small)
    vmax = max(float(c.volume) for c in candles) or 1.0
    for i, c in enumerate(candles):
        up = c.close >= c.open
        x = x_of(i)
        vh = float(c.volume) / vmax * (vol_h - 4)
        if c.volume > 0:  # at least one pixel row: Pillow refuses a rectangle whose y1 < y0
            draw.rectangle([x - body_w / 2, bottom - max(vh, 1.0), x + body_w / 2, bottom - 1],
                           fill=UP_VOL if up else DOWN_VOL)
        color = UP if up else DOWN
        draw.line([x, y_of(float(c.high)), x, y_of(float(c.low))], fill=color, width=1 if slot < 6 else 2)
        y1, y2 = sorted((y_of(float(c.open)), y_of(float(c.close))))
        draw.rectangle([x - body_w / 2, y1, x + body_w / 2, max(y2, y1 + 1)], fill=color)
    draw.line([left, price_bottom + 4, right, price_bottom + 4], fill=GRID)
    draw.rectangle([right + 1, tag_y - tag_half, width - 2, tag_y + tag_half], fill=UP if last.close >= last.open else DOWN)
    _text_at_mid(draw, right + 6, tag_y, f"{last.close:f}"[:12], small, "#ffffff")
    draw.text((right + 6, bottom - vol_h), "vol", fill=AXIS, font=small)
    return img


def chart_format(path: str | Path) -> str:
    """Pillow's format name for the path's extension; ValueError naming the extensions that work."""
    from PIL import Image

    Image.init()
    ext = Path(path).suffix.lower()
    fmt = CHART_FORMATS.get(ext)
    if fmt is None or fmt not in Image.SAVE:
        usable = ", ".join(e for e, f in CHART_FORMATS.items() if f in Image.SAVE)
        named = f"a {ext} file" if ext else "a file without an extension"
        raise ValueError(f"cannot write a chart as {named} ({path}); use one of {usable}")
    return fmt


def save_chart(candles: Sequence[Candle], path: str | Path, width: int = 1200, height: int = 600,
               title: str = "") -> Path:
    """Render and write the chart in the format the extension names (PNG for `.png`); returns the path.

    Written whole or not at all (host_spec.cli.files.written_whole): an error or Ctrl-C never leaves a partial file.
    """
    out = Path(path)
    fmt = chart_format(out)
    image = render_candles(candles, width, height, title)
    with written_whole(out, "wb") as f:
        image.save(f, format=fmt)
    return out
