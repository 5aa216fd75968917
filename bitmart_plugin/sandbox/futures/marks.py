"""Index and mark prices per contract (Appendix A "Mark / index").

Index: the spot venue's ``<BASE>_USDT`` mid when a source gives one, else a seeded random walk.
Mark: the futures book mid (or the index when the book is one-sided) clamped to index ± ``band``.
Either can be pinned by the admin (``pin``) until ``unpin``; every price sits on the contract tick.
"""
from __future__ import annotations

import random
from decimal import ROUND_HALF_UP, Decimal
from typing import Callable, Mapping, Protocol

from .contracts import ContractRules

IndexSource = Callable[[str], "Decimal | None"]  # base currency -> index price, or None
WALK_STEP = 0.0005  # standard deviation of one random-walk step of the index


class SpotDepth(Protocol):
    """What ``spot_index_source`` needs from the spot exchange."""

    @property
    def rules(self) -> Mapping[str, object]: ...

    def depth(self, symbol: str, limit: int | None = None) -> tuple[list[tuple[Decimal, Decimal]],
                                                                   list[tuple[Decimal, Decimal]]]: ...


def spot_index_source(spot: SpotDepth) -> IndexSource:
    """Index = mid of the spot venue's ``<BASE>_USDT`` book, when the pair exists and has both sides."""
    def source(base: str) -> Decimal | None:
        symbol = f"{base}_USDT"
        if symbol not in spot.rules:
            return None
        bids, asks = spot.depth(symbol, 1)
        if not bids or not asks:
            return None
        return (bids[0][0] + asks[0][0]) / 2
    return source


class Marks:
    """Current index and mark of every contract."""

    def __init__(self, contracts: list[ContractRules], seed: int, band: Decimal,
                 source: IndexSource | None = None) -> None:
        self.rules = {c.symbol: c for c in contracts}
        self.index: dict[str, Decimal] = {c.symbol: c.ref_price for c in contracts}
        self.mark: dict[str, Decimal] = dict(self.index)
        self.band = band
        self.source = source
        self.pinned_index: set[str] = set()
        self.pinned_mark: set[str] = set()
        self._rng = random.Random(seed)

    def _tick(self, symbol: str, price: Decimal) -> Decimal:
        tick = self.rules[symbol].price_tick
        return max(tick, price.quantize(tick, rounding=ROUND_HALF_UP))

    def refresh(self, symbol: str, mid: Decimal | None) -> tuple[Decimal, Decimal]:
        """Move the index one step and recompute the mark from the book ``mid``; returns (index, mark)."""
        if symbol not in self.pinned_index:
            got = self.source(self.rules[symbol].base) if self.source else None
            if got is None:
                got = self.index[symbol] * Decimal(repr(1 + self._rng.gauss(0, WALK_STEP)))
            self.index[symbol] = self._tick(symbol, got)
        return self.index[symbol], self.derive_mark(symbol, mid)

    def derive_mark(self, symbol: str, mid: Decimal | None) -> Decimal:
        """The mark from the book ``mid`` within the band of the current index (unless pinned)."""
        if symbol not in self.pinned_mark:
            idx = self.index[symbol]
            base = mid if mid is not None else idx
            self.mark[symbol] = self._tick(symbol, min(max(base, idx * (1 - self.band)), idx * (1 + self.band)))
        return self.mark[symbol]

    def pin(self, symbol: str, *, index: Decimal | None = None, mark: Decimal | None = None) -> None:
        """Admin: hold the index and/or mark at a price until ``unpin``."""
        if index is not None:
            self.index[symbol] = index
            self.pinned_index.add(symbol)
        if mark is not None:
            self.mark[symbol] = mark
            self.pinned_mark.add(symbol)

    def unpin(self, symbol: str) -> None:
        self.pinned_index.discard(symbol)
        self.pinned_mark.discard(symbol)
