"""Book channels of the futures WS: ``depth{N}`` (one side per message), ``depthAll{N}``, ``depthIncrease{N}``.

A stream is keyed by its push group (symbol, N and speed). Every speed period, a stream whose symbol's
book changed is checked: ``depth`` pushes each side whose top N differs from what it last pushed,
``depthAll`` both sides, ``depthIncrease`` one ``update`` with version + 1 listing changed levels,
levels that entered the top N and (``"0"``) levels that left it — so a client applying the stream holds
exactly the true top N (§3.5 [DECISION]: no drift, no same-version heartbeat). A new subscriber first
gets pending changes flushed to the others, then a ``snapshot`` at the current version.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable, Iterable, Mapping

from ..core.book import Book
from ..faults import FaultState
from ..ws_conn import Conn
from .ws_proto import Topic, push
from .ws_rows import num

Levels = list[tuple[Decimal, Decimal]]


def level(price: Decimal, vol: Decimal) -> dict[str, str]:
    return {"price": num(price), "vol": num(vol)}


@dataclass(slots=True)
class Stream:
    """What one push group last sent, and the book change count it last looked at."""

    topic: Topic
    seen: int = -1
    bids: Levels = field(default_factory=list)
    asks: Levels = field(default_factory=list)
    version: int = 0


class DepthStreams:
    """All book streams; ``flush(speed)`` runs once per speed period."""

    def __init__(self, books: Mapping[str, Book], now_ms: Callable[[], int],
                 subscribers: Callable[[str], Iterable[Conn]], faults: FaultState) -> None:
        self.books = books
        self.now_ms = now_ms
        self._subs = subscribers
        self.faults = faults
        self.changes: dict[str, int] = {}  # symbol -> number of level changes seen
        self.streams: dict[str, Stream] = {}

    def on_level(self, symbol: str) -> None:
        self.changes[symbol] = self.changes.get(symbol, 0) + 1

    def stream(self, topic: Topic) -> Stream:
        s = self.streams.get(topic.group)
        if s is None:
            s = self.streams[topic.group] = Stream(topic, version=1)
            s.seen = self.changes.get(topic.symbol, 0)
            s.bids, s.asks = self.books[topic.symbol].depth(topic.depth)
        return s

    def flush(self, speed: str) -> None:
        """Push what changed for every subscribed stream of ``speed``."""
        for group, s in list(self.streams.items()):
            if s.topic.speed != speed:
                continue
            subs = list(self._subs(group))
            if not subs:
                if s.topic.kind != "depthIncrease":
                    del self.streams[group]  # per-side streams restart from the book on the next subscribe
                continue
            self._advance(s, subs)

    def _advance(self, s: Stream, subs: list[Conn]) -> None:
        seen = self.changes.get(s.topic.symbol, 0)
        if seen == s.seen:
            return
        s.seen = seen
        bids, asks = self.books[s.topic.symbol].depth(s.topic.depth)
        kind = s.topic.kind
        frames: list[str] = []
        if kind == "depth":
            frames = [self._side(s, way, new) for way, old, new in ((1, s.bids, bids), (2, s.asks, asks)) if old != new]
        elif kind == "depthAll" and (bids != s.bids or asks != s.asks):
            frames = [self._all(s, bids, asks)]
        elif kind == "depthIncrease":
            frames = self._increment(s, bids, asks)
        s.bids, s.asks = bids, asks
        for frame in frames:
            for c in subs:
                c.send(frame)

    def _increment(self, s: Stream, bids: Levels, asks: Levels) -> list[str]:
        d_bids = sorted(_diff(s.bids, bids), reverse=True)
        d_asks = sorted(_diff(s.asks, asks))
        if not d_bids and not d_asks:
            return []
        symbol = s.topic.symbol
        s.version += 2 if self.faults.take_depth("gap", symbol) else 1
        frame = self._inc_frame(s, "update", d_bids, d_asks)
        return [frame, frame] if self.faults.take_depth("dup", symbol) else [frame]

    # -- what a subscriber gets first -------------------------------------------------------
    def first(self, conn: Conn, topic: Topic) -> None:
        """Right after the ack: both sides (depth), the book (depthAll) or a snapshot (depthIncrease)."""
        s = self.stream(topic)
        if topic.kind == "depthIncrease":
            conn.send(self.snapshot(topic))
            return
        bids, asks = self.books[topic.symbol].depth(topic.depth)
        if topic.kind == "depth":
            conn.send(self._side(s, 1, bids))
            conn.send(self._side(s, 2, asks))
        else:
            conn.send(self._all(s, bids, asks))

    def snapshot(self, topic: Topic) -> str:
        """A ``type:"snapshot"`` at the current version, after flushing pending changes to subscribers."""
        s = self.stream(topic)
        subs = list(self._subs(topic.group))
        if subs:
            self._advance(s, subs)
        elif self.changes.get(topic.symbol, 0) != s.seen:
            s.seen = self.changes.get(topic.symbol, 0)
            bids, asks = self.books[topic.symbol].depth(topic.depth)
            if bids != s.bids or asks != s.asks:
                s.bids, s.asks = bids, asks
                s.version += 1
        return self._inc_frame(s, "snapshot", s.bids, s.asks)

    # -- payloads -----------------------------------------------------------------------------
    def _side(self, s: Stream, way: int, levels: Levels) -> str:
        return push(s.topic.group, {"symbol": s.topic.symbol, "way": way,
                                    "depths": [level(p, v) for p, v in levels], "ms_t": self.now_ms()})

    def _all(self, s: Stream, bids: Levels, asks: Levels) -> str:
        return push(s.topic.group, {"symbol": s.topic.symbol, "asks": [level(p, v) for p, v in asks],
                                    "bids": [level(p, v) for p, v in bids], "ms_t": self.now_ms()})

    def _inc_frame(self, s: Stream, kind: str, bids: Levels, asks: Levels) -> str:
        data: dict[str, Any] = {"symbol": s.topic.symbol, "asks": [level(p, v) for p, v in asks],
                                "bids": [level(p, v) for p, v in bids], "ms_t": self.now_ms(),
                                "version": s.version, "type": kind}
        return push(s.topic.group, data)


def _diff(old: Levels, new: Levels) -> Levels:
    """Levels of ``new`` that differ from ``old``, and ``old`` prices gone from ``new`` with size 0."""
    before, after = dict(old), dict(new)
    out = [(p, v) for p, v in after.items() if before.get(p) != v]
    out.extend((p, Decimal(0)) for p in before if p not in after)
    return out
