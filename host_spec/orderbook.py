"""A generic L2 order book: exact Decimal price keys, strict sequencing, fast top-of-book.

Knows nothing of any venue. Levels arrive as (price, size) pairs of strings (or Decimals); a size of
zero in any spelling removes the level. Prices are keyed exactly: "30000", "30000.00" and "3E+4" are
one level. Updates are applied only in sequence (last + 1); see `check_sequence`.
"""

from __future__ import annotations

import enum
from bisect import bisect_left, insort
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation

from host_spec.models import OrderBookView, TradingPair

__all__ = ["BookDataError", "L2Book", "SeqResult", "check_sequence"]

_ZERO = Decimal(0)
_ONE = Decimal(1)
_CACHE_LIMIT = 8192

Level = Sequence[str | Decimal]


class SeqResult(enum.Enum):
    """What happened to one update offered to a book."""

    APPLIED = "applied"  # sequence == last + 1: applied
    STALE = "stale"  # sequence <= last (or a repeat with levels): dropped
    HEARTBEAT = "heartbeat"  # sequence == last with no levels: nothing to do
    GAP = "gap"  # sequence > last + 1: book invalidated, resync from a snapshot
    UNSYNCED = "unsynced"  # no snapshot yet (or since the last gap): not applied, resync


class BookDataError(ValueError):
    """A level could not be read (bad price or size); the book is invalidated and must be resynced."""


def check_sequence(last: int | None, sequence: int, has_levels: bool) -> SeqResult:
    """Classify an update's sequence against the last applied one (None = no snapshot)."""
    if last is None:
        return SeqResult.UNSYNCED
    if sequence == last + 1:
        return SeqResult.APPLIED
    if sequence == last and not has_levels:
        return SeqResult.HEARTBEAT
    if sequence <= last:
        return SeqResult.STALE
    return SeqResult.GAP


def _decimal_rest(size: object) -> str:
    """Zero test for non-string sizes: "" for zero, "1" otherwise (Decimals only)."""
    if not isinstance(size, Decimal):
        raise TypeError("size must be a str or Decimal")
    return "" if size == _ZERO else "1"


def _canonical(raw: str | Decimal) -> Decimal:
    """A positive finite Decimal for a price, in a canonical spelling (3E+4 -> 30000, 1.50 -> 1.5)."""
    try:
        value = raw if isinstance(raw, Decimal) else Decimal(raw)
        ok = value.is_finite() and value > _ZERO
    except (InvalidOperation, TypeError, ValueError):
        ok = False
    if not ok:
        raise BookDataError(f"invalid price {raw!r}")
    value = value.normalize()
    return value.quantize(_ONE) if value.as_tuple().exponent > 0 else value  # type: ignore[operator]


class L2Book:
    """One instrument's L2 book. Not thread-safe; one owner applies, anyone may read views."""

    __slots__ = ("_asks", "_ask_px", "_bids", "_bid_px", "_keys", "_sizes", "sequence", "timestamp_ms")

    def __init__(self) -> None:
        self._bids: dict[Decimal, str | Decimal] = {}  # canonical price -> size as received (never zero)
        self._asks: dict[Decimal, str | Decimal] = {}
        self._bid_px: list[Decimal] = []  # ascending; best bid is last
        self._ask_px: list[Decimal] = []  # ascending; best ask is first
        self._keys: dict[str | Decimal, Decimal] = {}  # raw price spelling -> canonical key
        self._sizes: dict[str | Decimal, Decimal] = {}  # raw size spelling -> Decimal (filled lazily)
        self.sequence: int | None = None
        self.timestamp_ms: int = 0

    @property
    def synced(self) -> bool:
        """True once a snapshot was applied and no gap was seen since."""
        return self.sequence is not None

    def invalidate(self) -> None:
        """Forget every level; updates are refused until the next snapshot."""
        self._bids.clear()
        self._asks.clear()
        self._bid_px.clear()
        self._ask_px.clear()
        self.sequence = None

    def apply_snapshot(self, bids: Iterable[Level], asks: Iterable[Level], sequence: int, timestamp_ms: int = 0) -> None:
        """Replace the whole book; raises BookDataError (book left invalid) on an unreadable level."""
        self.invalidate()
        try:
            self._apply_side(bids, self._bids, self._bid_px)
            self._apply_side(asks, self._asks, self._ask_px)
        except BookDataError:
            self.invalidate()
            raise
        self.sequence = sequence
        self.timestamp_ms = timestamp_ms

    def apply_update(self, bids: Sequence[Level], asks: Sequence[Level], sequence: int, timestamp_ms: int = 0) -> SeqResult:
        """Apply one incremental update if it is next in sequence; see SeqResult for the outcomes."""
        last = self.sequence
        if last is None:
            return SeqResult.UNSYNCED
        if sequence != last + 1:
            if sequence == last and not bids and not asks:
                return SeqResult.HEARTBEAT
            if sequence <= last:
                return SeqResult.STALE
            self.invalidate()
            return SeqResult.GAP
        try:
            if bids:
                self._apply_side(bids, self._bids, self._bid_px)
            if asks:
                self._apply_side(asks, self._asks, self._ask_px)
        except BookDataError:
            self.invalidate()
            raise
        self.sequence = sequence
        if timestamp_ms:
            self.timestamp_ms = timestamp_ms
        return SeqResult.APPLIED

    def _apply_side(self, levels: Iterable[Level], side: dict[Decimal, str | Decimal], prices: list[Decimal]) -> None:
        keys = self._keys
        try:
            for level in levels:
                raw = level[0]
                key = keys.get(raw)
                if key is None:
                    key = _canonical(raw)
                    if len(keys) >= _CACHE_LIMIT:
                        keys.clear()
                    keys[raw] = key
                size = level[1]
                rest = size.lstrip("0.") if size.__class__ is str else _decimal_rest(size)
                if rest and rest[0] not in "eE":
                    if key not in side:
                        insort(prices, key)
                    side[key] = size
                elif side.pop(key, None) is not None:
                    del prices[bisect_left(prices, key)]
        except BookDataError:
            raise
        except (InvalidOperation, TypeError, ValueError, IndexError, KeyError, AttributeError) as exc:
            raise BookDataError(f"unreadable level: {exc.__class__.__name__}") from None

    def _size(self, raw: str | Decimal) -> Decimal:
        """The Decimal for a stored size spelling (validated here, cached per book)."""
        cache = self._sizes
        value = cache.get(raw)
        if value is None:
            try:
                value = raw if isinstance(raw, Decimal) else Decimal(raw)
                ok = value.is_finite() and value > _ZERO
            except (InvalidOperation, TypeError, ValueError):
                ok = False
            if not ok:
                raise BookDataError(f"invalid size {raw!r}")
            if len(cache) >= _CACHE_LIMIT:
                cache.clear()
            cache[raw] = value
        return value

    # ---- reading -------------------------------------------------------------------------------

    @property
    def best_bid(self) -> tuple[Decimal, Decimal] | None:
        if not self._bid_px:
            return None
        price = self._bid_px[-1]
        return price, self._size(self._bids[price])

    @property
    def best_ask(self) -> tuple[Decimal, Decimal] | None:
        if not self._ask_px:
            return None
        price = self._ask_px[0]
        return price, self._size(self._asks[price])

    def top(self, n: int) -> tuple[tuple[tuple[Decimal, Decimal], ...], tuple[tuple[Decimal, Decimal], ...]]:
        """(bids, asks), each up to n levels best first."""
        n = max(n, 0)
        return self._levels(self._bid_px[: -n - 1 : -1] if n else [], self._bids), self._levels(self._ask_px[:n], self._asks)

    def _levels(self, prices: list[Decimal], side: dict[Decimal, str | Decimal]) -> tuple[tuple[Decimal, Decimal], ...]:
        cache, slow = self._sizes, self._size
        out = []
        for price in prices:
            raw = side[price]
            size = cache.get(raw)
            out.append((price, size if size is not None else slow(raw)))
        return tuple(out)

    def depth_counts(self) -> tuple[int, int]:
        return len(self._bids), len(self._asks)

    def view(self, pair: TradingPair, timestamp_ms: int | None = None, depth: int = 20) -> OrderBookView:
        """A frozen OrderBookView of the top `depth` levels."""
        if self.sequence is None:
            raise BookDataError("book has no snapshot")
        bids, asks = self.top(depth)
        ts = self.timestamp_ms if timestamp_ms is None else timestamp_ms
        return OrderBookView(pair=pair, timestamp_ms=ts, sequence=self.sequence, bids=bids, asks=asks)
