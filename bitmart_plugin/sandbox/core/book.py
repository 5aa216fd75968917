"""Per-symbol price-time-priority limit order book with exact Decimal price levels.

Each side keeps ``price -> {order_id: Order}`` (dict insertion order is time priority), the
aggregated size per price, and a sorted list of level keys (``price`` for asks, ``-price`` for
bids) so the best level is always ``keys[0]``.
"""
from __future__ import annotations

from bisect import bisect_left, insort
from decimal import Decimal
from typing import Iterator

from .events import ZERO, Order


class BookSide:
    """One side of a book; ``name`` is "bids" or "asks"."""

    __slots__ = ("name", "is_bid", "levels", "totals", "_keys", "count")

    def __init__(self, name: str) -> None:
        self.name = name
        self.is_bid = name == "bids"
        self.levels: dict[Decimal, dict[str, Order]] = {}
        self.totals: dict[Decimal, Decimal] = {}
        self._keys: list[Decimal] = []
        self.count = 0

    def _key(self, price: Decimal) -> Decimal:
        return -price if self.is_bid else price

    def best_price(self) -> Decimal | None:
        if not self._keys:
            return None
        k = self._keys[0]
        return -k if self.is_bid else k

    def worst_price(self) -> Decimal | None:
        if not self._keys:
            return None
        k = self._keys[-1]
        return -k if self.is_bid else k

    def best_order(self) -> Order | None:
        """The order with priority at the best price."""
        p = self.best_price()
        if p is None:
            return None
        return next(iter(self.levels[p].values()))

    def add(self, order: Order) -> Decimal:
        """Rest ``order`` (its remaining size) at the back of its level; returns the new level total."""
        price = order.price
        assert price is not None
        level = self.levels.get(price)
        if level is None:
            level = self.levels[price] = {}
            self.totals[price] = ZERO
            insort(self._keys, self._key(price))
        level[order.order_id] = order
        total = self.totals[price] + order.remaining
        self.totals[price] = total
        self.count += 1
        return total

    def reduce(self, price: Decimal, amount: Decimal) -> Decimal:
        """Lower the level total after a fill (the order object was already updated)."""
        total = self.totals[price] - amount
        self.totals[price] = total
        return total

    def remove(self, order: Order, amount: Decimal) -> Decimal:
        """Take ``order`` out of the book, subtracting ``amount`` from its level; returns new total."""
        price = order.price
        assert price is not None
        level = self.levels[price]
        del level[order.order_id]
        self.count -= 1
        if not level:
            del self.levels[price]
            del self.totals[price]
            k = self._key(price)
            i = bisect_left(self._keys, k)
            del self._keys[i]
            return ZERO
        total = self.totals[price] - amount
        self.totals[price] = total
        return total

    def top(self, limit: int | None = None) -> list[tuple[Decimal, Decimal]]:
        keys = self._keys if limit is None else self._keys[:limit]
        if self.is_bid:
            return [(-k, self.totals[-k]) for k in keys]
        return [(k, self.totals[k]) for k in keys]

    def prices(self) -> Iterator[Decimal]:
        for k in self._keys:
            yield -k if self.is_bid else k

    def queues(self) -> Iterator[tuple[Decimal, Decimal, list[Order]]]:
        """(price, total, orders in time priority) of every level, best first (the admin's true book)."""
        for price in self.prices():
            yield price, self.totals[price], list(self.levels[price].values())

    def orders(self) -> Iterator[Order]:
        for level in self.levels.values():
            yield from level.values()

    def __len__(self) -> int:
        return len(self._keys)


class Book:
    """Both sides of one symbol's book."""

    __slots__ = ("symbol", "bids", "asks")

    def __init__(self, symbol: str) -> None:
        self.symbol = symbol
        self.bids = BookSide("bids")
        self.asks = BookSide("asks")

    def side_for(self, order_side: str) -> BookSide:
        """The side an order of ``order_side`` ("buy"/"sell") rests on."""
        return self.bids if order_side == "buy" else self.asks

    def opposite(self, order_side: str) -> BookSide:
        return self.asks if order_side == "buy" else self.bids

    def crosses(self, side: str, price: Decimal) -> bool:
        """Would a ``side`` order at ``price`` trade against the book right now?"""
        if side == "buy":
            best = self.asks.best_price()
            return best is not None and price >= best
        best = self.bids.best_price()
        return best is not None and price <= best

    def depth(self, limit: int | None = None) -> tuple[list[tuple[Decimal, Decimal]], list[tuple[Decimal, Decimal]]]:
        return self.bids.top(limit), self.asks.top(limit)
