"""A generic L2 order book: exact Decimal price keys, strict sequencing, fast top-of-book.

Knows nothing of any venue. Levels arrive as (price, size) pairs of decimal strings (or ints or
Decimals); a size of zero in any spelling removes the level. Prices are keyed exactly: "30000",
"30000.00" and "3E+4" are one level. Updates are applied only in sequence (last + 1); see `check_sequence`.

Every level is validated when it is applied, never when it is read (the rules: host_spec/book_levels.py):
a price is an unsigned decimal string (digits, an optional point, an optional exponent), a non-negative int
or a finite Decimal, and is > 0; a size is the same and >= 0. Floats, booleans, "", ".", "NaN", "Infinity", signs ("-0", "+1"),
spaces and non-ASCII digits are refused. A snapshot or update with any invalid level raises
BookDataError and is not applied: its version is never recorded and none of its levels can be read,
because the book drops everything (`synced` False) until the next snapshot. So a synced book always
reads. (Dropping the book, rather than undoing the levels already stored, keeps the hot path to one
pass: the check is folded into the store. Whoever owns the book resyncs it anyway.)

The hot path (a held price spelling, a size of plain ASCII digits, both exact str) runs in C
(`host_spec/_levels.c`, built at install where a C compiler is present: `_stored`) or, without it, in
Python (`_looped`). The two take exactly the same levels, everything else goes through the exact path
(`_level`), and the tests run the book through both.

Views: once a view (or `top(n)`) has been read, the book keeps each side's best n levels as it changes
(`host_spec/book_top.py`), so a view per update costs the levels the update changed inside the top, not n
levels; a side whose top did not change hands out the same tuple again. It stops keeping them after `_IDLE`
updates with no read (a consumer that reads now and then pays one walk per read, as before).
"""

from __future__ import annotations

import enum
from bisect import bisect_left, insort
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from host_spec.book_levels import BookDataError, canonical_price, check_side, is_plain, is_zero
from host_spec.book_top import TopLevels
from host_spec.models import OrderBookView, TradingPair

try:
    from host_spec._levels import store as _store
except ImportError:  # not built (no C compiler at install): L2Book._looped does the same in Python
    _store = None

__all__ = ["BookDataError", "L2Book", "SeqResult", "check_sequence"]

_ZERO = Decimal(0)
_CACHE_LIMIT = 8192
_MIN_SWEEP = 64  # a side is swept of tombstones once it holds more prices than this (and than 2x its live count)
_IDLE = 8  # updates applied with no read before the book stops keeping its tops
_NO_TOP: dict[str, Decimal] = {}  # `held` of no top: nothing is watched

Level = Sequence[str | Decimal]
_Side = dict[str | Decimal, str | Decimal]  # price spelling -> size as received
_Keys = dict[Decimal, str | Decimal]  # canonical price -> the spelling held


class SeqResult(enum.Enum):
    """What happened to one update offered to a book."""

    APPLIED = "applied"  # sequence == last + 1: applied
    STALE = "stale"  # sequence <= last (or a repeat with levels): dropped
    HEARTBEAT = "heartbeat"  # sequence == last with no levels: nothing to do
    GAP = "gap"  # sequence > last + 1: book invalidated, resync from a snapshot
    UNSYNCED = "unsynced"  # no snapshot yet (or since the last gap): not applied, resync


#: read on every applied update: an Enum member read through its class costs ~0.2 us on 3.11 (~0.04 on 3.12)
_APPLIED = SeqResult.APPLIED


def _view_factory() -> Callable[[TradingPair, int, int, tuple[Any, ...], tuple[Any, ...]], OrderBookView]:
    """OrderBookView(pair, timestamp_ms, sequence, bids, asks) at half the cost: a frozen dataclass's own
    __init__ sets each field through object.__setattr__; this sets the same slots through their descriptors.
    The same object results (tests/connector/test_book_store.py checks that the fields stay these five)."""
    new = object.__new__
    set_pair, set_ts, set_seq, set_bids, set_asks = (
        vars(OrderBookView)[name].__set__ for name in ("pair", "timestamp_ms", "sequence", "bids", "asks"))

    def make(pair: TradingPair, timestamp_ms: int, sequence: int, bids: tuple[Any, ...], asks: tuple[Any, ...]) -> OrderBookView:
        view = new(OrderBookView)
        set_pair(view, pair)
        set_ts(view, timestamp_ms)
        set_seq(view, sequence)
        set_bids(view, bids)
        set_asks(view, asks)
        return view  # type: ignore[no-any-return]

    return make


_new_view = _view_factory()


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


class L2Book:
    """One instrument's L2 book. Not thread-safe; one owner applies, anyone may read views.

    Each side maps the price *as spelled on the wire* to its size as received, with at most one
    spelling per numeric price (`_bid_keys`/`_ask_keys`: canonical Decimal -> the spelling held).
    An update to a spelling already held is a single dict store, whatever the size: a zero size
    stored that way is a tombstone, skipped when read and swept when a side has grown to twice its
    live size. Decimals are built only for new spellings (cached) and when levels are read.
    """

    __slots__ = (
        "_asks", "_ask_keys", "_ask_px", "_bids", "_bid_keys", "_bid_px", "_keys", "_limits", "_sizes", "_tops", "_unread", "sequence",
        "timestamp_ms",
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
        self._tops: tuple[TopLevels, TopLevels] | None = None  # (bids, asks) best levels, kept while views are read
        self._unread = 0  # updates applied since the last read of the tops
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
        self._tops = None
        self.sequence = None

    def apply_snapshot(self, bids: Iterable[Level], asks: Iterable[Level], sequence: int, timestamp_ms: int = 0) -> None:
        """Replace the whole book; BookDataError (and the book left unsynced) if any level is invalid."""
        fresh: dict[str | Decimal, str | Decimal] = {}
        try:
            checked_bids, checked_asks = check_side(bids, "bids", fresh, self._key), check_side(asks, "asks", fresh, self._key)
        except BookDataError:
            self.invalidate()
            raise
        self.invalidate()
        self._fill(checked_bids, self._bids, self._bid_keys, self._bid_px, 0)
        self._fill(checked_asks, self._asks, self._ask_keys, self._ask_px, 1)
        self.sequence = sequence
        self.timestamp_ms = timestamp_ms

    def apply_update(self, bids: Sequence[Level], asks: Sequence[Level], sequence: int, timestamp_ms: int = 0) -> SeqResult:
        """Apply one incremental update if it is next in sequence; see SeqResult for the outcomes.

        BookDataError if any level is invalid: the update is not applied and the book is left unsynced.
        """
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
        tops = self._tops
        if tops is not None:
            self._unread += 1
            if self._unread > _IDLE:  # nobody reads: stop keeping them
                tops = self._tops = None
        top_bids, top_asks = (None, None) if tops is None else tops
        try:
            store = _store
            if store is not None and bids.__class__ is list and asks.__class__ is list:
                # the C loop takes the common levels; _stored does the rest of a side from the first it left
                i = store(self._bids, bids, 0, top_bids)  # type: ignore[arg-type]
                if i < len(bids):
                    self._stored(bids, "bids", self._bids, self._bid_keys, self._bid_px, top_bids, i)
                i = store(self._asks, asks, 0, top_asks)  # type: ignore[arg-type]
                if i < len(asks):
                    self._stored(asks, "asks", self._asks, self._ask_keys, self._ask_px, top_asks, i)
            else:
                self._looped(bids, "bids", self._bids, self._bid_keys, self._bid_px, top_bids)
                self._looped(asks, "asks", self._asks, self._ask_keys, self._ask_px, top_asks)
        except BookDataError:
            self.invalidate()
            raise
        except (TypeError, ValueError):  # a list or tuple level that is not a pair, an unhashable price
            self.invalidate()
            raise BookDataError("a level is not a [price, size] pair") from None
        self.sequence = sequence
        if timestamp_ms:
            self.timestamp_ms = timestamp_ms
        return _APPLIED

    def _looped(self, levels: Iterable[Level], name: str, side: _Side, keys: _Keys, prices: list[Decimal], top: TopLevels | None) -> None:
        """One side through the hot loop in Python (no C loop built, or levels not in a list)."""
        held = _NO_TOP if top is None else top.held
        for level in levels:  # a held spelling and a size of plain digits (valid as it stands): one store
            kind = level.__class__
            if kind is list or kind is tuple:
                price, size = level
                if price.__class__ is str and price in side and size.__class__ is str and size.isascii() and size.replace(".", "", 1).isdigit():
                    side[price] = size
                    if price in held:
                        top.stored(price)  # type: ignore[union-attr,arg-type]
                    continue
            self._level(level, name, side, keys, prices, top)

    def _fill(self, levels: list[tuple[object, object]], side: _Side, keys: _Keys, prices: list[Decimal], which: int) -> None:
        """One side of a snapshot into the emptied book: what `_slow` level by level would leave (the last
        spelling of a price wins, a zero size removes it), built at once and sorted once."""
        latest: dict[Decimal, tuple[str | Decimal, str | Decimal]] = {}
        key_of = self._key
        for price, size in levels:
            key = key_of(price)
            if is_zero(size):
                latest.pop(key, None)
            else:
                latest[key] = (price if price.__class__ is str else str(price), size)  # type: ignore[assignment]
        for key, (spelling, size) in latest.items():
            keys[key] = spelling
            side[spelling] = size
        prices[:] = sorted(latest)
        limit = _MIN_SWEEP
        while limit < len(prices):  # where inserting them one by one would have left the sweep threshold
            limit = 2 * (limit + 1)
        self._limits[which] = limit

    def _stored(
        self, levels: Sequence[Level], name: str, side: _Side, keys: _Keys, prices: list[Decimal], top: TopLevels | None, i: int
    ) -> None:
        """The rest of one side from level `i`, the first the C loop left: each level it leaves (new price, other
        spelling, invalid, a removal from the kept top) is applied here, in order, and the C loop goes on past it.
        The C loop updates the kept top's rows for the sizes it stores."""
        store = _store
        assert store is not None
        held = _NO_TOP if top is None else top.held
        while i < len(levels):
            level = levels[i]
            plain = False
            if level.__class__ is list or level.__class__ is tuple:
                price, size = level
                # the size first: a Decimal size (converted units, futures) skips the rest
                plain = is_plain(size) and price.__class__ is str
            if not plain:
                self._level(level, name, side, keys, prices, top)
            elif price in side:  # a removal from the kept top needs no check_side
                side[price] = size
                if price in held:
                    top.stored(price)  # type: ignore[union-attr,arg-type]
            else:
                try:  # a new spelling: its key is its whole check (the size is plain digits)
                    self._slow(price, size, side, keys, prices, top)
                except (BookDataError, ArithmeticError):  # nothing changed yet: check_side says what is wrong
                    self._level(level, name, side, keys, prices, top)
            i = store(side, levels, i + 1, top)  # type: ignore[arg-type]

    def _level(self, level: object, name: str, side: _Side, keys: _Keys, prices: list[Decimal], top: TopLevels | None) -> None:
        """One level off the hot path: validated exactly (BookDataError naming what is wrong), then applied."""
        ((price, size),) = check_side((level,), name, side, self._key, indexed=False)
        if price.__class__ is str and price in side and size.__class__ is str:
            side[price] = size  # type: ignore[index]
            if top is not None:
                top.stored(price)  # type: ignore[arg-type]
        else:
            self._slow(price, size, side, keys, prices, top)  # type: ignore[arg-type]

    def _key(self, raw: object) -> Decimal:
        """The canonical Decimal of a price spelling (str spellings cached); BookDataError if it is not a valid price."""
        if raw.__class__ is not str:  # 1 == True == 1.0: only str spellings may share a cache
            return canonical_price(raw)
        cache = self._keys
        key = cache.get(raw)
        if key is None:
            key = canonical_price(raw)
            if len(cache) >= _CACHE_LIMIT:
                cache.clear()
            cache[raw] = key
        return key

    def _slow(
        self, price: str | Decimal, size: str | Decimal, side: _Side, keys: _Keys, prices: list[Decimal], top: TopLevels | None = None
    ) -> None:
        """Any validated level: removes on zero (any spelling), re-keys a new spelling (held as a str); tells `top`."""
        key = self._key(price)
        held = keys.get(key)
        if is_zero(size):
            if held is not None:
                del keys[key], side[held], prices[bisect_left(prices, key)]
                if top is not None:
                    top.removed(key)
            return
        if held is None:
            which = 0 if side is self._bids else 1
            if len(prices) >= self._limits[which]:  # sweep before the new key goes in (a sweep keeps only keyed prices)
                self._sweep(side, keys, prices)
                self._limits[which] = max(_MIN_SWEEP, 2 * (len(prices) + 1))
            insort(prices, key)
        else:
            del side[held]
        spelling = price if price.__class__ is str else str(price)  # str keys only: 100.0 or True never match one
        keys[key] = spelling
        side[spelling] = size
        if top is not None:
            top.added(key, spelling, size)  # type: ignore[arg-type]

    @staticmethod
    def _sweep(side: dict[str | Decimal, str | Decimal], keys: dict[Decimal, str | Decimal], prices: list[Decimal]) -> None:
        """Drop the tombstones (levels whose stored size is zero) of one side."""
        dead = [key for key, spelling in keys.items() if is_zero(side[spelling])]
        if dead:
            for key in dead:
                del side[keys.pop(key)]
            prices[:] = [key for key in prices if key in keys]

    def _size(self, raw: str | Decimal) -> Decimal:
        """The Decimal for a stored size spelling: _ZERO (the object) for a tombstone; cached per book."""
        cache = self._sizes
        value = cache.get(raw)
        if value is None:  # sizes were validated when applied: this cannot fail
            value = _ZERO if is_zero(raw) else raw if raw.__class__ is Decimal else Decimal(raw)
            if len(cache) >= _CACHE_LIMIT:
                cache.clear()
            cache[raw] = value
        return value

    # ---- reading -------------------------------------------------------------------------------

    @property
    def best_bid(self) -> tuple[Decimal, Decimal] | None:
        if self._tops is not None:
            rows = self._tops[0].rows
            return rows[0] if rows else None
        bids = self._levels(reversed(self._bid_px), self._bids, self._bid_keys, 1)
        return bids[0] if bids else None

    @property
    def best_ask(self) -> tuple[Decimal, Decimal] | None:
        if self._tops is not None:
            rows = self._tops[1].rows
            return rows[0] if rows else None
        asks = self._levels(iter(self._ask_px), self._asks, self._ask_keys, 1)
        return asks[0] if asks else None

    def top(self, n: int) -> tuple[tuple[tuple[Decimal, Decimal], ...], tuple[tuple[Decimal, Decimal], ...]]:
        """(bids, asks), each up to n levels best first. Tuples never change: a later update makes new ones."""
        if n <= 0:
            return (), ()
        if self.sequence is None:
            return self._levels(reversed(self._bid_px), self._bids, self._bid_keys, n), self._levels(iter(self._ask_px), self._asks, self._ask_keys, n)
        tops = self._tops
        if tops is None or tops[0].n < n:
            tops = self._tops = (TopLevels(n, True, self._bids, self._bid_keys, self._bid_px), TopLevels(n, False, self._asks, self._ask_keys, self._ask_px))
        self._unread = 0
        return tops[0].view(n), tops[1].view(n)

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
        sequence = self.sequence
        if sequence is None:
            raise BookDataError("book has no snapshot")
        tops = self._tops
        if tops is not None and 0 < depth <= tops[0].n:  # the common case: tops kept, read every update
            self._unread = 0
            bids, asks = tops[0].view(depth), tops[1].view(depth)
        else:
            bids, asks = self.top(depth)
        ts = self.timestamp_ms if timestamp_ms is None else timestamp_ms
        return _new_view(pair, ts, sequence, bids, asks)
