"""The REST/WS seam of a live candle feed, as a pure state machine (no I/O, injectable time).

State: `last_closed` (open time of the newest candle already emitted with `closed=True`) and `current`
(the forming candle after it). REST candles are authoritative; WS pushes (full snapshots of the forming
candle, no quote volume, no closed flag) move `current`. A push with a newer open time means every candle
before it closed: the feed first fetches those from REST (their final values, quote volume included) and
`absorb`s them with `close_before`, so nothing is skipped even if the last pushes of a candle were never
sent. Each candle is emitted closed exactly once; updates of the forming candle are emitted with
`closed=False` only when they change.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from host_spec import Candle

from bitmart_plugin.candles.intervals import Interval

__all__ = ["CandleMerger"]


class CandleMerger:
    """Merges REST history and WS pushes into one ordered stream; see the module docstring."""

    def __init__(self, interval: Interval, *, grace_s: float = 2.0, until_s: int | None = None) -> None:
        self.interval = interval
        self.grace_s = grace_s
        self.until_s = until_s
        self.last_closed: int | None = None
        self.current: Candle | None = None
        self._last_sent: Candle | None = None

    # ---- queries ----------------------------------------------------------------------------------

    def stale(self, candle: Candle) -> bool:
        """True for a push of a candle already closed (e.g. buffered before the backfill)."""
        return self.last_closed is not None and candle.open_time_s <= self.last_closed

    def newer(self, candle: Candle) -> bool:
        """True when the push opens a candle after `current` (so candles before it have closed)."""
        return not self.stale(candle) and (self.current is None or candle.open_time_s > self.current.open_time_s)

    def resume_from(self, default: int) -> int:
        """The first open time REST must still provide."""
        return self.last_closed + 1 if self.last_closed is not None else default

    def deadline(self, now: float) -> float:
        """When the wall clock alone would close `current` (or the candle forming at `now`)."""
        if self.current is not None:
            return self.interval.end(self.current.open_time_s) + self.grace_s
        start = self.interval.floor(int(now))
        return self.interval.end(start) + self.grace_s

    def finished(self, now: float) -> bool:
        """With `until_s`: every candle opening before it has been emitted closed."""
        if self.until_s is None or now < self.until_s:
            return False
        return self.current is None or self.current.open_time_s >= self.until_s

    # ---- transitions ------------------------------------------------------------------------------

    def absorb(self, history: Iterable[Candle], now: float, *, close_before: int | None = None) -> list[Candle]:
        """Apply REST candles (ascending); returns what to emit. Candles before `close_before` are final."""
        fresh = [c for c in history if not self.stale(c) and self._wanted(c)]
        out: list[Candle] = []
        for i, c in enumerate(fresh):
            last = i == len(fresh) - 1
            cur = self.current
            if cur is not None and c.open_time_s > cur.open_time_s:
                out += self._close(cur)  # REST has a newer candle: the one forming before it is final
                cur = None
            final = ((close_before is not None and c.open_time_s < close_before) or not last or self._ended(c, now)
                     or (cur is not None and c.open_time_s < cur.open_time_s))
            if final:
                out += self._close(c)
            elif cur is None or c.open_time_s > cur.open_time_s or c.volume >= cur.volume:
                out += self._update(c)  # a forming candle only grows: never step back to an older snapshot
        cur = self.current
        if cur is not None and ((close_before is not None and cur.open_time_s < close_before) or self._ended(cur, now)):
            out += self._close(cur)  # REST did not have it: close with the last values we saw
        return out

    def push(self, candle: Candle) -> list[Candle]:
        """Apply a WS snapshot of the forming candle (call `absorb(..., close_before=open)` first if `newer`)."""
        if self.stale(candle) or not self._wanted(candle):
            return []
        cur = self.current
        if cur is not None and candle.open_time_s < cur.open_time_s:
            return []
        if cur is not None and candle.open_time_s == cur.open_time_s and candle.quote_volume == 0:
            if candle.volume == cur.volume:
                candle = dataclasses.replace(candle, quote_volume=cur.quote_volume)
        return self._update(candle)

    # ---- internals --------------------------------------------------------------------------------

    def _wanted(self, c: Candle) -> bool:
        return self.until_s is None or c.open_time_s < self.until_s

    def _ended(self, c: Candle, now: float) -> bool:
        return self.interval.end(c.open_time_s) + self.grace_s <= now

    def _close(self, c: Candle) -> list[Candle]:
        self.last_closed = c.open_time_s
        if self.current is not None and self.current.open_time_s <= c.open_time_s:
            self.current = None
        self._last_sent = None
        return [dataclasses.replace(c, closed=True)]

    def _update(self, c: Candle) -> list[Candle]:
        c = dataclasses.replace(c, closed=False)
        self.current = c
        if c == self._last_sent:
            return []
        self._last_sent = c
        return [c]
