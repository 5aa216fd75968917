"""Public spot streams: order books from spot/depth/increase100 (strictly sequenced) and trades."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from host_spec import BookDataError, ConnectorError, L2Book, OrderBookView, PublicTrade, SeqResult, TradingPair

from bitmart_plugin.parsing import DEPTH_INCREASE, Depth, ParseError, parse_depth, parse_trade, to_symbol, topic
from bitmart_plugin.ws.connection import Payload, WsConnection
from bitmart_plugin.ws.fanout import Latest, Mailbox, drain
from bitmart_plugin.ws.pool import TopicPool

__all__ = ["BookFeed", "PublicStreams"]

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


def _depth(item: dict[str, Any]) -> Depth:
    """parse_depth for spot/depth/increase100 with the common shape checked inline (hot path)."""
    kind, version, bids, asks = item["type"], item["version"], item["bids"], item["asks"]
    if version.__class__ is int and bids.__class__ is list and asks.__class__ is list and (kind == "update" or kind == "snapshot"):
        ts = item.get("ms_t", 0)
        return Depth(item["symbol"], kind == "snapshot", version, ts if ts.__class__ is int else 0, bids, asks)
    return parse_depth(DEPTH_INCREASE, item)


class BookFeed:
    """One symbol's book: sequence checks, gap -> `request` -> rebuild, fan-out of views."""

    def __init__(self, symbol: str, pair: TradingPair, request: Callable[[], None], *, resync_timeout: float = 3.0, max_buffer: int = 5000) -> None:
        self.symbol, self.pair = symbol, pair
        self.book = L2Book()
        self.subscribers: list[tuple[Mailbox[OrderBookView], int]] = []
        self.latest: list[Latest[OrderBookView]] = []  # conflating consumers: marked, view built on read
        self._request = request
        self._resync_timeout, self._max_buffer = resync_timeout, max_buffer
        self.awaiting = True  # no usable book: buffer updates until a snapshot
        self._awaiting_since = time.monotonic()
        self._requested = False
        self._buffer: list[Depth] = []
        self.stats = {"applied": 0, "snapshots": 0, "stale": 0, "heartbeats": 0, "gaps": 0, "requests": 0, "bad": 0}

    def reset(self) -> None:
        """After a reconnect: drop the book until the fresh snapshot the new subscription brings."""
        self.book.invalidate()
        self._await(request=False)

    def _await(self, *, request: bool) -> None:
        self.awaiting = True
        self._awaiting_since = time.monotonic()
        self._buffer.clear()
        self._requested = False
        if request:
            self._ask()

    def _ask(self) -> None:
        self._requested = True
        self._awaiting_since = time.monotonic()
        self.stats["requests"] += 1
        self._request()

    def on_item(self, item: dict[str, Any]) -> None:
        """One spot/depth/increase100 data item; the common in-sequence update takes a short path."""
        if not self.awaiting and item["type"] == "update":
            version, bids, asks = item["version"], item["bids"], item["asks"]
            book = self.book
            last = book.sequence
            if version.__class__ is int and last is not None and version == last + 1 and bids.__class__ is list and asks.__class__ is list:
                ts = item.get("ms_t", 0)
                try:
                    book.apply_update(bids, asks, version, ts if ts.__class__ is int else 0)
                except BookDataError as exc:
                    self.stats["bad"] += 1
                    log.warning("%s: unreadable depth levels (%s); resyncing", self.symbol, exc)
                    self._await(request=True)
                    return
                self.stats["applied"] += 1
                if self.subscribers or self.latest:
                    self._emit()
                return
        self.on_depth(_depth(item))

    def on_depth(self, depth: Depth) -> None:
        """Feed one parsed depth message; emits a view after each applied change."""
        try:
            changed = self._snapshot(depth) if depth.snapshot else self._update(depth)
        except BookDataError as exc:
            self.stats["bad"] += 1
            log.warning("%s: unreadable depth levels (%s); resyncing", self.symbol, exc)
            self._await(request=True)
            return
        if changed and (self.subscribers or self.latest):
            self._emit()

    def _update(self, depth: Depth) -> bool:
        if self.awaiting:
            if depth.bids or depth.asks:
                if len(self._buffer) >= self._max_buffer:
                    del self._buffer[0]
                self._buffer.append(depth)
            if time.monotonic() - self._awaiting_since > self._resync_timeout:
                self._ask()
            return False
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
            self._await(request=True)
            self._buffer.append(depth)
        return False

    def _snapshot(self, depth: Depth) -> bool:
        book = self.book
        if not self.awaiting and book.sequence is not None and depth.version <= book.sequence:
            return False  # an older (e.g. late requested) snapshot: the book is already past it
        book.apply_snapshot(depth.bids, depth.asks, depth.version, depth.timestamp_ms)
        self.stats["snapshots"] += 1
        pending = [u for u in self._buffer if u.version > depth.version]
        self.awaiting = False
        self._buffer.clear()
        for update in pending:
            result = book.apply_update(update.bids, update.asks, update.version, update.timestamp_ms)
            if result is SeqResult.GAP or result is SeqResult.UNSYNCED:
                self.stats["gaps"] += 1
                self._await(request=True)
                self._buffer.append(update)
                return False
            if result is SeqResult.APPLIED:
                self.stats["applied"] += 1
        return True

    def view(self, depth: int) -> OrderBookView | None:
        """The current view, or None while the book is resyncing."""
        if self.awaiting or not self.book.synced:
            return None
        return self.book.view(self.pair, None, depth)

    def _emit(self) -> None:
        for slot in self.latest:
            slot.mark()
        views: dict[int, OrderBookView] = {}
        book, pair = self.book, self.pair
        for box, depth in self.subscribers:
            view = views.get(depth)
            if view is None:
                view = views[depth] = book.view(pair, None, depth)
            box.put(view)


class PublicStreams:
    """Order books and trades over a pool of public connections, shared between consumers."""

    def __init__(self, url: str, *, cap: int = 115, resync_timeout: float = 3.0, **conn_options: Any) -> None:
        self.pool = TopicPool(url, self.on_payload, cap=cap, on_error=self._on_error, on_connected=self._on_connected, name="public", **conn_options)
        self.books: dict[str, BookFeed] = {}
        self.trade_subs: dict[str, list[Mailbox[PublicTrade]]] = {}
        self._resync_timeout = resync_timeout
        self.bad_frames = 0

    # ---- consumers -------------------------------------------------------------------------------

    def order_book(self, pair: TradingPair, depth: int = 20, *, conflate: bool = False) -> AsyncIterator[OrderBookView]:
        """One view per applied change; with `conflate`, a consumer that falls behind gets only the newest
        book (every update is still applied; views are built only when read)."""
        symbol = to_symbol(pair)
        name = topic(DEPTH_INCREASE, symbol)
        feed = self.books.get(symbol)
        if feed is None:
            feed = self.books[symbol] = BookFeed(symbol, pair, lambda: self.pool.request(name), resync_timeout=self._resync_timeout)
            self.pool.add(name)
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
        for feed in self.books.values():
            for box, _ in feed.subscribers:
                box.close()
            for slot in feed.latest:
                slot.close()
        for subs in self.trade_subs.values():
            for tbox in subs:
                tbox.close()
        await self.pool.close()

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
