"""`Depth`: one parsed depth message, in the form the shared book feed (`ws/book_feed.py`) applies.

Spot and futures parsers both produce it, so one feed serves both venues. Sizes are base units.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

__all__ = ["Depth", "Level"]

#: (price, size): the price stays the venue's string (the book validates and keys it exactly); the size is
#: a decimal string or, where the parser converted units, a Decimal.
Level = Sequence[str | Decimal]


@dataclass(frozen=True, slots=True)
class Depth:
    """One depth message: `snapshot` replaces the book; levels stay (price, size) pairs for the book."""

    symbol: str
    snapshot: bool
    version: int
    timestamp_ms: int
    bids: Sequence[Level]
    asks: Sequence[Level]
