"""Public WebSocket `/api?protocol=1.1` (api §8): ops, acks, errors, keepalive and public channels."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import deque
from typing import Any

from aiohttp import WSMsgType, web

from ..deflate import encode_push
from .depth_feed import TABLE as INC_TABLE
from .depth_feed import DepthFeeds
from ..core.events import PublicTrade
from .formatting import fixed
from ..state import State
from ..ws_conn import Conn, FrameList, Topics

log = logging.getLogger(__name__)

KLINES = {"1m": 1, "5m": 5, "15m": 15, "30m": 30, "1H": 60, "2H": 120, "4H": 240,
          "1D": 1440, "1W": 10080, "1M": 43200}
PUBLIC_CHANNELS = ({"spot/ticker", "spot/trade", "spot/depth5", "spot/depth20", "spot/depth50", INC_TABLE}
                   | {f"spot/kline{k}" for k in KLINES})
MAX_TOPICS_PER_MSG = 20
PER_CHANGE = (INC_TABLE, "spot/trade")  # pushed as things happen, not by periodic()


def error_text(event: str, code: str, message: str) -> str:
    """Error event as BitMart sends it (errorCode is a string)."""
    return json.dumps({"event": event, "errorMessage": message, "errorCode": code}, separators=(",", ":"))


def ack_text(event: str, topic: str) -> str:
    """Per-topic subscribe/unsubscribe ack."""
    return json.dumps({"event": event, "topic": topic}, separators=(",", ":"))


class WsEndpoint:
    """Shared read loop: idle timeout, message-rate limit, text ping, JSON ops dispatch."""

    kind = "public"
    max_topics = 115
    max_connections = 20

    def __init__(self, state: State) -> None:
        self.state = state
        self.topics = Topics()
        self._live: dict[str, int] = {}
        self._attempts: dict[str, deque[float]] = {}

    def _refusal(self, ip: str) -> tuple[str, str] | None:
        """api §4.4: too many connection attempts per minute (94001) or open connections (94002) from one IP."""
        if not self.state.config.ws_connection_limits:
            return None
        now = time.monotonic()
        stamps = self._attempts.setdefault(ip, deque())
        stamps.append(now)
        while stamps and now - stamps[0] > 60:
            stamps.popleft()
        if len(stamps) > self.state.config.ws_max_connects_per_min:
            return "94001", "reconnecting too frequently"
        if self._live.get(ip, 0) >= self.max_connections:
            return "94002", "too many connections per IP"
        return None

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """aiohttp handler: upgrade and serve until close."""
        ws = web.WebSocketResponse(autoping=True, compress=False, max_msg_size=1 << 20)
        await ws.prepare(request)
        ip = request.remote or "?"
        refused = self._refusal(ip)
        if refused is not None:
            await ws.send_str(error_text("", *refused))
            await ws.close()
            return ws
        self._live[ip] = self._live.get(ip, 0) + 1
        try:
            return await self._serve(ws, request.transport)
        finally:
            self._live[ip] -= 1

    async def _serve(self, ws: web.WebSocketResponse, transport: Any = None) -> web.StreamResponse:
        conn = Conn(ws, self.kind, self.state.faults, transport)
        self.topics.conns.add(conn)
        stamps: deque[float] = deque()
        idle = self.state.config.ws_idle_timeout_s
        limit = self.state.config.ws_max_msgs_per_10s
        try:
            while not ws.closed:
                try:
                    msg = await ws.receive(timeout=idle)
                except asyncio.TimeoutError:
                    break
                if msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR):
                    break
                now = time.monotonic()
                stamps.append(now)
                while stamps and now - stamps[0] > 10:
                    stamps.popleft()
                if len(stamps) > limit:
                    conn.send(error_text("", "90007", "message frequency exceeds limit"))
                    await asyncio.sleep(0.05)
                    break
                if msg.type == WSMsgType.BINARY:
                    conn.send(error_text("", "90001", "Invalid message format"))
                    continue
                if msg.type != WSMsgType.TEXT:
                    continue
                text = msg.data
                if text.strip() == "ping":
                    conn.send("pong")
                    continue
                if not await self._message(conn, text):
                    await asyncio.sleep(0.05)
                    break
        finally:
            self.topics.drop(conn)
            await conn.close()
        return ws

    async def _message(self, conn: Conn, text: str) -> bool:
        """Handle one JSON request; False means close the connection."""
        try:
            req = json.loads(text)
        except (ValueError, RecursionError):
            conn.send(error_text("", "90001", "Invalid message format"))
            return True
        if not isinstance(req, dict):
            conn.send(error_text("", "90001", "Invalid message format"))
            return True
        op = req.get("op")
        args = req.get("args")
        if not isinstance(op, str) or op not in self.ops():
            conn.send(error_text(str(op or ""), "90002", "Invalid op param"))
            return True
        if op == "login":
            return self.login(conn, args)
        if not isinstance(args, list) or not args or not all(isinstance(a, str) for a in args):
            conn.send(error_text(op, "90003", "Invalid args param"))
            return True
        if len(args) > MAX_TOPICS_PER_MSG:
            conn.send(error_text(op, "90005", "topics per subscription exceeds limit"))
            return True
        for topic in args:
            self.topic_op(conn, op, topic)
        return True

    def ops(self) -> tuple[str, ...]:
        return ("subscribe", "unsubscribe", "request")

    def login(self, conn: Conn, args: Any) -> bool:
        conn.send(error_text("login", "90002", "Invalid op param"))
        return True

    def topic_op(self, conn: Conn, op: str, topic: str) -> None:
        channel, _, arg = topic.partition(":")
        err = self.check_topic(conn, channel, arg)
        if err is not None:
            conn.send(error_text(op, err[0], err[1]))
            return
        if op == "subscribe":
            if topic not in conn.topics:
                if len(conn.topics) >= self.max_topics:
                    conn.send(error_text(op, "90006", "total topics exceeds limit"))
                    return
                self.topics.add(conn, topic)
            conn.send(ack_text("subscribe", topic))
            self.on_subscribe(conn, channel, arg)
        elif op == "unsubscribe":
            self.topics.remove(conn, topic)
            conn.send(ack_text("unsubscribe", topic))
        else:
            self.on_request(conn, channel, arg, topic)

    def check_topic(self, conn: Conn, channel: str, arg: str) -> tuple[str, str] | None:
        raise NotImplementedError

    def on_subscribe(self, conn: Conn, channel: str, arg: str) -> None:
        raise NotImplementedError

    def on_request(self, conn: Conn, channel: str, arg: str, topic: str) -> None:
        conn.send(error_text("request", "90004", "Invalid channel param"))


class PublicWs(WsEndpoint):
    """Public channels: ticker, kline*, depth5/20/50, depth/increase100, trade."""

    def __init__(self, state: State, firehose_frames: list[bytes] | None = None) -> None:
        super().__init__(state)
        self.depth = DepthFeeds(state, self.topics.get)
        self.firehose = firehose_frames
        # symbols whose trades changed since the last period (ticker and kline pushes; the books'
        # are the depth feeds' `touched`)
        self._dirty_trades: set[str] = set()
        self._trades: dict[str, list[PublicTrade]] = {}
        self._trade_flush: asyncio.Handle | None = None

    # ---- events from the core -----------------------------------------------------------------
    # the two core events this endpoint takes, one listener each: LevelChanged goes straight to
    # `self.depth.on_level` (the most frequent event: no call in between), which also notes the symbols
    # whose books changed; a trade also marks the klines dirty

    def on_trade(self, ev: PublicTrade) -> None:
        """Listener for PublicTrade (every candle changes with each trade: the klines become dirty too)."""
        rows = self._trades.get(ev.symbol)
        if rows is None:
            self._trades[ev.symbol] = [ev]
        else:
            rows.append(ev)
        self._dirty_trades.add(ev.symbol)
        if self._trade_flush is None:
            self._trade_flush = asyncio.get_running_loop().call_soon(self._flush_trades)

    def _flush_trades(self) -> None:
        self._trade_flush = None
        trades, self._trades = self._trades, {}
        for sym, rows in trades.items():
            subs = list(self.topics.get(f"spot/trade:{sym}"))
            if subs:
                f = self.state.fmt(sym)
                frame = encode_push({"table": "spot/trade", "data": [
                    {"symbol": sym, "price": f.level_price(t.price), "side": t.taker_side, "size": f.size(t.size),
                     "s_t": t.time_ms // 1000, "ms_t": t.time_ms} for t in rows]})
                for c in subs:
                    c.send(frame)

    def periodic(self) -> None:
        """Push ticker / depthN / kline for symbols that changed since the last period."""
        books, self.depth.touched = self.depth.touched, set()
        traded, self._dirty_trades = self._dirty_trades, set()
        # only symbols someone follows on these channels (1,000 busy pairs, few such subscriptions)
        watched = {t.partition(":")[2] for t in self.topics.subs if not t.startswith(PER_CHANGE)}
        books &= watched
        traded &= watched
        for sym in books:
            for n in (5, 20, 50):
                self._push(f"spot/depth{n}", sym, lambda n=n, s=sym: self._depth_all(n, s))
        for sym in books | traded:
            self._push("spot/ticker", sym, lambda s=sym: self._ticker(s))
        for sym in traded:
            for name, minutes in KLINES.items():
                self._push(f"spot/kline{name}", sym, lambda m=minutes, s=sym, nm=name: self._kline(nm, m, s))

    def _push(self, table: str, sym: str, build: Any) -> None:
        subs = list(self.topics.get(f"{table}:{sym}"))
        if not subs:
            return
        payload = build()
        if payload is None:
            return
        frame = encode_push(payload)
        for c in subs:
            c.send(frame)

    # ---- payload builders -----------------------------------------------------------------------
    def _ticker(self, sym: str) -> dict[str, Any]:
        t = self.state.exchange.ticker(sym)
        f = self.state.fmt(sym)
        return {"table": "spot/ticker", "data": [{
            "symbol": sym, "last_price": f.price(t.last), "open_24h": f.price(t.open_24h),
            "high_24h": f.price(t.high_24h), "low_24h": f.price(t.low_24h),
            "base_volume_24h": f.size(t.v_24h), "quote_volume_24h": fixed(t.qv_24h, 8),
            "fluctuation": fixed(t.fluctuation, 4), "bid_px": f.price(t.bid_px), "bid_sz": f.size(t.bid_sz),
            "ask_px": f.price(t.ask_px), "ask_sz": f.size(t.ask_sz), "s_t": t.ts_ms // 1000,
            "ms_t": t.ts_ms}]}

    def _depth_all(self, n: int, sym: str) -> dict[str, Any]:
        bids, asks = self.state.exchange.depth(sym, n)
        f = self.state.fmt(sym)
        return {"table": f"spot/depth{n}", "data": [{
            "symbol": sym, "asks": [f.level(p, s) for p, s in asks],
            "bids": [f.level(p, s) for p, s in bids], "ms_t": self.state.now_ms()}]}

    def _kline(self, name: str, minutes: int, sym: str) -> dict[str, Any] | None:
        rows = self.state.exchange.candles(sym, minutes, limit=1)
        if not rows:
            return None
        c = rows[0]
        f = self.state.fmt(sym)
        return {"table": f"spot/kline{name}", "data": [{"symbol": sym, "candle": [
            c.open_time_s, f.price(c.open), f.price(c.high), f.price(c.low), f.price(c.close),
            f.size(c.volume)]}]}

    # ---- topic handling -----------------------------------------------------------------------
    def check_topic(self, conn: Conn, channel: str, arg: str) -> tuple[str, str] | None:
        if channel not in PUBLIC_CHANNELS:
            return ("90004", "Invalid channel param")
        if arg not in self.state.exchange.rules:
            return ("92001", "Invalid symbol param")
        return None

    def on_subscribe(self, conn: Conn, channel: str, sym: str) -> None:
        if channel == INC_TABLE:
            if self.firehose is not None and sym == "BTC_USDT":
                self.topics.remove(conn, f"{channel}:{sym}")   # the live feed stays out of the way
                conn.topics.add(f"{channel}:{sym}")
                conn.send(FrameList(self.firehose))
                return
            conn.send(self.depth.snapshot(sym))
        elif channel == "spot/ticker":
            conn.send(encode_push(self._ticker(sym)))
        elif channel.startswith("spot/depth"):
            conn.send(encode_push(self._depth_all(int(channel[len("spot/depth"):]), sym)))
        elif channel.startswith("spot/kline"):
            name = channel[len("spot/kline"):]
            payload = self._kline(name, KLINES[name], sym)
            if payload is not None:
                conn.send(encode_push(payload))

    def on_request(self, conn: Conn, channel: str, arg: str, topic: str) -> None:
        if channel != INC_TABLE:
            conn.send(error_text("request", "90004", "Invalid channel param"))
            return
        conn.send(self.depth.snapshot(arg))
