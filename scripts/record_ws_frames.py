"""Record JSONL WebSocket frame recordings of the futures streams (cassettes/ws/, see cassettes/README.md).

  python scripts/record_ws_frames.py            # against an in-process sandbox (seed 7; the venue is the oracle)

A recording proxy sits between the connector's own streams (`perp.streams.PerpStreams`) and the futures venue:
every frame the connector sends becomes a `send` line and every frame the venue sends a `recv` line, in the
order they crossed the proxy (`tests/connector/ws_replay.py` replays them). Keepalive pings and pongs are left
out (the replay server answers pings itself), and so is the client's teardown. The login is never written: an `access` (or spot `login`) frame's
args become placeholders, so no key, timestamp or signature reaches a file.

Public (`ws_futures_public_book_trade_ticker_funding.jsonl`): BTCUSDT's depthIncrease50 book, trades, ticker and
funding rate while the venue's agents trade. Private (`ws_futures_private_order_position_asset.jsonl`): access,
then futures/order, futures/position and futures/asset:USDT while our account buys 2 contracts from a resting
sell (a fill, a position, a balance), then rests a buy and cancels it.
"""

from __future__ import annotations

import asyncio
import json
import zlib
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from websockets.asyncio.client import connect
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "cassettes" / "ws"
LOGINS = ("login", "access")
PINGS = ("ping", '{"action":"ping"}')
PONGS = ("pong", '{"group":"System","data":"pong"}', '{"data":"pong","group":"System"}')
PLACEHOLDERS = ("<key>", "<ts>", "<sign>", "<device>")
PUBLIC = "ws_futures_public_book_trade_ticker_funding.jsonl"
PRIVATE = "ws_futures_private_order_position_asset.jsonl"


def masked(text: str) -> dict[str, Any] | str:
    """A client frame as recorded: JSON decoded, a login's args replaced by placeholders."""
    try:
        msg = json.loads(text)
    except ValueError:
        return text
    if isinstance(msg, dict) and (msg.get("op") in LOGINS or msg.get("action") in LOGINS):
        msg["args"] = list(PLACEHOLDERS[: len(msg.get("args") or [])])
    return msg


def server_frame(frame: str | bytes) -> dict[str, Any] | None:
    """A venue frame as recorded (spot binary frames are raw deflate), or None for a pong."""
    if isinstance(frame, bytes):
        return {"dir": "recv", "frame": "binary", "data": json.loads(zlib.decompress(frame, -15))}
    if frame in PONGS:
        return None
    return {"dir": "recv", "frame": "text", "data": json.loads(frame)}


class RecordingProxy:
    """A loopback WebSocket server relaying each connection to `upstream` + the same path, recording both ways."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.connections: list[list[dict[str, Any]]] = []
        self._server: Any = None
        self.base = ""

    async def __aenter__(self) -> RecordingProxy:
        self._server = await serve(self._relay, "127.0.0.1", 0, ping_interval=None, compression=None)
        self.base = f"ws://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._server.close()
        await self._server.wait_closed()

    def url(self, venue_url: str) -> str:
        """The proxy's URL for a venue URL (same path and query)."""
        parts = urlsplit(venue_url)
        return self.base + parts.path + (f"?{parts.query}" if parts.query else "")

    async def _relay(self, client: ServerConnection) -> None:
        steps: list[dict[str, Any]] = []
        self.connections.append(steps)
        async with connect(self.upstream + client.request.path, ping_interval=None, compression=None) as venue:
            async def up() -> None:
                async for text in client:
                    if text not in PINGS:
                        steps.append({"dir": "send", "frame": "text", "data": masked(str(text))})
                    await venue.send(text)

            async def down() -> None:
                async for frame in venue:
                    step = server_frame(frame)
                    if step is not None:
                        steps.append(step)
                    await client.send(frame)

            tasks = [asyncio.create_task(up()), asyncio.create_task(down())]
            try:
                await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            except ConnectionClosed:
                pass
            finally:
                for t in tasks:
                    t.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)


def write(name: str, steps: list[dict[str, Any]]) -> None:
    """The steps up to the client's teardown (its first unsubscribe), one JSON object a line."""
    end = next((i for i, s in enumerate(steps) if s["dir"] == "send" and isinstance(s["data"], dict)
                and "unsubscribe" in (s["data"].get("op"), s["data"].get("action"))), len(steps))
    OUT.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(step, separators=(",", ":")) for step in steps[:end]]
    (OUT / name).write_text("\n".join(lines) + "\n")
    print(f"wrote {OUT / name} ({len(lines)} lines)")


async def until(predicate: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"no {what} within {timeout} s")
        await asyncio.sleep(0.02)


async def collect(stream: Any, into: list[Any]) -> None:
    async for item in stream:
        into.append(item)


async def record_public(sb: Any, contracts: Any) -> None:
    from host_spec import TradingPair

    from bitmart_plugin.perp.streams import PerpStreams

    btc = TradingPair("BTC", "USDT")
    async with RecordingProxy(sb.futures_ws_public_url.split("/futures")[0]) as proxy:
        streams = PerpStreams(proxy.url(sb.futures_ws_public_url), proxy.url(sb.futures_ws_private_url),
                              contracts=lambda: contracts)
        got: dict[str, list[Any]] = {"book": [], "trades": [], "tickers": [], "funding": []}
        makers = {"book": lambda: streams.order_book(btc, 20), "trades": lambda: streams.trades(btc),
                  "tickers": lambda: streams.tickers(btc), "funding": lambda: streams.funding(btc)}
        tasks = []
        try:
            for name, make in makers.items():  # one after the other, as the replay test starts them
                tasks.append(asyncio.create_task(collect(make(), got[name])))
                await until(lambda: bool(got[name]), name)
            await until(lambda: len(got["book"]) >= 12 and len(got["trades"]) >= 4, "book updates and trades")
            sb.agents_paused = True
            await asyncio.sleep(0.5)
        finally:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await streams.close()
        write(PUBLIC, proxy.connections[0])


async def record_private(sb: Any, contracts: Any) -> None:
    from host_spec import FeeRates, PositionMode

    from bitmart_plugin.perp.streams import PerpStreams
    from bitmart_plugin.perp.ws_private import ASSET, ORDER, POSITION

    fut, account = sb.state.futures, sb.credentials.account_id
    fut.set_position_mode(account, "hedge_mode")
    fut.fund("maker", Decimal(1_000_000))
    fut.set_position_mode("maker", "hedge_mode")
    price = fut.engine.last_price["BTCUSDT"]
    async with RecordingProxy(sb.futures_ws_private_url.split("/futures")[0]) as proxy:
        c = sb.credentials
        streams = PerpStreams(proxy.url(sb.futures_ws_public_url), proxy.url(sb.futures_ws_private_url),
                              contracts=lambda: contracts, position_mode=lambda: PositionMode.HEDGE,
                              fee_rates=lambda: FeeRates(Decimal("0.0002"), Decimal("0.0006")),
                              api_key=_secret(c.api_key), secret_key=_secret(c.secret_key), memo=_secret(c.memo))
        events: list[Any] = []
        task = asyncio.create_task(collect(streams.private_events(), events))

        def acked() -> bool:
            steps = proxy.connections[0] if proxy.connections else []
            groups = {s["data"].get("group") for s in steps if s["dir"] == "recv" and s["data"].get("success")}
            return {ORDER, POSITION, ASSET} <= groups

        try:
            await until(acked, "private subscriptions")
            fut.submit_order("maker", "BTCUSDT", 4, 3, type="limit", price=str(price), client_order_id="recmaker1")
            fut.submit_order(account, "BTCUSDT", 1, 2, type="limit", price=str(price), client_order_id="recbuy1")
            await until(lambda: sum(type(e).__name__ == "BalanceEvent" for e in events) >= 1, "balance push")
            fut.submit_order(account, "BTCUSDT", 1, 1, type="limit", price=str((price * Decimal("0.9")).quantize(price)),
                             client_order_id="recrest1")
            fut.cancel_order(account, client_order_id="recrest1")
            await until(lambda: any(getattr(e, "client_order_id", "") == "recrest1" and e.state.value == "CANCELED"
                                    for e in events), "cancel push")
            await asyncio.sleep(0.3)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await streams.close()
        write(PRIVATE, proxy.connections[0])


def _secret(value: str) -> Any:
    from pydantic import SecretStr

    return SecretStr(value)


async def main() -> None:
    from bitmart_plugin.perp.rest import FuturesRest
    from bitmart_plugin.perp.rules import contracts_from_details
    from bitmart_plugin.sandbox.config import SandboxConfig
    from bitmart_plugin.sandbox.futures.ws_config import FuturesWsConfig
    from bitmart_plugin.sandbox.server import Sandbox
    from bitmart_plugin.settings import load_settings

    config = SandboxConfig(seed=7, pairs=2, agent_rate=60.0, rate_limits=False, futures_contracts=4,
                           futures_ws=FuturesWsConfig(funding_push_s=1.0))
    async with Sandbox(config) as sb:
        rest = FuturesRest(load_settings(futures_rest_url=sb.futures_rest_url))
        try:
            contracts = contracts_from_details(await rest.details())  # the listing read the connector's way
        finally:
            await rest.close()
        await record_public(sb, contracts)
        sb.agents_paused = True
        await record_private(sb, contracts)


if __name__ == "__main__":
    asyncio.run(main())
