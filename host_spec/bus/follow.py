"""How a bus reader keeps one pair's book: which messages apply, which are stale, and when to resync.

Pure logic over an L2Book (no NATS). A book message carries the venue's `sequence` and, for a diff,
the `prev` sequence it applies to. Against the book's sequence `c`:

- a snapshot newer than `c` (or any snapshot while unsynced) replaces the book;
- a diff with `prev == c` applies;
- anything at or below `c` is stale (a duplicate, or another publisher's copy) and is dropped;
- a diff with `prev < c < sequence` is another publisher's path to a later book: dropped, the next
  message tells whether a change was missed;
- a diff with `prev > c` (or any diff while unsynced) means changes were missed: resync from the
  key-value snapshot.

A message whose levels are invalid leaves the book unsynced (L2Book's rule) and is reported as bad;
the reader resyncs and skips that stream position when it is replayed, so it is never applied.
"""

from __future__ import annotations

import enum

from host_spec.bus.schema import BookEntry, BookMessage
from host_spec.models import OrderBookView, TradingPair
from host_spec.orderbook import BookDataError, L2Book

__all__ = ["BookFollower", "Step"]


class Step(enum.Enum):
    APPLIED = "applied"  # the book changed: show a view
    DROPPED = "dropped"  # stale or another publisher's path: nothing to do
    RESYNC = "resync"  # changes were missed: read the key-value snapshot again
    BAD = "bad"  # invalid levels: the book is unsynced; resync, and skip this message from now on


class BookFollower:
    """One pair's book as read from the bus."""

    def __init__(self, pair: TradingPair) -> None:
        self.pair = pair
        self.book = L2Book()
        self.stats = {"applied": 0, "dropped": 0, "resyncs": 0, "bad": 0}

    @property
    def sequence(self) -> int | None:
        return self.book.sequence

    def load(self, entry: BookEntry) -> bool:
        """Adopt a key-value snapshot unless the book is already newer; False if its levels are invalid."""
        if self.book.sequence is not None and entry.sequence <= self.book.sequence:
            return True
        try:
            self.book.apply_snapshot(entry.bids, entry.asks, entry.sequence, entry.timestamp_ms)
        except BookDataError:
            self.stats["bad"] += 1
            return False
        return True

    def offer(self, msg: BookMessage) -> Step:
        """Apply one book message if it belongs next; see the module docstring for the rules."""
        book = self.book
        last = book.sequence
        try:
            if msg.snapshot:
                if last is not None and msg.sequence <= last:
                    return self._count(Step.DROPPED)
                book.apply_snapshot(msg.bids, msg.asks, msg.sequence, msg.timestamp_ms)
                return self._count(Step.APPLIED)
            if last is None:
                return self._count(Step.RESYNC)
            assert msg.prev is not None
            if msg.sequence <= last or msg.prev < last:
                return self._count(Step.DROPPED)
            if msg.prev > last:
                return self._count(Step.RESYNC)
            # `prev == last` is the bus's ordering check; a diff may span several venue sequences (the
            # publisher's connector resynced or conflated), so L2Book's own last+1 check is satisfied here.
            book.sequence = msg.sequence - 1
            book.apply_update(msg.bids, msg.asks, msg.sequence, msg.timestamp_ms)
            return self._count(Step.APPLIED)
        except BookDataError:
            book.invalidate()
            return self._count(Step.BAD)

    def _count(self, step: Step) -> Step:
        key = "resyncs" if step is Step.RESYNC else step.value
        self.stats[key] += 1
        return step

    def view(self, depth: int) -> OrderBookView:
        return self.book.view(self.pair, None, depth)
