"""`spot/depth/increase100` feed: LevelChanged runs -> one contiguous `version` per flushed batch.

Each symbol keeps the view a client has after applying every version sent so far (the true top 100
levels per side at the last flush). A flush diffs the current true top 100 against that view: changed
or entering levels are sent with their absolute size, levels that vanished or left the window with
size "0". So a client applying the stream holds exactly the true top-100 book as of the last version.
"""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal
from typing import Any, Callable, Iterable

from ..deflate import encode_push
from ..state import State
from ..ws_conn import Conn

TABLE = "spot/depth/increase100"
DEPTH = 100
Side = dict[Decimal, Decimal]


class SymbolFeed:
    """Version counter and last-sent top-100 view of one symbol."""

    def __init__(self, symbol: str, bids: Side, asks: Side) -> None:
        self.symbol = symbol
        self.version = 1
        self.bids = bids
        self.asks = asks
        self.dirty = False
        self.handle: asyncio.TimerHandle | None = None
        self.last_sent = time.monotonic()


class DepthFeeds:
    """All increase100 feeds; created lazily on first subscription and kept for the server's life."""

    def __init__(self, state: State, subscribers: Callable[[str], Iterable[Conn]]) -> None:
        self.state = state
        self._subs = subscribers
        self.feeds: dict[str, SymbolFeed] = {}
        self.flush_s = state.config.depth_flush_ms / 1000

    def _true(self, symbol: str) -> tuple[Side, Side]:
        bids, asks = self.state.exchange.depth(symbol, DEPTH)
        return dict(bids), dict(asks)

    def feed(self, symbol: str) -> SymbolFeed:
        """The symbol's feed (created from the current book)."""
        f = self.feeds.get(symbol)
        if f is None:
            bids, asks = self._true(symbol)
            f = self.feeds[symbol] = SymbolFeed(symbol, bids, asks)
        return f

    def on_level(self, symbol: str) -> None:
        """A LevelChanged arrived: schedule a flush of this symbol's batch."""
        f = self.feeds.get(symbol)
        if f is None:
            return
        f.dirty = True
        if f.handle is None:
            f.handle = asyncio.get_running_loop().call_later(self.flush_s, self.flush, symbol)

    def flush(self, symbol: str) -> None:
        """Send the coalesced batch as one version (unless nothing visible changed)."""
        f = self.feeds[symbol]
        f.handle = None
        if not f.dirty:
            return
        subs = list(self._subs(f"{TABLE}:{symbol}"))
        if not subs:
            return  # stay dirty; flushed when someone subscribes
        f.dirty = False
        bids, asks = self._true(symbol)
        d_bids = sorted(_diff(f.bids, bids), reverse=True)
        d_asks = sorted(_diff(f.asks, asks))
        if not d_bids and not d_asks:
            return
        f.bids, f.asks = bids, asks
        faults = self.state.faults
        f.version += 2 if faults.take_depth("gap", symbol) else 1
        fmt = self.state.fmt(symbol)
        payload = self._payload(f, "update", [_level(fmt, p, s) for p, s in d_asks],
                                [_level(fmt, p, s) for p, s in d_bids])
        frame = encode_push(payload)
        times = 2 if faults.take_depth("dup", symbol) else 1
        for c in subs:
            for _ in range(times):
                c.send(frame)
        f.last_sent = time.monotonic()

    def _payload(self, f: SymbolFeed, kind: str, asks: list[list[str]], bids: list[list[str]]) -> dict[str, Any]:
        return {"table": TABLE, "data": [{"symbol": f.symbol, "type": kind, "version": f.version,
                                          "ms_t": self.state.now_ms(), "asks": asks, "bids": bids}]}

    def snapshot(self, symbol: str) -> bytes:
        """Flush pending changes, then a snapshot frame at the current version."""
        f = self.feed(symbol)
        if f.dirty:
            if f.handle is not None:
                f.handle.cancel()
            f.handle = None
            self._flush_now(f)
        fmt = self.state.fmt(symbol)
        asks = [fmt.level(p, f.asks[p]) for p in sorted(f.asks)]
        bids = [fmt.level(p, f.bids[p]) for p in sorted(f.bids, reverse=True)]
        return encode_push(self._payload(f, "snapshot", asks, bids))

    def _flush_now(self, f: SymbolFeed) -> None:
        # flush even without subscribers so the snapshot reflects the current book
        subs = list(self._subs(f"{TABLE}:{f.symbol}"))
        if subs:
            self.flush(f.symbol)
            return
        f.dirty = False
        bids, asks = self._true(f.symbol)
        if _diff(f.bids, bids) or _diff(f.asks, asks):
            f.bids, f.asks = bids, asks
            f.version += 1

    def heartbeat(self) -> None:
        """Same-version empty update for quiet symbols (api §8.4)."""
        now = time.monotonic()
        for sym, f in self.feeds.items():
            if now - f.last_sent < self.state.config.depth_heartbeat_s:
                continue
            subs = list(self._subs(f"{TABLE}:{sym}"))
            f.last_sent = now
            if subs:
                frame = encode_push(self._payload(f, "update", [], []))
                for c in subs:
                    c.send(frame)


def _level(fmt: Any, price: Decimal, size: Decimal) -> list[str]:
    """Level as strings; a removed level carries size "0" exactly (api §8.4)."""
    return fmt.level(price, size) if size else [fmt.price(price), "0"]


def _diff(old: Side, new: Side) -> list[tuple[Decimal, Decimal]]:
    out = [(p, s) for p, s in new.items() if old.get(p) != s]
    out.extend((p, Decimal(0)) for p in old if p not in new)
    return out
