"""Public WebSocket: acks, errors, ping/pong, idle close, raw-deflate frames, depth sequencing."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal

import aiohttp

from bitmart_plugin.sandbox.server import Sandbox

from .conftest import make_config, recv_json, recv_until


async def test_acks_errors_ping(sandbox: Sandbox, http: aiohttp.ClientSession) -> None:
    async with http.ws_connect(sandbox.ws_public_url) as ws:
        await ws.send_str("ping")
        assert await recv_json(ws) == "pong"
        await ws.send_str(json.dumps({"op": "subscribe", "args": ["spot/ticker:BTC_USDT"]}))
        msg = await ws.receive(timeout=3)
        assert msg.type == aiohttp.WSMsgType.TEXT
        assert json.loads(msg.data) == {"event": "subscribe", "topic": "spot/ticker:BTC_USDT"}
        msg = await ws.receive(timeout=3)
        assert msg.type == aiohttp.WSMsgType.BINARY  # raw deflate push
        import zlib
        push = json.loads(zlib.decompressobj(-15).decompress(msg.data))
        assert push["table"] == "spot/ticker" and push["data"][0]["symbol"] == "BTC_USDT"
        assert isinstance(push["data"][0]["ms_t"], int) and isinstance(push["data"][0]["last_price"], str)
        cases = [("{bad", "90001"), (json.dumps({"op": "dance", "args": []}), "90002"),
                 (json.dumps({"op": "subscribe", "args": "x"}), "90003"),
                 (json.dumps({"op": "subscribe", "args": ["spot/nope:BTC_USDT"]}), "90004"),
                 (json.dumps({"op": "subscribe", "args": [f"spot/ticker:BTC_USDT{i}" for i in range(21)]}), "90005"),
                 (json.dumps({"op": "subscribe", "args": ["spot/ticker:NOPE_USDT"]}), "92001")]
        for text, code in cases:
            await ws.send_str(text)
            m = await recv_until(ws, lambda m: isinstance(m, dict) and "errorCode" in m)
            assert m["errorCode"] == code and isinstance(m["errorMessage"], str)
        await ws.send_str(json.dumps({"op": "unsubscribe", "args": ["spot/ticker:BTC_USDT"]}))
        m = await recv_until(ws, lambda m: isinstance(m, dict) and m.get("event") == "unsubscribe")
        assert m["topic"] == "spot/ticker:BTC_USDT"


async def test_topic_limit_and_message_rate() -> None:
    async with Sandbox(make_config(ws_max_msgs_per_10s=5)) as sb, aiohttp.ClientSession() as http:
        async with http.ws_connect(sb.ws_public_url) as ws:
            for _ in range(6):
                await ws.send_str("ping")
            m = await recv_until(ws, lambda m: isinstance(m, dict))
            assert m["errorCode"] == "90007"
            assert (await ws.receive(timeout=3)).type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)


async def test_idle_close() -> None:
    async with Sandbox(make_config(ws_idle_timeout_s=0.3)) as sb, aiohttp.ClientSession() as http:
        async with http.ws_connect(sb.ws_public_url) as ws:
            msg = await ws.receive(timeout=3)
            assert msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)


def apply(book: dict[str, dict[Decimal, Decimal]], data: dict) -> None:
    for side in ("bids", "asks"):
        for p, s in data[side]:
            if Decimal(s) == 0:
                book[side].pop(Decimal(p), None)
            else:
                book[side][Decimal(p)] = Decimal(s)


async def test_increase100_stream_equals_true_top100() -> None:
    cfg = make_config(pairs=2, depth_flush_ms=10, depth_heartbeat_s=0.5)
    async with Sandbox(cfg) as sb, aiohttp.ClientSession() as http:
        async with http.ws_connect(sb.ws_public_url) as ws:
            await ws.send_str(json.dumps({"op": "subscribe", "args": ["spot/depth/increase100:BTC_USDT"]}))
            snap = await recv_until(ws, lambda m: isinstance(m, dict) and m.get("table"))
            d = snap["data"][0]
            assert d["type"] == "snapshot" and isinstance(d["version"], int)
            book: dict[str, dict[Decimal, Decimal]] = {"bids": {}, "asks": {}}
            apply(book, d)
            version = d["version"]
            # push the book around hard: many orders entering and leaving the top 100
            for _ in range(5):
                sb.exchange.step_agents(200)
                await asyncio.sleep(0.03)
            await asyncio.sleep(0.1)
            while True:
                try:
                    m = await recv_json(ws, 0.3)
                except asyncio.TimeoutError:
                    break
                u = m["data"][0]
                assert u["type"] == "update"
                if not u["asks"] and not u["bids"]:
                    assert u["version"] == version  # heartbeat repeats the version
                    break
                assert u["version"] == version + 1
                version = u["version"]
                apply(book, u)
            bids, asks = sb.exchange.depth("BTC_USDT", 100)
            assert sorted(book["bids"].items(), reverse=True) == bids
            assert sorted(book["asks"].items()) == asks
            # request op: a fresh snapshot carrying the current version
            await ws.send_str(json.dumps({"op": "request", "args": ["spot/depth/increase100:BTC_USDT"]}))
            m = await recv_until(ws, lambda m: isinstance(m, dict) and m["data"][0]["type"] == "snapshot")
            assert m["data"][0]["version"] >= version
            hb = await recv_until(ws, lambda m: isinstance(m, dict) and not m["data"][0]["asks"]
                                  and not m["data"][0]["bids"], timeout=3)
            assert hb["data"][0]["version"] == m["data"][0]["version"]


async def test_trade_kline_depth_all_channels() -> None:
    async with Sandbox(make_config(pairs=2, snapshot_push_ms=20)) as sb, aiohttp.ClientSession() as http:
        async with http.ws_connect(sb.ws_public_url) as ws:
            await ws.send_str(json.dumps({"op": "subscribe", "args": [
                "spot/trade:BTC_USDT", "spot/kline1m:BTC_USDT", "spot/depth5:BTC_USDT"]}))
            first = await recv_until(ws, lambda m: isinstance(m, dict) and m.get("table") == "spot/depth5")
            assert len(first["data"][0]["bids"]) == 5
            sb.exchange.step_agents(100)
            t = await recv_until(ws, lambda m: isinstance(m, dict) and m.get("table") == "spot/trade")
            assert set(t["data"][0]) == {"symbol", "price", "side", "size", "s_t", "ms_t"}
            k = await recv_until(ws, lambda m: isinstance(m, dict) and m.get("table") == "spot/kline1m")
            c = k["data"][0]["candle"]
            assert isinstance(c[0], int) and c[0] % 60 == 0 and all(isinstance(x, str) for x in c[1:])


async def test_connection_limits_per_ip_94002_and_94001() -> None:
    """api §4.4: at most 20 public connections per IP, and 30 connection attempts per minute."""
    import aiohttp

    from bitmart_plugin.sandbox.config import SandboxConfig
    from bitmart_plugin.sandbox.server import Sandbox

    async with Sandbox(SandboxConfig(pairs=2, ws_max_connects_per_min=25)) as sb, aiohttp.ClientSession() as http:
        open_sockets = [await http.ws_connect(sb.ws_public_url) for _ in range(20)]
        extra = await http.ws_connect(sb.ws_public_url)
        refused = await extra.receive_str(timeout=5)
        assert '"errorCode":"94002"' in refused.replace(" ", "")
        for ws in open_sockets:
            await ws.close()
        for _ in range(4):
            ws = await http.ws_connect(sb.ws_public_url)
            await ws.close()
        too_fast = await http.ws_connect(sb.ws_public_url)
        text = await too_fast.receive_str(timeout=5)
        assert '"errorCode":"94001"' in text.replace(" ", "")
