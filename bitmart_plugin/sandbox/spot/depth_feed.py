"""`spot/depth/increase100` feed: LevelChanged runs -> one contiguous `version` per flushed batch.

Each symbol keeps the view a client has after applying every version sent so far (the true top 100
levels per side at the last flush). A flush diffs the current true top 100 against that view: changed
or entering levels are sent with their absolute size, levels that vanished or left the window with
size "0". So a client applying the stream holds exactly the true top-100 book as of the last version.

Batching: the first change of a symbol after a flush puts it at the end of the dirty queue, due
`depth_flush_ms` later; one timer flushes the symbols that are due, each as one version, CHUNK at a time,
at most every STAGGER_S. So every symbol coalesces the same window, and the flushes are spread evenly
instead of one burst of every symbol each period (at 1,000 busy pairs a burst of ~600 pushes kept the
last of them waiting ~15 ms in the sandbox and ~25 ms more in a client that reads them one by one).
The diff is incremental: the LevelChanged events since the last flush carry every changed level's
new total, so while a side holds at most 100 levels the view is patched from them alone; a side
with more levels (where the window's edge moves) is diffed against the book's top 100 as a whole.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from decimal import Decimal
from typing import Any, Callable, Iterable

from ..core.events import ZERO, LevelChanged
from ..deflate import encode_push
from ..state import State
from ..ws_conn import Conn

TABLE = "spot/depth/increase100"
DEPTH = 100
CHUNK = 64  # symbols flushed per callback: the sockets get their frames between chunks
STAGGER_S = 0.01  # shortest gap between two flushes of the symbols that came due
Side = dict[Decimal, Decimal]


class SymbolFeed:
    """Version counter, last-sent top-100 view and pending level changes of one symbol."""

    __slots__ = ("symbol", "topic", "levels", "version", "bids", "asks", "wide", "dirty", "due", "pend_bids",
                 "pend_asks", "last_sent")

    def __init__(self, symbol: str, levels: Callable[[list[tuple[Decimal, Decimal]]], list[list[str]]],
                 bids: Side, asks: Side, wide: bool) -> None:
        self.symbol = symbol
        self.levels = levels  # the symbol's Fmt.changed_levels
        self.topic = f"{TABLE}:{symbol}"
        self.version = 1
        self.bids = bids
        self.asks = asks
        self.wide = wide  # a side had more than DEPTH levels at the last flush: diff against the book
        self.dirty = False
        self.due = 0.0  # time.monotonic() at which a dirty symbol is flushed
        self.pend_bids: Side = {}  # price -> new level total (0: gone), since the last flush
        self.pend_asks: Side = {}
        self.last_sent = time.monotonic()


class DepthFeeds:
    """All increase100 feeds; created lazily on first subscription and kept for the server's life."""

    def __init__(self, state: State, subscribers: Callable[[str], Iterable[Conn]]) -> None:
        self.state = state
        self._subs = subscribers
        self.feeds: dict[str, SymbolFeed] = {}
        self.touched: set[str] = set()  # symbols with a LevelChanged since the endpoint last took them
        self.flush_s = state.config.depth_flush_ms / 1000
        self._dirty: deque[SymbolFeed] = deque()  # in the order they became dirty, so by due time
        self._tick: asyncio.TimerHandle | None = None
        self.flushing = False  # a batch is being flushed CHUNK symbols at a time (the agents wait for it)

    def _true(self, symbol: str) -> tuple[Side, Side, bool]:
        bids, asks = self.state.exchange.depth(symbol, DEPTH + 1)
        return dict(bids[:DEPTH]), dict(asks[:DEPTH]), len(bids) > DEPTH or len(asks) > DEPTH

    def feed(self, symbol: str) -> SymbolFeed:
        """The symbol's feed (created from the current book)."""
        f = self.feeds.get(symbol)
        if f is None:
            f = self.feeds[symbol] = SymbolFeed(symbol, self.state.fmt(symbol).changed_levels, *self._true(symbol))
        return f

    def on_level(self, ev: LevelChanged) -> None:
        """The listener for LevelChanged (the most frequent event): note the symbol as touched and the
        level's new total; the next tick flushes the symbol."""
        self.touched.add(ev.symbol)
        f = self.feeds.get(ev.symbol)
        if f is None:
            return
        (f.pend_bids if ev.side == "bids" else f.pend_asks)[ev.price] = ev.size
        if not f.dirty:
            f.dirty = True
            f.due = time.monotonic() + self.flush_s
            self._dirty.append(f)
            if self._tick is None:
                self._tick = asyncio.get_running_loop().call_later(self.flush_s, self._flush_due)

    def _flush_due(self) -> None:
        """Flush the symbols that are due; come back when the next one is (STAGGER_S at the soonest)."""
        self._tick = None
        now, dirty, loop = time.monotonic(), self._dirty, asyncio.get_running_loop()
        if self.flushing:  # the last batch is still going out chunk by chunk
            self._tick = loop.call_later(STAGGER_S, self._flush_due)
            return
        batch = []
        while dirty and dirty[0].due <= now + 0.001:  # asyncio may run a timer up to its clock resolution early
            batch.append(dirty.popleft())
        if dirty:
            self._tick = loop.call_later(max(dirty[0].due - now, STAGGER_S), self._flush_due)
        self._flush_from(batch, 0)

    def _flush_dirty(self) -> None:
        """Flush every dirty symbol now, due or not (deterministic workloads: benchmarks/sandbox_push_cost.py)."""
        if self._tick is not None:
            self._tick.cancel()
            self._tick = None
        batch = list(self._dirty)
        self._dirty.clear()
        self._flush_from(batch, 0)

    def _flush_from(self, dirty: list[SymbolFeed], start: int) -> None:
        """Flush CHUNK symbols, then let the loop write them out before the next CHUNK."""
        end = start + CHUNK
        now, mono = self.state.now_ms(), time.monotonic()  # one venue timestamp per chunk (about a millisecond of work)
        for f in dirty[start:end]:
            self._flush_feed(f, now, mono)
        self.flushing = end < len(dirty)
        if self.flushing:
            asyncio.get_running_loop().call_soon(self._flush_from, dirty, end)

    def flush(self, symbol: str) -> None:
        """Send the coalesced batch as one version (unless nothing visible changed)."""
        self._flush_feed(self.feeds[symbol], self.state.now_ms(), time.monotonic())

    def _flush_feed(self, f: SymbolFeed, now: int, mono: float) -> None:
        if not f.dirty:
            return
        subs = self._subs(f.topic)
        if not subs:
            return  # stay dirty; flushed when someone subscribes
        d_bids, d_asks = self._consume(f)
        if not d_bids and not d_asks:
            return
        faults = self.state.faults
        f.version += 2 if faults.depth_gap and faults.take_depth("gap", f.symbol) else 1
        frame = encode_push(self._payload(f, "update", f.levels(d_asks), f.levels(d_bids), now))
        dup = faults.depth_dup and faults.take_depth("dup", f.symbol)
        for c in list(subs):
            c.send(frame)
            if dup:
                c.send(frame)
        f.last_sent = mono

    def _consume(self, f: SymbolFeed) -> tuple[list[tuple[Decimal, Decimal]], list[tuple[Decimal, Decimal]]]:
        """Bring the view to the current top 100; the changed levels (bids best first, asks best first)."""
        f.dirty = False
        pb, pa = f.pend_bids, f.pend_asks
        f.pend_bids, f.pend_asks = {}, {}
        if not f.wide and _fits(f.bids, pb) and _fits(f.asks, pa):
            d_bids = _apply(f.bids, pb) if pb else []
            d_asks = _apply(f.asks, pa) if pa else []
        else:
            bids, asks, f.wide = self._true(f.symbol)
            d_bids, d_asks = _diff(f.bids, bids), _diff(f.asks, asks)
            f.bids, f.asks = bids, asks
        d_bids.sort(reverse=True)
        d_asks.sort()
        return d_bids, d_asks

    def _payload(self, f: SymbolFeed, kind: str, asks: list[list[str]], bids: list[list[str]],
                 ms_t: int | None = None) -> dict[str, Any]:
        return {"table": TABLE, "data": [{"symbol": f.symbol, "type": kind, "version": f.version,
                                          "ms_t": self.state.now_ms() if ms_t is None else ms_t, "asks": asks, "bids": bids}]}

    def snapshot(self, symbol: str) -> bytes:
        """Flush pending changes, then a snapshot frame at the current version."""
        f = self.feed(symbol)
        if f.dirty:
            self._flush_now(f)
        fmt = self.state.fmt(symbol)
        asks = [fmt.level(p, f.asks[p]) for p in sorted(f.asks)]
        bids = [fmt.level(p, f.bids[p]) for p in sorted(f.bids, reverse=True)]
        return encode_push(self._payload(f, "snapshot", asks, bids))

    def _flush_now(self, f: SymbolFeed) -> None:
        # flush even without subscribers so the snapshot reflects the current book
        if any(True for _ in self._subs(f.topic)):
            self.flush(f.symbol)
            return
        d_bids, d_asks = self._consume(f)
        if d_bids or d_asks:
            f.version += 1

    def heartbeat(self) -> None:
        """Same-version empty update for quiet symbols (api §8.4)."""
        now = time.monotonic()
        for sym, f in self.feeds.items():
            if now - f.last_sent < self.state.config.depth_heartbeat_s:
                continue
            subs = list(self._subs(f.topic))
            f.last_sent = now
            if subs:
                frame = encode_push(self._payload(f, "update", [], []))
                for c in subs:
                    c.send(frame)


def _fits(view: Side, pending: Side) -> bool:
    """Whether the side, with ``pending`` applied to ``view`` (every level of it), holds at most DEPTH levels."""
    n = len(view)
    if n + len(pending) <= DEPTH:  # even if every pending level were new
        return True
    for p, s in pending.items():
        if s:
            n += p not in view
        else:
            n -= p in view
    return n <= DEPTH


def _apply(view: Side, pending: Side) -> list[tuple[Decimal, Decimal]]:
    """Patch ``view`` with the pending totals; the levels that changed (0 = gone)."""
    out = []
    for p, s in pending.items():
        old = view.get(p)
        if s:
            if old != s:
                view[p] = s
                out.append((p, s))
        elif old is not None:
            del view[p]
            out.append((p, ZERO))
    return out


def _diff(old: Side, new: Side) -> list[tuple[Decimal, Decimal]]:
    out = [(p, s) for p, s in new.items() if old.get(p) != s]
    out.extend((p, ZERO) for p in old if p not in new)
    return out
