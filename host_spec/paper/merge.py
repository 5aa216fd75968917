"""One clock, the venue's: depth views, public trades and our own delayed actions, merged in time order.

Items wait in a small reorder buffer until the watermark (the venue time up to which we believe every
event has arrived) passes them. Order on a tie of timestamps: our actions (an order or cancel that
reaches the venue at t sees the book as it stood at t), then trades, then depth (a depth view at t
already shows the trade at t, so the trade must be seen first to explain the decrease).

Look-ahead (an Action with `pair` and `wait_ms`): a venue that batches depth changes (BitMart: one
`version` per <=100 ms, stamped with its flush time) shows at time t a book that can be up to a batch
old. An order arriving at t is then held until the first depth view of its pair stamped >= t has
arrived (or the watermark passes t + wait_ms: no such view, so nothing changed), and is released in
its place in time order with `peek` = (that view, the trades stamped in [t, the view's time]), so the
engine can decide against the book as it stood at t (see PaperEngine.arrive). Nothing stamped after t
is applied before the action: the peek is read-only.
"""

from __future__ import annotations

import collections
import heapq
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from host_spec.models import OrderBookView, PublicTrade

__all__ = ["Action", "Timeline", "VenueClock"]

RANK_ACTION, RANK_TRADE, RANK_DEPTH = 0, 1, 2


@dataclass(frozen=True, slots=True)
class Action:
    """Something of ours that reaches the venue at `at_ms` (after its latency).

    With `pair` and `wait_ms` > 0 it is held for a look-ahead depth view (see the module doc) and is
    released with `peek` set: (OrderBookView | None, [PublicTrade, ...]).
    """

    at_ms: int
    run: Callable[..., Any]
    label: str = ""
    pair: Any = None
    wait_ms: int = 0
    peek: Any = None


@dataclass(order=True, slots=True)
class _Item:
    ts: int
    rank: int
    seq: int
    payload: Any = field(compare=False)


class Timeline:
    """A heap of pending items released in (timestamp, rank, arrival) order up to a watermark."""

    def __init__(self, reorder_ms: int = 30) -> None:
        self.reorder_ms = reorder_ms
        self._heap: list[_Item] = []
        self._seq = itertools.count()
        self.max_event_ms = 0
        self.released_ms = 0
        self.late = 0
        self.late_actions = 0  # actions pushed for a time already released past (applied late)
        self._depth_ms: dict[Any, int] = {}  # newest depth view timestamp pushed, per pair

    def __len__(self) -> int:
        return len(self._heap)

    def push_event(self, event: OrderBookView | PublicTrade) -> None:
        rank = RANK_TRADE if isinstance(event, PublicTrade) else RANK_DEPTH
        heapq.heappush(self._heap, _Item(event.timestamp_ms, rank, next(self._seq), event))
        self.max_event_ms = max(self.max_event_ms, event.timestamp_ms)
        if rank == RANK_DEPTH:
            self._depth_ms[event.pair] = max(self._depth_ms.get(event.pair, 0), event.timestamp_ms)

    def push_action(self, action: Action) -> None:
        heapq.heappush(self._heap, _Item(action.at_ms, RANK_ACTION, next(self._seq), action))

    def watermark(self, venue_now_ms: int | None = None) -> int:
        """Venue time up to which items may be released: the newest event (or the clock) less the buffer."""
        newest = max(self.max_event_ms, venue_now_ms or 0)
        return newest - self.reorder_ms

    def release(self, upto_ms: int) -> list[OrderBookView | PublicTrade | Action]:
        """Pop every item with timestamp <= `upto_ms`, in merge order. Items older than one already
        released (late arrivals) come out too and are counted in `late`."""
        out: list[Any] = []
        while self._heap and self._heap[0].ts <= upto_ms:
            head = self._heap[0]
            if head.rank == RANK_ACTION and head.payload.wait_ms > 0 and head.payload.pair is not None:
                act = head.payload
                if self._depth_ms.get(act.pair, -1) < act.at_ms and upto_ms < act.at_ms + act.wait_ms:
                    break  # hold everything behind it: the look-ahead view has not come yet
                head.payload = replace(act, peek=self._peek(act.pair, act.at_ms))
            item = heapq.heappop(self._heap)
            if item.ts < self.released_ms:
                if item.rank == RANK_ACTION:
                    self.late_actions += 1
                else:
                    self.late += 1
            self.released_ms = max(self.released_ms, item.ts)
            out.append(item.payload)
        return out

    def _peek(self, pair: Any, at_ms: int) -> tuple[OrderBookView | None, list[PublicTrade]]:
        """The first pending depth view of `pair` stamped >= at_ms and the pair's trades stamped in [at_ms, its time]."""
        pending = sorted(self._heap)
        view = next((i.payload for i in pending if i.rank == RANK_DEPTH and i.ts >= at_ms and i.payload.pair == pair), None)
        if view is None:
            return None, []
        trades = [i.payload for i in pending if i.rank == RANK_TRADE and at_ms <= i.ts <= view.timestamp_ms
                  and i.payload.pair == pair]
        return view, trades

    def drain(self) -> list[OrderBookView | PublicTrade | Action]:
        """Release everything (end of a recorded stream)."""
        return self.release(1 << 62)


class VenueClock:
    """The venue's clock as best we know it: wall time plus the largest offset (venue stamp minus wall time)
    of the events seen in the last 5 s, that is, of the least-delayed one."""

    def __init__(self) -> None:
        self._offsets: collections.deque[tuple[int, int]] = collections.deque()
        self._offset = 0

    def now(self) -> int:
        return time.time_ns() // 1_000_000 + self._offset

    def observe(self, venue_ms: int) -> None:
        wall = time.time_ns() // 1_000_000
        self._offsets.append((wall, venue_ms - wall))
        while self._offsets and self._offsets[0][0] < wall - 5000:
            self._offsets.popleft()
        self._offset = max(off for _, off in self._offsets)
