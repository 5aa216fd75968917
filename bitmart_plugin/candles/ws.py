"""Kline pushes of one market (`KlineMarket`: spot `spot/kline<iv>:<SYM>`, futures `futures/klineBin<iv>:<SYM>`)
over one dedicated public WebSocket connection.

The transport is the ws helper's `WsConnection` (text ping, raw-deflate inflate of binary frames, text
frames as they come, reconnect and resubscribe), in the market's subscribe dialect. Each `subscribe` gets
its own mailbox of parsed candles; after a reconnect every mailbox receives `RECONNECTED` so its feed can
repair the gap through REST.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from host_spec import Candle, ConnectorError, StreamError, TradingPair

from bitmart_plugin.candles.intervals import Interval
from bitmart_plugin.candles.market import KlineMarket
from bitmart_plugin.candles.spot_klines import SPOT

__all__ = ["RECONNECTED", "KlineStreams", "KlineSubscription", "kline_topic"]

log = logging.getLogger(__name__)
RECONNECTED = "reconnected"
Item = Candle | str
ConnectionFactory = Callable[..., Any]


def kline_topic(symbol: str, interval: Interval, market: KlineMarket = SPOT) -> str:
    topic = market.topic(symbol, interval)
    if topic is None:
        raise ValueError(f"{market.title} has no kline channel for {interval.name}")
    return topic


class KlineSubscription:
    """One consumer's buffered pushes: `await get(timeout)` -> Candle, RECONNECTED, or None on timeout."""

    def __init__(self, topic: str, interval: Interval, on_close: Callable[[KlineSubscription], None], *,
                 pair: TradingPair | None = None, scale: Decimal = Decimal(1)) -> None:
        self.topic = topic
        self.interval = interval
        self.pair, self.scale = pair, scale
        self._queue: asyncio.Queue[Item | BaseException] = asyncio.Queue()
        self._on_close = on_close
        self.connected = asyncio.Event()

    def put(self, item: Item | BaseException) -> None:
        self._queue.put_nowait(item)

    async def get(self, timeout: float | None) -> Item | None:
        try:
            if timeout is not None and timeout <= 0:
                item = self._queue.get_nowait()
            else:
                async with asyncio.timeout(timeout):
                    item = await self._queue.get()
        except (TimeoutError, asyncio.QueueEmpty):
            return None
        if isinstance(item, BaseException):
            raise item
        return item

    def close(self) -> None:
        self._on_close(self)


class KlineStreams:
    """Routes kline pushes by table and symbol to subscriptions; opens its connection on first use."""

    def __init__(self, url: str, *, market: KlineMarket = SPOT, connection_factory: ConnectionFactory | None = None,
                 **conn_options: Any) -> None:
        self.url = url
        self.market = market
        self._factory = connection_factory
        self._options = {**market.ws_options, **conn_options}
        self._conn: Any = None
        self._subs: dict[str, list[KlineSubscription]] = {}
        self._closing: set[asyncio.Task[None]] = set()
        self.bad_frames = 0

    def subscribe(self, symbol: str, interval: Interval, *, pair: TradingPair | None = None,
                  scale: Decimal = Decimal(1)) -> KlineSubscription:
        """Pushes of `symbol`'s `interval` klines; `scale` multiplies their volumes (a contract size)."""
        topic = kline_topic(symbol, interval, self.market)
        sub = KlineSubscription(topic, interval, self._leave, pair=pair, scale=scale)
        subs = self._subs.setdefault(topic, [])
        subs.append(sub)
        conn = self._connection()
        if len(subs) == 1:
            conn.subscribe([topic])
        if getattr(conn, "connected", None) is not None and conn.connected.is_set():
            sub.connected.set()
        return sub

    def _connection(self) -> Any:
        if self._conn is None:
            factory = self._factory
            if factory is None:
                from bitmart_plugin.ws.connection import WsConnection

                factory = WsConnection
            self._conn = factory(self.url, self.on_payload, on_error=self.on_error, on_connected=self.on_connected,
                                 name="klines", **self._options)
            self._conn.start()
        return self._conn

    def _leave(self, sub: KlineSubscription) -> None:
        subs = self._subs.get(sub.topic, [])
        if sub in subs:
            subs.remove(sub)
        if not subs and sub.topic in self._subs:
            del self._subs[sub.topic]
            if self._conn is not None:
                self._conn.unsubscribe([sub.topic])
        if not self._subs and self._conn is not None:  # the last consumer left: close the socket
            conn, self._conn = self._conn, None
            try:
                task = asyncio.get_running_loop().create_task(conn.close())
            except RuntimeError:
                return
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        self._subs.clear()
        if conn is not None:
            await conn.close()
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)

    # ---- transport callbacks ------------------------------------------------------------------

    def on_payload(self, payload: bytes | str, conn: Any = None) -> None:
        """Decode one frame and hand each candle to the subscriptions of its topic."""
        try:
            msg = json.loads(payload)
            refused = self.market.refusal(msg)
            if refused is not None:
                topic, reason = refused
                self.on_error(StreamError(f"{self.market.title} refused {topic}: {reason}",
                                          connector=self.market.connector), (topic,))
                return
            for topic, item in self.market.pushes(msg):
                subs = self._subs.get(topic)
                if not subs:
                    continue
                first = subs[0]
                candle = self.market.parse_push(item, first.pair, first.interval, first.scale)
                candle = dataclasses.replace(candle, interval=first.interval.name,
                                             open_time_s=first.interval.floor(candle.open_time_s))
                for sub in subs:
                    sub.put(candle)
        except (ValueError, KeyError, TypeError, AttributeError, ConnectorError) as exc:
            self.bad_frames += 1
            log.warning("skipped an unreadable kline frame (%s: %s)", type(exc).__name__, str(exc)[:200])

    def on_connected(self, conn: Any, reconnected: bool) -> None:
        for subs in self._subs.values():
            for sub in subs:
                sub.connected.set()
                if reconnected:
                    sub.put(RECONNECTED)

    def on_error(self, error: ConnectorError, topics: tuple[str, ...]) -> None:
        hit = False
        for topic in topics:
            for sub in self._subs.get(topic, []):
                sub.put(error)
                hit = True
        if not hit:
            log.warning("kline stream error: %s", error)
