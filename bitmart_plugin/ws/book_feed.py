"""One symbol's versioned book (spot/depth/increase100, futures/depthIncrease50): sequencing, validation,
resyncs that cannot loop, fan-out. Venue-neutral: it applies `bitmart_plugin.depth.Depth` messages.

Resync rules (bitmart_api.md §8.4, §4.4; bitmart_futures.md §3.5 for futures):

* A gap, a rejected frame (BookDataError: an invalid level) or a stale book starts a resync: a
  `request` for a snapshot, logged once at WARNING with the reason. Updates are buffered meanwhile.
* The subscription's own snapshot is awaited `resync_timeout` from the moment the venue acknowledged
  the subscription (the socket being up is not enough: a venue taking 1,000 subscriptions at once acks
  the last ones seconds later, and a request sent before the ack only queues behind it); a subscription
  not acknowledged within `stale_after` is resynced as below.
* A resync fails when no snapshot comes within `resync_timeout`, or when the snapshot that comes
  cannot reach the updates buffered meanwhile (e.g. a bogus far-future version). Requests back off
  on failures only: after n failures in a row the next request waits `spacing` * (2**n - 1) s
  (0.5, 1.5, 3.5 s...). After `max_requests` failures the topic is resubscribed (a fresh
  subscription snapshot); if that fails as often, the socket is reconnected. A snapshot that
  connects resets the counts, so ordinary gaps are resynced at once. Whatever happens, the feeds of
  one connection spend at most `resync_budget` messages per 10 s on resyncs (PublicStreams), inside
  BitMart's 100 per 10 s per connection.
* Which snapshots replace the book. While resyncing, the first snapshot that comes is adopted. While
  the book is synced, a snapshot at or below the book's version is adopted only if none was asked for
  (no request or subscription of ours is unanswered): then it is the venue's own (it restarted and
  re-sent the subscription snapshot, with versions starting again lower) and it replaces the book. If
  a snapshot was asked for, it is taken as the late answer to that request: the book has already
  applied updates past it, so it is stale and dropped (adopting it would rewind the book). Answers
  never cross sockets, so the count of unanswered requests restarts at each reconnect. If a restart
  ever coincides with an unanswered request, the restarted venue's updates are all "stale" (lower
  versions), nothing valid arrives, and the stale-book rule below resyncs it.
* A book that gets nothing valid (an applied update, a heartbeat at its version, an adopted snapshot)
  for `stale_after` seconds while its socket is up is resynced. BitMart sends a same-version heartbeat
  on a quiet book (the interval is not documented; the sandbox sends one every 5 s).
* A venue without heartbeats (futures, bitmart_futures.md C10: a quiet book sends nothing) is built with
  `heartbeats=False`: a book quiet for `stale_after` is probed instead, with a `request` while it stays
  usable. An answer at the book's version proves it current (counted as a heartbeat); a newer one means
  updates were lost and replaces the book; no answer within `resync_timeout` resyncs it as above.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from host_spec import BookDataError, L2Book, OrderBookView, SeqResult, TradingPair

from bitmart_plugin.depth import Depth, Level
from bitmart_plugin.spot.parsing import DEPTH_INCREASE, parse_depth
from bitmart_plugin.ws.fanout import Latest, Mailbox

__all__ = ["BookFeed"]

log = logging.getLogger("bitmart_plugin.ws.public")


def _depth(item: dict[str, Any]) -> Depth:
    """parse_depth for spot/depth/increase100 with the common shape checked inline (hot path)."""
    kind, version, bids, asks = item["type"], item["version"], item["bids"], item["asks"]
    if version.__class__ is int and bids.__class__ is list and asks.__class__ is list and (kind == "update" or kind == "snapshot"):
        ts = item.get("ms_t", 0)
        return Depth(item["symbol"], kind == "snapshot", version, ts if ts.__class__ is int else 0, bids, asks)
    return parse_depth(DEPTH_INCREASE, item)


def _nothing() -> bool:
    return False


class BookFeed:
    """One symbol's book: sequence checks, paced resyncs (request -> resubscribe -> reconnect), fan-out of views.

    `request` asks for a snapshot and says whether it was sent; `resubscribe` and `reconnect` are the
    escalations. `tick(now)` drives the timers (answers that do not come, stale books); the owner calls it.
    """

    def __init__(
        self,
        symbol: str,
        pair: TradingPair,
        request: Callable[[], bool | None],
        *,
        resubscribe: Callable[[], Any] = _nothing,
        reconnect: Callable[[], Any] = _nothing,
        resync_timeout: float = 3.0,
        stale_after: float = 15.0,
        spacing: float = 0.5,
        max_requests: int = 3,
        max_buffer: int = 5000,
        heartbeats: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.symbol, self.pair = symbol, pair
        self.book = L2Book()
        self.subscribers: list[tuple[Mailbox[OrderBookView], int]] = []
        self.latest: list[Latest[OrderBookView]] = []  # conflating consumers: marked, view built on read
        self._request, self._resubscribe, self._reconnect = request, resubscribe, reconnect
        self._resync_timeout, self._stale_after, self._spacing = resync_timeout, stale_after, spacing
        self._max_requests, self._max_buffer, self._clock = max_requests, max_buffer, clock
        self._heartbeats = heartbeats
        self._probe_at: float | None = None  # a quiet book's probe is unanswered since then (heartbeats=False)
        self.awaiting = True  # no usable book: buffer updates until a snapshot
        self._buffer: list[Depth] = []
        self._expected = 1  # snapshots asked for and not yet received (the subscription's is the first)
        self._want = False  # a resync is due but paced: tick() sends it
        self._fails = self._escalations = 0  # failed resyncs in a row; escalations since a snapshot connected
        self._next_ask = 0.0
        self._asked_at = self._quiet_since = clock()  # the subscription's snapshot is due from now
        self._unacked_since: float | None = None  # the subscription is unacknowledged since then (tick)
        self._valid_seen = 0
        self.stats = {"applied": 0, "snapshots": 0, "stale": 0, "heartbeats": 0, "gaps": 0, "requests": 0, "bad": 0,
                      "stale_snapshots": 0, "restarts": 0, "resubscribes": 0, "reconnects": 0, "stale_books": 0,
                      "probes": 0}

    # ---- the depth stream ------------------------------------------------------------------------

    def on_item(self, item: dict[str, Any]) -> None:
        """One spot/depth/increase100 data item (as a JSON parser reads it); a well-typed update goes to on_fields."""
        if item["type"] == "update":
            version, bids, asks = item["version"], item["bids"], item["asks"]
            if version.__class__ is int and bids.__class__ is list and asks.__class__ is list:
                ts = item.get("ms_t", 0)
                self.on_fields(False, version, ts if ts.__class__ is int else 0, bids, asks)
                return
        self.on_depth(_depth(item))

    def on_fields(self, snapshot: bool, version: int, timestamp_ms: int, bids: list[Level], asks: list[Level]) -> None:
        """One depth message as its checked fields (also the C decoder's answer: bitmart_plugin/_depthjson.c);
        the common case, the next update of a synced book, is applied here at once."""
        book = self.book
        last = book.sequence
        if snapshot or self.awaiting or last is None or version != last + 1:
            self.on_depth(Depth(self.symbol, snapshot, version, timestamp_ms, bids, asks))
            return
        try:
            book.apply_update(bids, asks, version, timestamp_ms)
        except BookDataError as exc:
            self._rejected(version, exc)
            return
        self.stats["applied"] += 1
        if self.subscribers or self.latest:
            self._emit()

    def on_depth(self, depth: Depth) -> None:
        """Feed one parsed depth message; emits a view after each applied change."""
        try:
            changed = self._snapshot(depth) if depth.snapshot else self._update(depth)
        except BookDataError as exc:
            self._rejected(depth.version, exc)
            return
        if changed and (self.subscribers or self.latest):
            self._emit()

    def _rejected(self, version: int, exc: BookDataError) -> None:
        self.reject(f"rejected depth v{version}: {exc}")

    def reject(self, reason: str) -> None:
        """A depth message of this book that cannot be applied (or not even read): it may have changed the
        book, so the book is dropped and resynced (counted as `bad`)."""
        self.stats["bad"] += 1
        self._resync(reason)

    def _update(self, depth: Depth) -> bool:
        if self.awaiting:
            if depth.bids or depth.asks:
                if len(self._buffer) >= self._max_buffer:
                    del self._buffer[0]
                self._buffer.append(depth)
            return False
        last = self.book.sequence
        result = self.book.apply_update(depth.bids, depth.asks, depth.version, depth.timestamp_ms)
        if result is SeqResult.APPLIED:
            self.stats["applied"] += 1
            return True
        if result is SeqResult.HEARTBEAT:
            self.stats["heartbeats"] += 1
        elif result is SeqResult.STALE:
            self.stats["stale"] += 1
        else:
            self.stats["gaps"] += 1
            self._resync(f"gap: v{depth.version} after v{last}")
            self._buffer.append(depth)
        return False

    def _snapshot(self, depth: Depth) -> bool:
        book = self.book
        solicited = self._expected > 0
        if solicited:
            self._expected -= 1
        probed, self._probe_at = self._probe_at is not None, None
        if not self.awaiting and book.sequence is not None and depth.version <= book.sequence:
            if probed and depth.version == book.sequence:  # a quiet book's probe: the book is current
                self.stats["heartbeats"] += 1
                return False
            if solicited:  # the late answer to a request: the book is already past it
                self.stats["stale_snapshots"] += 1
                return False
            if depth.version < book.sequence:
                self.stats["restarts"] += 1
                log.warning("%s: unsolicited snapshot v%d below the book's v%d (the venue restarted?): replacing the book",
                            self.symbol, depth.version, book.sequence)
        book.apply_snapshot(depth.bids, depth.asks, depth.version, depth.timestamp_ms)
        self.stats["snapshots"] += 1
        pending = [u for u in self._buffer if u.version > depth.version]
        self.awaiting = False
        self._want = False
        self._buffer.clear()
        for update in pending:
            result = book.apply_update(update.bids, update.asks, update.version, update.timestamp_ms)
            if result is SeqResult.GAP or result is SeqResult.UNSYNCED:
                self.stats["gaps"] += 1
                self._fails += 1
                self._resync(f"snapshot v{depth.version} does not reach the buffered v{update.version}")
                self._buffer.append(update)
                return False
            if result is SeqResult.APPLIED:
                self.stats["applied"] += 1
        self._fails = self._escalations = 0  # the resync held
        self._next_ask = 0.0
        return True

    # ---- resyncs ---------------------------------------------------------------------------------

    def reset(self) -> None:
        """After a reconnect: drop the book until the fresh snapshot the new subscription brings."""
        self.book.invalidate()
        self._expected = 1  # answers never cross sockets: only the new subscription's snapshot is due
        self._want = False
        self._probe_at = None
        self.awaiting = True
        self._buffer.clear()
        self._asked_at = self._clock()
        self._unacked_since = None

    def _resync(self, reason: str) -> None:
        """Drop the book and get a snapshot (paced after failures; see the module docstring)."""
        log.warning("%s: resyncing the book (%s)", self.symbol, reason)
        if self._fails:
            self._next_ask = self._asked_at + self._spacing * (2**self._fails - 1)
        self.book.invalidate()
        self.awaiting = True
        self._buffer.clear()
        self._want = True
        self._probe_at = None
        self._drive(self._clock())

    def _drive(self, now: float) -> None:
        if not self._want or now < self._next_ask:
            return
        if self._fails >= self._max_requests:
            self._fails = 0
            self._escalations += 1
            if self._escalations >= 2:
                self._escalations = 0
                self.stats["reconnects"] += 1
                log.warning("%s: %d snapshot requests did not resync the book; reconnecting", self.symbol, self._max_requests)
                self._reconnect()  # the reconnect's own subscription resets this feed
            else:
                self.stats["resubscribes"] += 1
                log.warning("%s: %d snapshot requests did not resync the book; resubscribing", self.symbol, self._max_requests)
                self._resubscribe()
                self._expected += 1
            self._buffer.clear()
            self._want = False
            self._asked_at = now
            return
        if self._request() is False:  # not sent (no socket, or the send budget is spent): tick() retries
            return
        self.stats["requests"] += 1
        self._expected += 1
        self._want = False
        self._asked_at = now

    def tick(self, now: float | None = None, *, connected: bool = True, acked: bool = True) -> None:
        """Timers: a paced request now due, an answer that did not come, a book that went quiet.

        `acked` False: the venue has not yet acknowledged the subscription. Its snapshot comes after the
        ack (the venue answers in order, so a request now would only queue behind it), so the snapshot's
        `resync_timeout` counts from the ack; a subscription unacknowledged for `stale_after` is resynced.
        """
        now = self._clock() if now is None else now
        if not connected:  # nothing can arrive: the reconnect resets the feed
            self._quiet_since = now
            if self.awaiting and not self._want:  # an answer due (the first subscription's too) is due from the connection
                self._asked_at = now
            self._unacked_since = None
            return
        if acked:
            self._unacked_since = None
        elif self.awaiting and not self._want:
            if self._unacked_since is None:
                self._unacked_since = now
            if now - self._unacked_since <= self._stale_after:
                self._asked_at = now
                return
        if self.awaiting:
            if self._want:
                self._drive(now)
            elif now - self._asked_at > self._resync_timeout:
                self._fails += 1
                self._resync(f"no snapshot within {self._resync_timeout:g} s")
            return
        seen = self.stats["applied"] + self.stats["heartbeats"] + self.stats["snapshots"]
        if seen != self._valid_seen:
            self._valid_seen, self._quiet_since = seen, now
            self._probe_at = None
        elif self._probe_at is not None:
            if now - self._probe_at > self._resync_timeout:
                self.stats["stale_books"] += 1
                self._quiet_since = now
                self._resync(f"nothing valid for {self._stale_after:g} s and no answer to a probe")
        elif now - self._quiet_since > self._stale_after:
            if not self._heartbeats:
                self._probe(now)
                return
            self.stats["stale_books"] += 1
            self._quiet_since = now
            self._resync(f"nothing valid for {self._stale_after:g} s")

    def _probe(self, now: float) -> None:
        """Ask a quiet book's venue for a snapshot, keeping the book (see the module docstring)."""
        if self._request() is False:  # not sent: the next tick tries again
            return
        self.stats["probes"] += 1
        self._expected += 1
        self._probe_at = now

    # ---- consumers -------------------------------------------------------------------------------

    def view(self, depth: int) -> OrderBookView | None:
        """The current view, or None while the book is resyncing."""
        if self.awaiting or not self.book.synced:
            return None
        return self.book.view(self.pair, None, depth)

    def _emit(self) -> None:
        for slot in self.latest:
            slot.mark()
        subscribers = self.subscribers
        if len(subscribers) == 1:  # the common case: one consumer
            box, depth = subscribers[0]
            box.put(self.book.view(self.pair, None, depth))
            return
        views: dict[int, OrderBookView] = {}
        book, pair = self.book, self.pair
        for box, depth in self.subscribers:
            view = views.get(depth)
            if view is None:
                view = views[depth] = book.view(pair, None, depth)
            box.put(view)
