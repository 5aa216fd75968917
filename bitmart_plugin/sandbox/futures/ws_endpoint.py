"""The futures WS read loop shared by the public and private paths (bitmart_futures.md §3.1-3.3).

Text frames only. Keepalive: protocol PING → PONG (answered here, so it counts as activity), text
``ping`` → ``pong``, ``{"action":"ping"}`` → ``{"group":"System","data":"pong"}``. A socket with no frame
in either direction for ``ws_idle_timeout_s`` is closed (our pushes count), and so is one that sent
neither ``subscribe`` nor ``access`` within ``ws_lifeless_s``. Each arg of subscribe/unsubscribe gets
its own ack or error; a duplicate subscribe is acked again and keeps one stream, unsubscribing a
topic never subscribed is acked [DECISION, §3.2: ccxt.pro fails every pending call on any error].
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import math
import time
from typing import Any, Collection

from aiohttp import WSMsgType, web

from ..faults import FaultState
from ..ws_conn import Conn, Topics
from . import ws_proto as P
from .ws_config import FuturesWsConfig

ENGAGING = ("subscribe", "access")  # actions that make a connection alive for the lifeless rule
MAX_ARGS_BYTES = 4096  # DOC-FUT: all args of one message


class FuturesEndpoint:
    """One WS path; subclasses choose the topics they serve and what a subscribe sends first."""

    kind = "futures"

    def __init__(self, config: FuturesWsConfig, faults: FaultState, symbols: Collection[str]) -> None:
        self.config = config
        self.faults = faults
        self.symbols = symbols
        self.topics = Topics()
        self.topic_of: dict[str, P.Topic] = {}  # push group -> its topic, for timers
        self._live: dict[str, int] = {}
        self._pulse: asyncio.Task[None] | None = None

    # -- hooks ------------------------------------------------------------------------------
    def serves(self, topic: P.Topic) -> bool:
        return not topic.private

    def on_subscribe(self, conn: Conn, topic: P.Topic) -> None:
        """What a subscription sends right after its ack (a snapshot, the current candle ...)."""

    def on_request(self, conn: Conn, topic: P.Topic) -> bool:
        """Answer ``request``; False when the channel has no one-shot form."""
        return False

    def on_access(self, conn: Conn, args: list[Any]) -> bool:
        """Log in; False closes the connection."""
        conn.send(P.bad_message("access", "Invalid action [access]"))
        return True

    async def pulse(self) -> None:
        """Timer work while connections exist (cancelled when the last one closes)."""

    # -- connection ---------------------------------------------------------------------------
    async def handle(self, request: web.Request) -> web.StreamResponse:
        """aiohttp handler: upgrade and serve until close."""
        ws = web.WebSocketResponse(autoping=False, compress=False, max_msg_size=self.config.max_message_bytes)
        await ws.prepare(request)
        ip = request.remote or "?"
        if self._live.get(ip, 0) >= self.config.max_connections_per_ip:
            await ws.close(code=1008, message=b"too many connections")
            return ws
        self._live[ip] = self._live.get(ip, 0) + 1
        conn = Conn(ws, self.kind, self.faults)
        self.topics.conns.add(conn)
        if self._pulse is None:
            self._pulse = asyncio.get_running_loop().create_task(self.pulse())
        try:
            await self._serve(conn)
        finally:
            self._live[ip] -= 1
            self.topics.drop(conn)
            self.on_close(conn)
            await conn.close()
            if not self.topics.conns and self._pulse is not None:
                self._pulse.cancel()
                self._pulse = None
        return ws

    def on_close(self, conn: Conn) -> None:
        """Forget per-connection state."""

    async def _serve(self, conn: Conn) -> None:
        ws, cfg = conn.ws, self.config
        start = last_io = time.monotonic()
        lifeless_at = start + cfg.ws_lifeless_s if cfg.ws_lifeless_s > 0 else math.inf
        engaged = False
        sent = conn.sent
        while not ws.closed:
            now = time.monotonic()
            if conn.sent != sent:  # a push went out: the socket is not idle
                sent, last_io = conn.sent, now
            due = min(last_io + cfg.ws_idle_timeout_s, math.inf if engaged else lifeless_at)
            if now >= due:
                return
            try:
                msg = await ws.receive(timeout=min(due - now, 1.0))
            except asyncio.TimeoutError:
                continue
            last_io = time.monotonic()
            if msg.type == WSMsgType.PING:
                with contextlib.suppress(ConnectionError, RuntimeError):
                    await ws.pong(msg.data)
                continue
            if msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR):
                return
            if msg.type == WSMsgType.BINARY:
                conn.send(P.bad_message("", "Invalid message format"))
                continue
            if msg.type != WSMsgType.TEXT:
                continue
            action = self._message(conn, msg.data)
            if action is None:
                await asyncio.sleep(0.05)  # let the refusal go out before closing
                return
            engaged = engaged or action in ENGAGING

    def _message(self, conn: Conn, text: str) -> str | None:
        """Handle one text frame; returns its action ("" if none), None to close the connection."""
        if text.strip() == "ping":
            conn.send("pong")
            return ""
        try:
            req = json.loads(text)
        except (ValueError, RecursionError):
            conn.send(P.bad_message("", "Invalid message format"))
            return ""
        if not isinstance(req, dict):
            conn.send(P.bad_message("", "Invalid message format"))
            return ""
        action = req.get("action")
        action = action if isinstance(action, str) else ""
        args = req.get("args")
        if action == "ping":
            conn.send(P.PONG)
            return action
        if not isinstance(args, list) or not args:
            conn.send(P.bad_message(action, "Invalid args"))
            return action
        if action == "access":
            return action if self.on_access(conn, args) else None
        if not all(isinstance(a, str) for a in args) or sum(len(a) for a in args) > MAX_ARGS_BYTES:
            conn.send(P.bad_message(action, "Invalid args"))
            return action
        for arg in args:
            self._topic_op(conn, action, arg)
        return action

    def _topic_op(self, conn: Conn, action: str, arg: str) -> None:
        if action not in ("subscribe", "unsubscribe", "request"):
            conn.send(P.bad_action(action, arg))
            return
        topic = P.parse_topic(arg, self.symbols, self.config.depth_default_speed)
        if topic is None or not self.serves(topic):
            conn.send(P.not_exist(action, arg))
            return
        if topic.private and conn.account_id is None:
            conn.send(P.need_auth(action, arg))
            return
        if action == "subscribe":
            self.topic_of.setdefault(topic.group, topic)
            self.topics.add(conn, topic.group)
            conn.send(P.ack(action, arg))
            self.on_subscribe(conn, topic)
        elif action == "unsubscribe":
            self.topics.remove(conn, topic.group)
            conn.send(P.ack(action, arg))
        elif not self.on_request(conn, topic):
            conn.send(P.bad_action(action, arg))
