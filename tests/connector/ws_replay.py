"""A loopback WebSocket server for the stream tests: replays JSONL recordings and can be driven by hand.

Recording lines (cassettes/ws/{transport}_{market}_{channel}_{scenario}.jsonl):
  {"dir": "send", "frame": "text", "data": {...}}    the client is expected to send this (op and args checked;
                                                      login args are not compared: they hold a timestamp and a signature)
  {"dir": "recv", "frame": "binary"|"text", "data": {...} | "pong"}   the server sends this (binary = raw-deflate of the JSON)
  {"dir": "close"}                                    the server closes the socket
Both BitMart dialects: spot requests say `op` (login `login`), futures requests `action` (login `access`).
The server always answers a keepalive ping (spot text `ping` -> `pong`, futures `{"action":"ping"}` ->
`{"group":"System","data":"pong"}`) and records every client frame per connection.
A client frame that does not match the script, or any exception in the server's handler (other than the
client going away), fails the test: leaving the `async with` block raises it.
"""

from __future__ import annotations

import asyncio
import json
import zlib
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

CASSETTES = Path(__file__).resolve().parents[2] / "cassettes" / "ws"


def load_cassette(name: str) -> list[dict[str, Any]]:
    lines = (CASSETTES / name).read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def deflate(obj: Any) -> bytes:
    raw = obj if isinstance(obj, bytes) else json.dumps(obj, separators=(",", ":")).encode()
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return c.compress(raw) + c.flush()


class ScriptMismatch(AssertionError):
    pass


LOGINS = frozenset({"login", "access"})  # spot, futures: args hold a timestamp and a signature
FUTURES_PING = '{"action":"ping"}'
PONGS = {"ping": "pong", FUTURES_PING: '{"group":"System","data":"pong"}'}


def request_of(msg: dict[str, Any]) -> tuple[str, Any]:
    """(request name, args) of a client frame in either dialect: `op` on spot, `action` on futures."""
    return str(msg.get("op", msg.get("action"))), msg.get("args")


def ack(request: str, topic: str, futures: bool) -> dict[str, Any]:
    """The venue's answer to a (un)subscribe of `topic` in the client's dialect."""
    if futures:
        return {"action": request, "group": topic, "success": True, "request": {"action": request, "args": [topic]}}
    return {"event": request, "topic": topic}


Handler = Callable[["LoopbackServer", int, ServerConnection, str], Awaitable[None]]


class LoopbackServer:
    """Serves on 127.0.0.1 (ephemeral port). `scripts[i]` is replayed on the i-th connection (the last one repeats)."""

    def __init__(self, scripts: list[list[dict[str, Any]]] | None = None, *, on_message: Handler | None = None, auto_ack: bool = False, auto_pong: bool = True) -> None:
        self.scripts = scripts or []
        self.on_message = on_message
        self.auto_ack = auto_ack
        self.auto_pong = auto_pong
        self.received: list[list[str]] = []
        self.conns: list[ServerConnection] = []
        self.errors: list[BaseException] = []
        self.url = ""
        self._server: Any = None
        self.pongs = 0

    async def __aenter__(self) -> LoopbackServer:
        self._server = await serve(self._handle, "127.0.0.1", 0, ping_interval=None, compression=None)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"ws://127.0.0.1:{port}/api?protocol=1.1"
        return self

    async def __aexit__(self, exc_type: object, *exc: object) -> None:
        self._server.close()
        await self._server.wait_closed()
        if self.errors and exc_type is None:
            raise self.errors[0]

    async def push(self, index: int, obj: Any, *, binary: bool = True) -> None:
        conn = self.conns[index]
        await conn.send(deflate(obj) if binary else (obj if isinstance(obj, str) else json.dumps(obj)))

    async def drop(self, index: int) -> None:
        await self.conns[index].close()

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        while not predicate():
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError("condition not met in time")
            await asyncio.sleep(0.01)

    def sent_ops(self, index: int, op: str) -> list[list[str]]:
        """Args of every `op` (spot) or `action` (futures) request the client sent on connection `index`."""
        out = []
        for text in self.received[index]:
            if text.startswith("{") and text not in PONGS:
                name, args = request_of(json.loads(text))
                if name == op:
                    out.append(args)
        return out

    async def _next_client(self, index: int, conn: ServerConnection) -> str:
        while True:
            text = await conn.recv()
            assert isinstance(text, str)
            self.received[index].append(text)
            if text in PONGS:
                if self.auto_pong:
                    self.pongs += 1
                    await conn.send(PONGS[text])
                continue
            return text

    async def _handle(self, conn: ServerConnection) -> None:
        index = len(self.conns)
        self.conns.append(conn)
        self.received.append([])
        script = self.scripts[min(index, len(self.scripts) - 1)] if self.scripts else []
        try:
            for step in script:
                if step["dir"] == "send":
                    text = await self._next_client(index, conn)
                    (got_op, got_args), (want_op, want_args) = request_of(json.loads(text)), request_of(step["data"])
                    if got_op != want_op or (want_op not in LOGINS and got_args != want_args):
                        raise ScriptMismatch(f"expected {step['data']}, got {text}")
                elif step["dir"] == "recv":
                    data = step["data"]
                    if step.get("frame") == "binary":
                        await conn.send(deflate(data))
                    else:
                        await conn.send(data if isinstance(data, str) else json.dumps(data, separators=(",", ":")))
                elif step["dir"] == "close":
                    await conn.close()
                    return
                elif step["dir"] == "sleep":
                    await asyncio.sleep(float(step["data"]))
            while True:
                text = await self._next_client(index, conn)
                if self.auto_ack and text.startswith("{"):
                    msg = json.loads(text)
                    name, args = request_of(msg)
                    if name in ("subscribe", "unsubscribe"):
                        for t in args or []:
                            await conn.send(json.dumps(ack(name, t, "action" in msg)))
                if self.on_message is not None:
                    await self.on_message(self, index, conn, text)
        except ConnectionClosed:
            return  # the client went away
        except Exception as exc:  # noqa: BLE001 - a mismatch or a broken handler fails the test on exit
            self.errors.append(exc)
            await conn.close()
