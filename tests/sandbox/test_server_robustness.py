"""The sandbox is a server people run: hostile input gets BitMart's errors, never a 500 or a hang (issue 10 item 9).

Requests go over raw sockets where a normal client would refuse to send them (non-ASCII headers,
half-sent requests).
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import aiohttp

from bitmart_plugin.sandbox.server import Sandbox

from .conftest import Signer, make_config, recv_until

DEEP = "[" * 100_000 + "]" * 100_000


async def raw_request(sb: Sandbox, method: str, path: str, headers: dict[str, str], body: bytes = b""
                      ) -> tuple[int, Any]:
    """One HTTP/1.1 request written byte for byte (header values UTF-8 encoded); (status, JSON body)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", sb.port)
    try:
        head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: {len(body)}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
        writer.write(head.encode() + body)
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(), 10)
    finally:
        writer.close()
    status_line, _, rest = raw.partition(b"\r\n")
    _, _, payload = rest.partition(b"\r\n\r\n")
    try:
        return int(status_line.split()[1]), json.loads(payload)
    except ValueError:
        return int(status_line.split()[1]), payload


def signed_headers(sb: Sandbox, sign: str) -> dict[str, str]:
    return {"X-BM-KEY": sb.credentials.api_key, "X-BM-TIMESTAMP": str(int(time.time() * 1000)),
            "X-BM-SIGN": sign, "Content-Type": "application/json"}


async def test_non_ascii_signature_is_30005_not_500(sandbox: Sandbox) -> None:
    status, env = await raw_request(sandbox, "POST", "/spot/v4/query/open-orders",
                                    signed_headers(sandbox, "é" * 64), b"{}")
    assert status == 401, env
    assert (env["code"], env["message"]) == (30005, "Header X-BM-SIGN is wrong")


async def test_non_ascii_timestamp_is_30008(sandbox: Sandbox) -> None:
    # int() accepts other scripts' digits ("١٢٣"); BitMart's timestamp is ASCII digits only.
    headers = {**signed_headers(sandbox, "0" * 64), "X-BM-TIMESTAMP": "١٧٠٠٠٠٠٠٠٠٠٠٠"}
    status, env = await raw_request(sandbox, "POST", "/spot/v2/submit_order", headers, b"{}")
    assert status == 401, env
    assert env["code"] == 30008


async def test_non_ascii_admin_token_is_401_not_500(sandbox: Sandbox) -> None:
    status, body = await raw_request(sandbox, "GET", "/admin/faults", {"X-Admin-Token": "ä" * 32})
    assert (status, body) == (401, {"error": "bad admin token"})


async def test_non_ascii_ws_login_signature_is_refused(sandbox: Sandbox) -> None:
    async with aiohttp.ClientSession() as http, http.ws_connect(sandbox.ws_private_url) as ws:
        await ws.send_str(json.dumps({"op": "login", "args": [sandbox.credentials.api_key,
                                                             str(int(time.time() * 1000)), "ü" * 64]}))
        msg = await recv_until(ws, lambda m: isinstance(m, dict) and m.get("event") == "login")
        assert msg["errorCode"] == "91011"


async def test_deeply_nested_body_is_a_4xx_bitmart_error(sandbox: Sandbox, signer: Signer) -> None:
    status, _, env = await signer.post("/spot/v4/query/open-orders", DEEP)
    assert 400 <= status < 500
    assert env["code"] == 50000 and "nest" in env["message"]
    status, _, env = await signer.post("/spot/v4/query/open-orders", {"orderMode": "spot"})
    assert (status, env["code"]) == (200, 1000)  # the server is still fine


async def test_deeply_nested_admin_body_is_400(sandbox: Sandbox) -> None:
    status, body = await raw_request(sandbox, "POST", "/admin/faults", {"X-Admin-Token": sandbox.admin_token},
                                     DEEP.encode())
    assert status == 400 and "nest" in body["error"]


async def test_deeply_nested_ws_frame_gets_90001(sandbox: Sandbox) -> None:
    async with aiohttp.ClientSession() as http, http.ws_connect(sandbox.ws_public_url) as ws:
        await ws.send_str(DEEP)
        msg = await recv_until(ws, lambda m: isinstance(m, dict) and "errorCode" in m)
        assert msg["errorCode"] == "90001"
        await ws.send_str("ping")
        assert await recv_until(ws, lambda m: m == "pong") == "pong"


async def closed_within(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, trickle: bytes,
                        bound: float) -> bool:
    """Send `trickle` a byte every 0.1 s; True once the server closes the connection (within `bound` s)."""
    deadline = time.monotonic() + bound
    for byte in trickle:
        if time.monotonic() > deadline:
            return False
        try:
            writer.write(bytes([byte]))
            await writer.drain()
            if await asyncio.wait_for(reader.read(1024), 0.1) == b"":
                return True
        except asyncio.TimeoutError:
            continue
        except ConnectionError:
            return True
    try:
        return await asyncio.wait_for(reader.read(), max(0.0, deadline - time.monotonic())) == b""
    except (asyncio.TimeoutError, ConnectionError):
        return False


async def test_slow_headers_are_disconnected() -> None:
    async with Sandbox(make_config(header_timeout_s=0.5)) as sb:
        reader, writer = await asyncio.open_connection("127.0.0.1", sb.port)
        slow = b"GET /system/time HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: " + b"a" * 200
        try:
            assert await closed_within(reader, writer, slow, bound=10.0)
        finally:
            writer.close()


async def test_silent_connection_is_disconnected() -> None:
    async with Sandbox(make_config(header_timeout_s=0.5)) as sb:
        reader, writer = await asyncio.open_connection("127.0.0.1", sb.port)
        try:
            assert await asyncio.wait_for(reader.read(), 10) == b""
        finally:
            writer.close()


async def test_idle_keep_alive_connection_outlives_the_header_timeout() -> None:
    """The header timeout runs while a request's head is awaited, not while a kept-alive connection idles."""
    async with Sandbox(make_config(header_timeout_s=0.3)) as sb, aiohttp.ClientSession() as http:
        url = sb.rest_url + "/system/time"
        async with http.get(url) as r:
            assert r.status == 200 and await r.read()
        await asyncio.sleep(1.0)
        async with http.get(url) as r:
            assert r.status == 200 and await r.read()
        async with http.ws_connect(sb.ws_public_url) as ws:  # an upgraded socket is not a request head
            await asyncio.sleep(1.0)
            await ws.send_str("ping")
            assert await recv_until(ws, lambda m: m == "pong") == "pong"


async def test_admin_refuses_an_existing_api_key(sandbox: Sandbox, http: aiohttp.ClientSession,
                                                  signer: Signer) -> None:
    c = sandbox.credentials
    body = {"api_key": c.api_key, "secret_key": "other", "memo": "other", "balances": {"USDT": "1"}}
    async with http.post(sandbox.admin_url + "/accounts", json=body,
                         headers={"X-Admin-Token": sandbox.admin_token}) as r:
        assert r.status == 409
        assert "exists" in (await r.json())["error"]
    status, _, env = await signer.post("/spot/v4/query/open-orders", {})  # the original secret still signs
    assert (status, env["code"]) == (200, 1000)
