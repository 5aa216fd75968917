"""Seeded past trades, so both venues' kline endpoints have history at start (used by the agents).

A price path walks backwards from the reference price one minute at a time (a step of ``gap`` up,
down or none), so the newest minute sits at the reference where the live book starts. Each minute
gets a few trades around its price; nothing is dated at or after ``until_ms``.
"""
from __future__ import annotations

import random
from decimal import Decimal
from typing import Callable

from .events import PublicTrade

MINUTE_MS = 60_000


def walk(rng: random.Random, ref: Decimal, gap: Decimal, floor: Decimal, minutes: int) -> list[Decimal]:
    """``minutes`` minute prices, oldest first, the newest equal to ``ref`` (never below ``floor``)."""
    steps = 0
    prices: list[Decimal] = []
    for _ in range(minutes):
        prices.append(max(floor, ref + gap * steps))
        steps += rng.choice((-1, 0, 0, 1))
    prices.reverse()
    return prices


def minute_trades(rng: random.Random, symbol: str, prices: list[Decimal], start_min: int, gap: Decimal,
                  per_minute: tuple[int, int], size: Callable[[Decimal], Decimal],
                  until_ms: int) -> list[PublicTrade]:
    """Trades of the minutes ``start_min + i`` (epoch minutes) at ``prices[i]`` ± up to two ``gap``.

    ``per_minute`` bounds the trade count of a minute; a minute cut by ``until_ms`` draws its
    offsets from the part before it, so a minimum of 1 gives every minute up to ``until_ms`` a trade.
    """
    out: list[PublicTrade] = []
    for m, price in enumerate(prices):
        begin = (start_min + m) * MINUTE_MS
        span = min(MINUTE_MS, until_ms - begin)
        if span <= 0:
            break
        k = rng.randint(*per_minute)
        for off in sorted(rng.randrange(span) for _ in range(k)):
            side = rng.choice(("buy", "sell"))
            px = price + (gap if side == "buy" else -gap) * rng.randint(0, 2)
            if px <= 0:
                px = price
            out.append(PublicTrade(symbol, px, size(px), side, begin + off))
    return out
