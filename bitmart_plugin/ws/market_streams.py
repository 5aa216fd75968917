"""Public market streams shared by spot and futures: versioned books and per-topic consumers over a pool.

`MarketStreams` owns what does not depend on the venue: one `BookFeed` per symbol with its resyncs
(paced, within a per-connection message budget) and its watchdog, a book reset after each reconnect,
consumers of other topics (trades, tickers, funding) with reference-counted subscriptions, and
refusals failing exactly the consumers of the refused topic. A venue subclass names the topics
(`_symbol`, `_book_topic`) and routes decoded pushes (`on_payload`), feeding books through
`BookFeed.on_depth` / `on_item` and other consumers through `publish`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Sequence
from typing import Any

from host_spec import ConnectorError, OrderBookView, TradingPair, cancel_and_wait

from bitmart_plugin.ws.book_feed import BookFeed
from bitmart_plugin.ws.connection import Payload, RateWindow, WsConnection
from bitmart_plugin.ws.fanout import Latest, Mailbox, drain
from bitmart_plugin.ws.pool import TopicPool

__all__ = ["BOOK_OPTIONS", "MarketStreams", "pop_book_options"]

log = logging.getLogger("bitmart_plugin.ws.public")
BOOK_OPTIONS = ("resync_timeout", "stale_after", "resync_spacing", "resync_budget", "tick")


def pop_book_options(options: dict[str, Any]) -> dict[str, Any]:
    """Take the book options (BOOK_OPTIONS) out of `options`, leaving the connection options."""
    return {k: options.pop(k) for k in BOOK_OPTIONS if k in options}


class MarketStreams:
    """Order books and topic consumers over a pool of public connections, shared between consumers.

    Resyncs (see bitmart_plugin.ws.book_feed) spend at most `resync_budget` messages per 10 s on a
    connection, half of BitMart's 100, so pings and subscriptions always get through. A watchdog
    ticks every book each `tick` seconds (unanswered requests, books that went quiet for `stale_after` s).
    """

    def __init__(
        self,
        url: str,
        *,
        cap: int,
        resync_timeout: float = 3.0,
        stale_after: float = 15.0,
        resync_spacing: float = 0.5,
        resync_budget: int = 50,
        tick: float = 0.5,
        heartbeats: bool = True,
        name: str = "public",
        **conn_options: Any,
    ) -> None:
        self.pool = TopicPool(url, self.on_payload, cap=cap, on_error=self._on_error, on_connected=self._on_connected,
                              name=name, **conn_options)
        self.books: dict[str, BookFeed] = {}  # symbol -> its book
        self.book_topics: dict[str, str] = {}  # depth topic -> symbol
        self.subs: dict[str, list[Mailbox[Any]]] = {}  # consumer key -> mailboxes
        self._key_topics: dict[str, tuple[str, ...]] = {}  # consumer key -> the topics it needs
        self._refs: dict[str, int] = {}  # topic -> consumer keys holding it
        self._feed_options = {"resync_timeout": resync_timeout, "stale_after": stale_after, "spacing": resync_spacing,
                              "heartbeats": heartbeats}
        self._resync_budget, self._tick = resync_budget, tick
        self._budgets: dict[WsConnection, RateWindow] = {}
        self._watcher: asyncio.Task[None] | None = None
        self.bad_frames = 0

    # ---- venue hooks -----------------------------------------------------------------------------

    def _symbol(self, pair: TradingPair) -> str:
        raise NotImplementedError

    def _book_topic(self, symbol: str) -> str:
        raise NotImplementedError

    def on_payload(self, payload: Payload, conn: WsConnection | None = None) -> None:
        raise NotImplementedError

    # ---- consumers -------------------------------------------------------------------------------

    def order_book(self, pair: TradingPair, depth: int = 20, *, conflate: bool = False) -> AsyncIterator[OrderBookView]:
        """One view per applied change; with `conflate`, a consumer that falls behind gets only the newest
        book (every update is still applied; views are built only when read)."""
        symbol = self._symbol(pair)
        name = self._book_topic(symbol)
        feed = self.books.get(symbol)
        if feed is None:
            feed = self.books[symbol] = BookFeed(
                symbol, pair, lambda: self._send_resync(name, "request"), resubscribe=lambda: self._send_resync(name, "resubscribe"),
                reconnect=lambda: self.pool.reconnect(name), **self._feed_options,  # type: ignore[arg-type]
            )
            self.book_topics[name] = symbol
            self.pool.add(name)
            self._watch()
        box: Mailbox[OrderBookView] | Latest[OrderBookView]
        if conflate:
            slot: Latest[OrderBookView] = Latest(lambda: feed.view(depth))
            feed.latest.append(slot)
            box = slot
            if feed.view(depth) is not None:
                slot.mark()
        else:
            mbox: Mailbox[OrderBookView] = Mailbox()
            feed.subscribers.append((mbox, depth))
            box = mbox
            if not feed.awaiting and feed.book.synced:
                mbox.put(feed.book.view(pair, None, depth))

        def leave() -> None:
            if conflate:
                if box in feed.latest:
                    feed.latest.remove(box)  # type: ignore[arg-type]
            elif (box, depth) in feed.subscribers:
                feed.subscribers.remove((box, depth))  # type: ignore[arg-type]
            if not feed.subscribers and not feed.latest and self.books.get(symbol) is feed:
                del self.books[symbol]
                del self.book_topics[name]
                self.pool.remove(name)

        return drain(box, leave)

    def listen(self, key: str, topics: Sequence[str], first: Any = None) -> AsyncIterator[Any]:
        """A consumer of what `publish(key, ...)` sends; `topics` stay subscribed while any consumer needs them.
        `first` (if not None) is handed to the new consumer at once (e.g. the latest ticker)."""
        box: Mailbox[Any] = Mailbox()
        self.subs.setdefault(key, []).append(box)
        self._key_topics[key] = tuple(topics)
        for name in topics:
            self._refs[name] = self._refs.get(name, 0) + 1
            if self._refs[name] == 1:
                self.pool.add(name)
        if first is not None:
            box.put(first)

        def leave() -> None:
            boxes = self.subs.get(key, [])
            if box not in boxes:
                return
            boxes.remove(box)
            if not boxes:
                del self.subs[key]
                del self._key_topics[key]
            for name in topics:
                self._refs[name] -= 1
                if not self._refs[name]:
                    del self._refs[name]
                    self.pool.remove(name)

        return drain(box, leave)

    def publish(self, key: str, item: Any) -> None:
        for box in self.subs.get(key, ()):
            box.put(item)

    async def close(self) -> None:
        watcher, self._watcher = self._watcher, None
        await cancel_and_wait([watcher])
        for feed in self.books.values():
            for box, _ in feed.subscribers:
                box.close()
            for slot in feed.latest:
                slot.close()
        for boxes in self.subs.values():
            for tbox in boxes:
                tbox.close()
        await self.pool.close()

    # ---- resyncs ---------------------------------------------------------------------------------

    def _send_resync(self, name: str, op: str) -> bool:
        """A snapshot request (1 message) or a resubscription (2) for `name`, if its socket is up and the budget allows."""
        conn = self.pool.connection_for(name)
        if conn is None or not conn.connected.is_set():
            return False
        budget = self._budgets.get(conn)
        if budget is None:
            for gone in [c for c in self._budgets if c not in self.pool.connections]:
                del self._budgets[gone]
            budget = self._budgets[conn] = RateWindow(self._resync_budget, 10.0)
        if not budget.take(1 if op == "request" else 2):
            return False
        if op == "request":
            conn.request(name)
        else:
            conn.resubscribe(name)
        return True

    def _watch(self) -> None:
        if self._watcher is None:
            try:
                self._watcher = asyncio.get_running_loop().create_task(self._watchdog(), name="bitmart-books")
            except RuntimeError:  # no loop (a synchronous caller): the books run without timers
                pass

    async def _watchdog(self) -> None:
        while True:
            await asyncio.sleep(self._tick)
            now = time.monotonic()
            for name, symbol in list(self.book_topics.items()):
                feed = self.books.get(symbol)
                if feed is None:
                    continue
                conn = self.pool.connection_for(name)
                try:
                    up = conn is not None and conn.connected.is_set()
                    feed.tick(now, connected=up, acked=conn is None or conn.acknowledged(name))
                except Exception:  # noqa: BLE001 - one book's failure must not stop the others' timers
                    log.exception("%s: book timer failed", symbol)

    # ---- transport callbacks ---------------------------------------------------------------------

    def _on_connected(self, conn: WsConnection, reconnected: bool) -> None:
        if not reconnected:
            return
        for name in conn.topics:
            symbol = self.book_topics.get(name)
            feed = self.books.get(symbol) if symbol is not None else None
            if feed is not None:
                feed.reset()

    def _on_error(self, error: ConnectorError, topics: tuple[str, ...]) -> None:
        hit = False
        for name in topics:
            boxes: list[Mailbox[Any] | Latest[Any]] = []
            symbol = self.book_topics.get(name)
            if symbol is not None and symbol in self.books:
                feed = self.books[symbol]
                boxes = [b for b, _ in feed.subscribers] + list(feed.latest)
            for key, needs in self._key_topics.items():
                if name in needs:
                    boxes.extend(self.subs.get(key, ()))
            for box in boxes:
                box.fail(error)
                hit = True
        if not hit:
            log.warning("public stream error not tied to a consumer: %s", error)
