"""The best n levels of one side of an L2Book, kept current as the side changes: views at the cost of the change.

A consumer that reads the top 20 levels after every update is the common case. Walking the side for each
view costs n levels every time; `TopLevels` instead follows the changes the book makes to its side, so an
update costs only the levels it changed inside the top, and a view is one copy of rows whose level tuples
are shared with earlier views (a side whose top did not change hands out the very same tuple again).

The book reports each change after making it (see L2Book): `stored(spelling)` after a size was stored on
a spelling the top holds (`held`), `added(price, spelling, size)` and `removed(price)` after its exact path
stored or removed a level. The C loop (host_spec/_levels.c) does the common `stored` itself, a new nonzero
size on a held spelling, and leaves the rest (removals) to the exact path, which calls `stored`. Each reads the side as it is now and makes
the top equal to the side's best levels again, so repeating a call changes nothing.

Invariants between calls: `rows` holds the side's best `len(rows)` (at most `n`) live levels, best first,
as (price, size) Decimals; `keys[i]` sorts them ascending (the price for asks, minus the price for bids,
negated exactly); `names[i]` is the spelling the side holds row i under, and `held` maps each such spelling
to its sort key (the same object as in `keys`: the C loop finds it by identity). `full` is False only when the side has no live level outside the top. The side keeps no
tombstone (a held spelling whose size is zero) inside the top's price range, and none at all while not
`full` (the top drops them from the side, as a read does): so a size stored on a held spelling that is not
in `held` can never change the top.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from decimal import Decimal

try:  # level tuples the collector need not walk (host_spec/_levels.c)
    from host_spec._levels import frozen as _frozen
except ImportError:  # not built: plain tuples (the collector untracks them at its first pass over them)
    _frozen = tuple  # type: ignore[assignment]


__all__ = ["TopLevels"]

Row = tuple[Decimal, Decimal]


def _amount(raw: str | Decimal) -> Decimal:
    """A stored size as a Decimal (it was validated when stored); zero for a tombstone. Not cached: sizes rarely repeat."""
    return raw if raw.__class__ is Decimal else Decimal(raw)  # type: ignore[return-value]


class TopLevels:
    """The best `n` live levels of one book side (`high`: bids, best = highest price), kept as it changes."""

    __slots__ = ("full", "held", "high", "keys", "levels", "n", "names", "prices", "rows", "side", "spellings")

    def __init__(
        self, n: int, high: bool, side: dict[str | Decimal, str | Decimal], spellings: dict[Decimal, str | Decimal], prices: list[Decimal]
    ) -> None:
        # the book's side: spelling -> size, canonical price -> spelling, canonical prices ascending (tombstones too)
        self.n, self.high, self.side, self.spellings, self.prices = n, high, side, spellings, prices
        self.keys: list[Decimal] = []
        self.rows: list[Row] = []
        self.names: list[str] = []
        self.held: dict[str, Decimal] = {}
        self.levels: tuple[Row, ...] | None = None  # rows as a tuple, built on the first read after a change
        step, i = (-1, len(prices) - 1) if high else (1, 0)
        while 0 <= i < len(prices) and len(self.rows) < n:  # best first, dropping the tombstones met
            price = prices[i]
            spelling = spellings[price]
            value = _amount(side[spelling])
            if value:
                self._enter(len(self.rows), price, value, spelling)  # type: ignore[arg-type]  # the book holds str spellings
                i += step
            else:
                del side[spelling], spellings[price], prices[i]
                if high:
                    i -= 1
        self.full = len(self.rows) == n

    def view(self, depth: int) -> tuple[Row, ...]:
        """Up to `depth` (<= n) levels, best first; the same tuple object while the top is unchanged."""
        levels = self.levels
        if levels is None:
            levels = self.levels = _frozen(self.rows)
        return levels if depth >= self.n else levels[:depth]

    def stored(self, spelling: str) -> None:
        """A size was stored on `spelling` (a removal when it is zero); only a spelling in `held` matters."""
        key = self.held.get(spelling)
        if key is None:
            return
        i = bisect_left(self.keys, key)
        raw = self.side.get(spelling)
        if raw is not None:
            value = _amount(raw)
            if value:
                self.rows[i] = (self.rows[i][0], value)
                self.levels = None
                return
            price = self.rows[i][0]  # a tombstone inside the top: drop it from the side
            del self.side[spelling], self.spellings[price], self.prices[bisect_left(self.prices, price)]
        self._drop(i)

    def removed(self, price: Decimal) -> None:
        """The book removed the level at `price` from the side."""
        keys = self.keys
        key = price.copy_negate() if self.high else price
        i = bisect_left(keys, key)
        if i < len(keys) and keys[i] == key:
            self._drop(i)

    def added(self, price: Decimal, spelling: str, raw: str | Decimal) -> None:
        """The book stored a live level at `price` under `spelling` (a new price, or a new spelling of a held one)."""
        keys, held = self.keys, self.held
        key = price.copy_negate() if self.high else price
        i = bisect_left(keys, key)
        if i < len(keys) and keys[i] == key:
            old = self.names[i]
            if old != spelling:
                del held[old]
                held[spelling] = keys[i]  # the very object in keys (the C loop finds it by identity)
                self.names[i] = spelling
            self.rows[i] = (price, _amount(raw))
            self.levels = None
            return
        if self.full and i == len(keys):
            return  # worse than the worst level of a full top
        self._enter(i, price, _amount(raw), spelling)
        self.levels = None
        if len(keys) > self.n:  # the worst level leaves the top (it stays live in the side)
            del held[self.names.pop()], keys[-1], self.rows[-1]
        self.full = len(keys) == self.n

    def _drop(self, i: int) -> None:
        """Take row i out of the top (the side no longer has it) and, if the side has more, let the next one in."""
        edge = self.rows[-1][0]
        del self.held[self.names[i]], self.keys[i], self.rows[i], self.names[i]
        self.levels = None
        if self.full:
            self._refill(edge)

    def _refill(self, edge: Decimal) -> None:
        """Append the best live level worse than `edge` (a price), dropping the tombstones on the way; `full` False if none."""
        side, spellings, prices, high = self.side, self.spellings, self.prices, self.high
        i = bisect_left(prices, edge) - 1 if high else bisect_right(prices, edge)
        while 0 <= i < len(prices):
            price = prices[i]
            spelling = spellings[price]
            value = _amount(side[spelling])
            if value:
                self._enter(len(self.rows), price, value, spelling)  # type: ignore[arg-type]
                return
            del side[spelling], spellings[price], prices[i]
            if high:  # going down; going up, the next price has moved into place i
                i -= 1
        self.full = False

    def _enter(self, i: int, price: Decimal, value: Decimal, spelling: str) -> None:
        key = price.copy_negate() if self.high else price
        self.keys.insert(i, key)
        self.rows.insert(i, (price, value))
        self.names.insert(i, spelling)
        self.held[spelling] = key
