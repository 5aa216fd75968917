"""The best n levels of one side of an L2Book, kept current as the side changes: views at the cost of the change.

A consumer that reads the top 20 levels after every update is the common case. Walking the side for each
view costs n levels every time; `TopLevels` instead follows the changes the book makes to its side, so an
update costs only the levels it changed inside the top, and a view is one copy of rows whose level tuples
are shared with earlier views (a side whose top did not change hands out the very same tuple again).

The book reports each change after making it (see L2Book): `stored(spelling)` after a size was stored on a
spelling the top holds (`held`, also the C loop's watch dict), `added(key, spelling, size)` and
`removed(key)` after its exact path stored or removed a level. Each reads the side as it is now and makes
the top equal to the side's best levels again, so repeating a call changes nothing.

Invariants between calls: `pxs` holds the canonical prices of the side's best `len(pxs)` (at most `n`) live
levels, ascending; `rows[i]` is (pxs[i], its size as a Decimal); `names[i]` is the spelling the side holds it
under, and `held` maps each such spelling to its price. `full` is False only when the side has no live level
outside the top. The side keeps no tombstone (a held spelling whose size is zero) inside the top's price
range, and none at all while not `full` (the top drops them from the side, as a read does): so a size
stored on a held spelling that is not in `held` can never change the top.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from decimal import Decimal

try:
    from host_spec._levels import refresh as _refresh
except ImportError:  # not built (no C compiler at install): TopLevels.stored does each hit in Python
    _refresh = None

__all__ = ["TopLevels"]

Row = tuple[Decimal, Decimal]


def _amount(raw: str | Decimal) -> Decimal:
    """A stored size as a Decimal (it was validated when stored); zero for a tombstone. Not cached: sizes rarely repeat."""
    return raw if raw.__class__ is Decimal else Decimal(raw)  # type: ignore[return-value]


class TopLevels:
    """The best `n` live levels of one book side (`high`: bids, best = highest price), kept as it changes."""

    __slots__ = ("full", "held", "high", "keys", "levels", "n", "names", "prices", "pxs", "rows", "side")

    def __init__(
        self,
        n: int,
        high: bool,
        side: dict[str | Decimal, str | Decimal],
        keys: dict[Decimal, str | Decimal],
        prices: list[Decimal],
    ) -> None:
        self.n, self.high, self.side, self.keys, self.prices = n, high, side, keys, prices
        self.pxs: list[Decimal] = []
        self.rows: list[Row] = []
        self.names: list[str] = []
        self.held: dict[str, Decimal] = {}
        self.levels: tuple[Row, ...] | None = None  # rows best first, built on the first read after a change
        step, i = (-1, len(prices) - 1) if high else (1, 0)
        while 0 <= i < len(prices) and len(self.rows) < n:  # best first, dropping the tombstones met
            price = prices[i]
            spelling = keys[price]
            value = _amount(side[spelling])
            if value:
                self.pxs.append(price)
                self.rows.append((price, value))
                self.names.append(spelling)  # type: ignore[arg-type]  # the book holds str spellings only
                self.held[spelling] = price  # type: ignore[index]
                i += step
            else:
                del side[spelling], keys[price], prices[i]
                if high:
                    i -= 1
        if high:
            for part in (self.pxs, self.rows, self.names):
                part.reverse()
        self.full = len(self.rows) == n

    def view(self, depth: int) -> tuple[Row, ...]:
        """Up to `depth` (<= n) levels, best first; the same tuple object while the top is unchanged."""
        levels = self.levels
        if levels is None:
            levels = self.levels = tuple(self.rows[::-1]) if self.high else tuple(self.rows)
        return levels if depth >= self.n else levels[:depth]

    def stored_all(self, hits: list[str]) -> None:
        """`stored` for each spelling in `hits`, in order; the common case (a new nonzero plain size) in C when built."""
        refresh = _refresh
        if refresh is None:
            for spelling in hits:
                self.stored(spelling)
            return
        held, side, pxs, rows = self.held, self.side, self.pxs, self.rows
        i = refresh(hits, held, side, pxs, rows, Decimal, 0)
        while i < len(hits):
            self.stored(hits[i])
            i = refresh(hits, held, side, pxs, rows, Decimal, i + 1)
        self.levels = None

    def stored(self, spelling: str) -> None:
        """A size was stored on `spelling` (a removal when it is zero); only a spelling in `held` matters."""
        key = self.held.get(spelling)
        if key is None:
            return
        raw = self.side.get(spelling)
        if raw is not None:
            value = _amount(raw)
            if value:
                self.rows[bisect_left(self.pxs, key)] = (key, value)
                self.levels = None
                return
            del self.side[spelling], self.keys[key], self.prices[bisect_left(self.prices, key)]  # no tombstone in the top
        self._drop(bisect_left(self.pxs, key))

    def removed(self, key: Decimal) -> None:
        """The book removed the level at `key` from the side."""
        pxs = self.pxs
        i = bisect_left(pxs, key)
        if i < len(pxs) and pxs[i] == key:
            self._drop(i)

    def added(self, key: Decimal, spelling: str, raw: str | Decimal) -> None:
        """The book stored a live level at `key` under `spelling` (a new price, or a new spelling of a held one)."""
        pxs, held = self.pxs, self.held
        i = bisect_left(pxs, key)
        if i < len(pxs) and pxs[i] == key:
            old = self.names[i]
            if old != spelling:
                del held[old]
                held[spelling] = key
                self.names[i] = spelling
            self.rows[i] = (key, _amount(raw))
            self.levels = None
            return
        if self.full and i == (0 if self.high else len(pxs)):
            return  # worse than the worst level of a full top
        self._enter(i, key, _amount(raw), spelling)
        self.levels = None
        if len(pxs) > self.n:  # the worst level leaves the top (it stays live in the side)
            worst = 0 if self.high else -1
            del held[self.names.pop(worst)], pxs[worst], self.rows[worst]
        self.full = len(pxs) == self.n

    def _drop(self, i: int) -> None:
        """Take level i out of the top (the side no longer has it) and, if the side has more, let the next one in."""
        pxs = self.pxs
        edge = pxs[0] if self.high else pxs[-1]
        del self.held[self.names[i]], pxs[i], self.rows[i], self.names[i]
        self.levels = None
        if self.full:
            self._refill(edge)

    def _refill(self, edge: Decimal) -> None:
        """Append the best live level worse than `edge`, dropping the tombstones on the way; `full` False if none."""
        side, keys, prices = self.side, self.keys, self.prices
        if self.high:
            i = bisect_left(prices, edge) - 1
            while i >= 0:
                price = prices[i]
                spelling = keys[price]
                value = _amount(side[spelling])
                if value:
                    self._enter(0, price, value, spelling)  # type: ignore[arg-type]
                    return
                del side[spelling], keys[price], prices[i]
                i -= 1
        else:
            i = bisect_right(prices, edge)
            while i < len(prices):
                price = prices[i]
                spelling = keys[price]
                value = _amount(side[spelling])
                if value:
                    self._enter(len(self.pxs), price, value, spelling)  # type: ignore[arg-type]
                    return
                del side[spelling], keys[price], prices[i]
        self.full = False

    def _enter(self, i: int, price: Decimal, value: Decimal, spelling: str) -> None:
        self.pxs.insert(i, price)
        self.rows.insert(i, (price, value))
        self.names.insert(i, spelling)
        self.held[spelling] = price
