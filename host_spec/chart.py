"""Candlestick charts as PNG with Pillow: price axis, time axis, green/red bodies, wicks, volume bars.

Coordinates are floats (drawing only; prices stay Decimal everywhere else). Pillow is imported when a
chart is drawn, never when this module is imported.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from host_spec.models import Candle

__all__ = ["nice_ticks", "render_candles", "save_candles_png"]

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


def _time_label(t: int, span_s: int) -> str:
    d = datetime.fromtimestamp(t, timezone.utc)
    if span_s >= 2 * 365 * 86_400:
        return d.strftime("%Y-%m")
    if span_s >= 3 * 86_400:
        return d.strftime("%m-%d")
    if span_s >= 86_400:
        return d.strftime("%m-%d %H:%M")
    return d.strftime("%H:%M")


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
    font, small = _font(max(10, height // 45)), _font(max(9, height // 55))
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
    for p in ticks:
        y = y_of(p)
        if top <= y <= price_bottom:
            draw.line([left, y, right, y], fill=GRID)
            draw.text((right + 6, y - 7), f"{p:,.{places}f}", fill=TEXT, font=small)
    n = len(candles)
    slot = (right - left - 10) / n
    body_w = max(1.0, slot * 0.7)
    x_of = lambda i: left + 5 + slot * (i + 0.5)  # noqa: E731
    span = candles[-1].open_time_s - candles[0].open_time_s
    label_every = max(1, math.ceil(n / max(1, (right - left) // 110)))
    for i in range(0, n, label_every):
        x = x_of(i)
        draw.line([x, top, x, bottom], fill=GRID)
        draw.line([x, bottom, x, bottom + 4], fill=AXIS)
        label = _time_label(candles[i].open_time_s, span)
        w = draw.textlength(label, font=small)
        draw.text((max(left, min(x - w / 2, right - w)), bottom + 7), label, fill=TEXT, font=small)
    vmax = max(float(c.volume) for c in candles) or 1.0
    for i, c in enumerate(candles):
        up = c.close >= c.open
        x = x_of(i)
        vh = float(c.volume) / vmax * (vol_h - 4)
        draw.rectangle([x - body_w / 2, bottom - vh, x + body_w / 2, bottom - 1], fill=UP_VOL if up else DOWN_VOL)
        color = UP if up else DOWN
        draw.line([x, y_of(float(c.high)), x, y_of(float(c.low))], fill=color, width=1 if slot < 6 else 2)
        y1, y2 = sorted((y_of(float(c.open)), y_of(float(c.close))))
        draw.rectangle([x - body_w / 2, y1, x + body_w / 2, max(y2, y1 + 1)], fill=color)
    draw.line([left, price_bottom + 4, right, price_bottom + 4], fill=GRID)
    last = candles[-1]
    y = y_of(float(last.close))
    draw.rectangle([right + 1, y - 8, width - 2, y + 8], fill=UP if last.close >= last.open else DOWN)
    draw.text((right + 6, y - 7), f"{last.close:f}"[:12], fill="#ffffff", font=small)
    draw.text((right + 6, bottom - vol_h), "vol", fill=AXIS, font=small)
    return img


def save_candles_png(candles: Sequence[Candle], path: str | Path, width: int = 1200, height: int = 600,
                     title: str = "") -> Path:
    """Render and write a PNG; returns the path."""
    out = Path(path)
    render_candles(candles, width, height, title).save(out, format="PNG")
    return out
