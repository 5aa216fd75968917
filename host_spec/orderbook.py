"""A generic L2 order book: exact Decimal price keys, strict sequencing, fast top-of-book.

Knows nothing of any venue. Levels arrive as (price, size) pairs of strings (or Decimals); a size of
zero in any spelling removes the level. Prices are keyed exactly: "30000", "30000.00" and "3E+4" are
one level. Updates are applied only in sequence (last + 1); see `check_sequence`.
"""

from __future__ import annotations

import enum
from bisect import bisect_left, insort
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal, InvalidOperation

from host_spec.models import OrderBookView, TradingPair

__all__ = ["BookDataError", "L2Book", "SeqResult", "check_sequence"]

_ZERO = Decimal(0)
_ONE = Decimal(1)
_CACHE_LIMIT = 8192
_MIN_SWEEP = 64  # a side is swept of tombstones once it holds more prices than this (and than 2x its live count)

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


def _positive(raw: str | Decimal, what: str) -> Decimal:
    """`raw` as a positive finite Decimal, or BookDataError naming `what` it was."""
    try:
        value = raw if isinstance(raw, Decimal) else Decimal(raw)
        ok = value.is_finite() and value > _ZERO
    except (InvalidOperation, TypeError, ValueError):
        ok = False
    if not ok:
        raise BookDataError(f"invalid {what} {raw!r}")
    return value


def _canonical(raw: str | Decimal) -> Decimal:
    """A positive finite Decimal for a price, in a canonical spelling (3E+4 -> 30000, 1.50 -> 1.5)."""
    value = _positive(raw, "price").normalize()
    return value.quantize(_ONE) if value.as_tuple().exponent > 0 else value  # type: ignore[operator]


def _is_zero(size: object) -> bool:
    """A zero size in any spelling ("0", "0.000", "0E-8"); other strings count as non-zero (checked when read)."""
    if size.__class__ is str:
        rest = size.lstrip("0.")  # type: ignore[attr-defined]
        return not rest or rest[0] in "eE"
    if isinstance(size, Decimal):
        return size == _ZERO
    raise BookDataError(f"size must be a str or Decimal, got {type(size).__name__}")


class L2Book:
    """One instrument's L2 book. Not thread-safe; one owner applies, anyone may read views.

    Each side maps the price *as spelled on the wire* to its size as received, with at most one
    spelling per numeric price (`_bid_keys`/`_ask_keys`: canonical Decimal -> the spelling held).
    An update to a spelling already held is a single dict store, whatever the size: a zero size
    stored that way is a tombstone, skipped when read and swept when a side has grown to twice its
    live size. Decimals are built only for new spellings (cached) and when levels are read.
    """

    __slots__ = (
        "_asks", "_ask_keys", "_ask_px", "_bids", "_bid_keys", "_bid_px", "_keys", "_limits", "_sizes", "sequence", "timestamp_ms",
    )

    def __init__(self) -> None:
        self._bids: dict[str | Decimal, str | Decimal] = {}  # price spelling -> size as received (zero = tombstone)
        self._asks: dict[str | Decimal, str | Decimal] = {}
        self._bid_keys: dict[Decimal, str | Decimal] = {}  # canonical price -> the spelling held in _bids
        self._ask_keys: dict[Decimal, str | Decimal] = {}
        self._bid_px: list[Decimal] = []  # canonical prices ascending (tombstones included); best bid last
        self._ask_px: list[Decimal] = []  # ascending; best ask first
        self._limits = [_MIN_SWEEP, _MIN_SWEEP]  # per side (bids, asks): sweep tombstones past this many prices
        self._keys: dict[str | Decimal, Decimal] = {}  # raw price spelling -> canonical key (cache)
        self._sizes: dict[str | Decimal, Decimal] = {}  # raw size spelling -> Decimal (_ZERO for zero), lazily
        self.sequence: int | None = None
        self.timestamp_ms: int = 0

    @property
    def synced(self) -> bool:
        """True once a snapshot was applied and no gap was seen since."""
        return self.sequence is not None

    def invalidate(self) -> None:
        """Forget every level; updates are refused until the next snapshot."""
        for part in (self._bids, self._asks, self._bid_keys, self._ask_keys, self._bid_px, self._ask_px):
            part.clear()
        self._limits[:] = [_MIN_SWEEP, _MIN_SWEEP]
        self.sequence = None

    def apply_snapshot(self, bids: Iterable[Level], asks: Iterable[Level], sequence: int, timestamp_ms: int = 0) -> None:
        """Replace the whole book; raises BookDataError (book left invalid) on an unreadable level."""
        self.invalidate()
        try:
            for price, size in bids:
                self._slow(price, size, self._bids, self._bid_keys, self._bid_px)
            for price, size in asks:
                self._slow(price, size, self._asks, self._ask_keys, self._ask_px)
        except BookDataError:
            self.invalidate()
            raise
        except (InvalidOperation, TypeError, ValueError, IndexError, KeyError, AttributeError) as exc:
            self.invalidate()
            raise BookDataError(f"unreadable level: {exc.__class__.__name__}") from None
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
                side = self._bids
                for price, size in bids:  # hot loop: a held spelling with a str size is one store
                    if price in side and size.__class__ is str:
                        side[price] = size
                    else:
                        self._slow(price, size, side, self._bid_keys, self._bid_px)
            if asks:
                side = self._asks
                for price, size in asks:
                    if price in side and size.__class__ is str:
                        side[price] = size
                    else:
                        self._slow(price, size, side, self._ask_keys, self._ask_px)
        except BookDataError:
            self.invalidate()
            raise
        except (InvalidOperation, TypeError, ValueError, IndexError, KeyError, AttributeError) as exc:
            self.invalidate()
            raise BookDataError(f"unreadable level: {exc.__class__.__name__}") from None
        self.sequence = sequence
        if timestamp_ms:
            self.timestamp_ms = timestamp_ms
        return SeqResult.APPLIED

    def _key(self, raw: str | Decimal) -> Decimal:
        """The canonical Decimal of a price spelling (validated, cached)."""
        cache = self._keys
        key = cache.get(raw)
        if key is None:
            key = _canonical(raw)
            if len(cache) >= _CACHE_LIMIT:
                cache.clear()
            cache[raw] = key
        return key

    def _slow(
        self, price: str | Decimal, size: str | Decimal, side: dict[str | Decimal, str | Decimal], keys: dict[Decimal, str | Decimal], prices: list[Decimal]
    ) -> None:
        """Any level: validates the price, removes on zero (any spelling), re-keys a new spelling."""
        zero = _is_zero(size)
        key = self._key(price)
        held = keys.get(key)
        if zero:
            if held is not None:
                del keys[key], side[held], prices[bisect_left(prices, key)]
            return
        if held is None:
            insort(prices, key)
            which = 0 if side is self._bids else 1
            if len(prices) > self._limits[which]:
                self._sweep(side, keys, prices)
                self._limits[which] = max(_MIN_SWEEP, 2 * len(prices))
        else:
            del side[held]
        keys[key] = price
        side[price] = size

    @staticmethod
    def _sweep(side: dict[str | Decimal, str | Decimal], keys: dict[Decimal, str | Decimal], prices: list[Decimal]) -> None:
        """Drop the tombstones (levels whose stored size is zero) of one side."""
        dead = [key for key, spelling in keys.items() if _is_zero(side[spelling])]
        if dead:
            for key in dead:
                del side[keys.pop(key)]
            prices[:] = [key for key in prices if key in keys]

    def _size(self, raw: str | Decimal) -> Decimal:
        """The Decimal for a stored size spelling: _ZERO (the object) for a tombstone; validated, cached per book."""
        cache = self._sizes
        value = cache.get(raw)
        if value is None:
            value = _ZERO if _is_zero(raw) else _positive(raw, "size")
            if len(cache) >= _CACHE_LIMIT:
                cache.clear()
            cache[raw] = value
        return value

    # ---- reading -------------------------------------------------------------------------------

    @property
    def best_bid(self) -> tuple[Decimal, Decimal] | None:
        bids = self._levels(reversed(self._bid_px), self._bids, self._bid_keys, 1)
        return bids[0] if bids else None

    @property
    def best_ask(self) -> tuple[Decimal, Decimal] | None:
        asks = self._levels(iter(self._ask_px), self._asks, self._ask_keys, 1)
        return asks[0] if asks else None

    def top(self, n: int) -> tuple[tuple[tuple[Decimal, Decimal], ...], tuple[tuple[Decimal, Decimal], ...]]:
        """(bids, asks), each up to n levels best first."""
        if n <= 0:
            return (), ()
        bids = self._levels(reversed(self._bid_px), self._bids, self._bid_keys, n)
        return bids, self._levels(iter(self._ask_px), self._asks, self._ask_keys, n)

    def _levels(
        self, prices: Iterator[Decimal], side: dict[str | Decimal, str | Decimal], keys: dict[Decimal, str | Decimal], n: int
    ) -> tuple[tuple[Decimal, Decimal], ...]:
        """Up to n live levels in the order of `prices`; tombstones met on the way are dropped."""
        cache, zero = self._sizes, _ZERO
        out: list[tuple[Decimal, Decimal]] = []
        dead: list[Decimal] = []
        for price in prices:
            raw = side[keys[price]]
            size = cache.get(raw)
            if size is None:
                size = self._size(raw)
            if size is zero:
                dead.append(price)
                continue
            out.append((price, size))
            if len(out) >= n:
                break
        if dead:
            ordered = self._bid_px if side is self._bids else self._ask_px
            for price in dead:
                del side[keys.pop(price)], ordered[bisect_left(ordered, price)]
        return tuple(out)

    def depth_counts(self) -> tuple[int, int]:
        """Live levels per side (bids, asks)."""
        self._sweep(self._bids, self._bid_keys, self._bid_px)
        self._sweep(self._asks, self._ask_keys, self._ask_px)
        return len(self._bids), len(self._asks)

    def view(self, pair: TradingPair, timestamp_ms: int | None = None, depth: int = 20) -> OrderBookView:
        """A frozen OrderBookView of the top `depth` levels."""
        if self.sequence is None:
            raise BookDataError("book has no snapshot")
        bids, asks = self.top(depth)
        ts = self.timestamp_ms if timestamp_ms is None else timestamp_ms
        return OrderBookView(pair=pair, timestamp_ms=ts, sequence=self.sequence, bids=bids, asks=asks)
