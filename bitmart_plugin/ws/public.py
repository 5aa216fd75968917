"""Public spot streams: order books from spot/depth/increase100 (strictly sequenced) and trades."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

from host_spec import ConnectorError, OrderBookView, PublicTrade, TradingPair

from bitmart_plugin.spot.parsing import DEPTH_INCREASE, ParseError, parse_trade, to_symbol, topic
from bitmart_plugin.ws.book_feed import BookFeed
from bitmart_plugin.ws.connection import Payload, RateWindow, WsConnection
from bitmart_plugin.ws.fanout import Latest, Mailbox, drain
from bitmart_plugin.ws.pool import TopicPool

__all__ = ["BookFeed", "PublicStreams"]  # BookFeed lives in book_feed; re-exported for callers

log = logging.getLogger(__name__)
TRADE = "spot/trade"

try:  # orjson decodes a depth frame ~2x faster than json; optional, json is the fallback
    from orjson import loads as _loads

    JSON_LIB = "orjson"
except ImportError:  # pragma: no cover - exercised only without orjson
    JSON_LIB = "json"
    _json_decode = json.JSONDecoder().decode  # skips json.loads' per-call encoding detection

    def _loads(payload: bytes | str) -> Any:
        return _json_decode(payload.decode() if payload.__class__ is bytes else payload)  # type: ignore[union-attr]


class PublicStreams:
    """Order books and trades over a pool of public connections, shared between consumers.

    Resyncs (see bitmart_plugin.ws.book_feed) spend at most `resync_budget` messages per 10 s on a
    connection, half of BitMart's 100, so pings and subscriptions always get through. A watchdog
    ticks every book each `tick` seconds (unanswered requests, books that went quiet for `stale_after` s).
    """

    def __init__(
        self,
        url: str,
        *,
        cap: int = 115,
        resync_timeout: float = 3.0,
        stale_after: float = 15.0,
        resync_spacing: float = 0.5,
        resync_budget: int = 50,
        tick: float = 0.5,
        **conn_options: Any,
    ) -> None:
        self.pool = TopicPool(url, self.on_payload, cap=cap, on_error=self._on_error, on_connected=self._on_connected, name="public", **conn_options)
        self.books: dict[str, BookFeed] = {}
        self.trade_subs: dict[str, list[Mailbox[PublicTrade]]] = {}
        self._feed_options = {"resync_timeout": resync_timeout, "stale_after": stale_after, "spacing": resync_spacing}
        self._resync_budget, self._tick = resync_budget, tick
        self._budgets: dict[WsConnection, RateWindow] = {}
        self._watcher: asyncio.Task[None] | None = None
        self.bad_frames = 0

    # ---- consumers -------------------------------------------------------------------------------

    def order_book(self, pair: TradingPair, depth: int = 20, *, conflate: bool = False) -> AsyncIterator[OrderBookView]:
        """One view per applied change; with `conflate`, a consumer that falls behind gets only the newest
        book (every update is still applied; views are built only when read)."""
        symbol = to_symbol(pair)
        name = topic(DEPTH_INCREASE, symbol)
        feed = self.books.get(symbol)
        if feed is None:
            feed = self.books[symbol] = BookFeed(
                symbol, pair, lambda: self._send_resync(name, "request"), resubscribe=lambda: self._send_resync(name, "resubscribe"),
                reconnect=lambda: self.pool.reconnect(name), **self._feed_options,  # type: ignore[arg-type]
            )
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
                self.pool.remove(name)

        return drain(box, leave)

    def trades(self, pair: TradingPair) -> AsyncIterator[PublicTrade]:
        symbol = to_symbol(pair)
        name = topic(TRADE, symbol)
        subs = self.trade_subs.setdefault(symbol, [])
        if not subs:
            self.pool.add(name)
        box: Mailbox[PublicTrade] = Mailbox()
        subs.append(box)

        def leave() -> None:
            if box in subs:
                subs.remove(box)
            if not subs and self.trade_subs.get(symbol) is subs:
                del self.trade_subs[symbol]
                self.pool.remove(name)

        return drain(box, leave)

    async def close(self) -> None:
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
            self._watcher = None
        for feed in self.books.values():
            for box, _ in feed.subscribers:
                box.close()
            for slot in feed.latest:
                slot.close()
        for subs in self.trade_subs.values():
            for tbox in subs:
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
        prefix = DEPTH_INCREASE + ":"
        while True:
            await asyncio.sleep(self._tick)
            now = time.monotonic()
            for symbol, feed in list(self.books.items()):
                conn = self.pool.connection_for(prefix + symbol)
                try:
                    feed.tick(now, connected=conn is not None and conn.connected.is_set())
                except Exception:  # noqa: BLE001 - one book's failure must not stop the others' timers
                    log.exception("%s: book timer failed", symbol)

    # ---- transport callbacks ---------------------------------------------------------------------

    def on_payload(self, payload: Payload, conn: WsConnection | None = None) -> None:
        """Decode, route by table + symbol, sequence and apply. Bad frames are counted and skipped."""
        try:
            msg = _loads(payload)
            table = msg["table"]
            data = msg["data"]
            if table == DEPTH_INCREASE:
                books = self.books
                for item in data:
                    feed = books.get(item["symbol"])
                    if feed is not None:
                        feed.on_item(item)
            elif table == TRADE:
                for item in data:
                    subs = self.trade_subs.get(item.get("symbol"))
                    if subs:
                        trade = parse_trade(item)
                        for box in subs:
                            box.put(trade)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:  # ParseError is a ValueError
            self.bad_frames += 1
            kind = "unparseable" if not isinstance(exc, ParseError) else "malformed"
            log.warning("skipped a %s public frame (%s: %s)", kind, type(exc).__name__, str(exc)[:200])

    def _on_connected(self, conn: WsConnection, reconnected: bool) -> None:
        if not reconnected:
            return
        prefix = DEPTH_INCREASE + ":"
        for name in conn.topics:
            if name.startswith(prefix):
                feed = self.books.get(name[len(prefix) :])
                if feed is not None:
                    feed.reset()

    def _on_error(self, error: ConnectorError, topics: tuple[str, ...]) -> None:
        hit = False
        for name in topics:
            channel, _, symbol = name.partition(":")
            boxes: list[Mailbox[Any]] = []
            if channel == DEPTH_INCREASE and symbol in self.books:
                boxes = [b for b, _ in self.books[symbol].subscribers] + list(self.books[symbol].latest)
            elif channel == TRADE:
                boxes = list(self.trade_subs.get(symbol, []))
            for box in boxes:
                box.fail(error)
                hit = True
        if not hit:
            log.warning("public stream error not tied to a consumer: %s", error)
