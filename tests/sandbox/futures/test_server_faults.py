"""Fault switches (set through the admin API) seen by a futures client over real sockets: a depthIncrease
version skipped or repeated, a stalled private socket, 5xx and 429 on /contract paths, a submit whose answer
is lost (the order exists all the same), a delayed answer, delayed pushes, and the order push arriving
before the REST answer."""
from __future__ import annotations

import asyncio
import time
from typing import Any, AsyncIterator

import aiohttp
import pytest

from bitmart_plugin.sandbox.server import Sandbox

from ..conftest import Signer, admin, make_config
from .rest_helpers import ok
from .test_server_ws_private import ORDER, login
from .ws_fixture import BTC, Server, connect, group_is, recv_until, send, serve

pytestmark = pytest.mark.e2e
SUBMIT = "/contract/private/submit-order"
DEPTH = "futures/depthIncrease20:BTCUSDT@200ms"


@pytest.fixture
async def srv() -> AsyncIterator[Server]:
    async with serve() as s:
        yield s


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


def bid(size: int, price: str, **extra: Any) -> dict[str, Any]:
    return {"symbol": BTC, "side": 1, "type": "limit", "size": size, "price": price, **extra}


async def faults(http: aiohttp.ClientSession, srv: Server, **switches: Any) -> dict[str, Any]:
    status, body = await admin(http, srv.sb, "POST", "/faults", switches)
    assert status == 200, body
    return body  # type: ignore[no-any-return]


async def test_depth_increase_gap_and_repeat(srv: Server, http: aiohttp.ClientSession) -> None:
    async with connect(srv.public_url) as ws:
        await send(ws, "subscribe", "futures/depthIncrease20:BTCUSDT")
        version = (await recv_until(ws, group_is(DEPTH)))["data"]["version"]
        await faults(http, srv, depth_gap="BTCUSDT:1")
        srv.venue.submit_order("maker", BTC, 1, 1, price="59000")
        gap = await recv_until(ws, group_is(DEPTH))
        assert gap["data"]["version"] == version + 2  # version + 1 never came
        await faults(http, srv, depth_dup="BTCUSDT")
        srv.venue.submit_order("maker", BTC, 1, 1, price="58990")
        first = await recv_until(ws, group_is(DEPTH))
        again = await recv_until(ws, group_is(DEPTH))
        assert again == first and first["data"]["version"] == version + 3
        srv.venue.submit_order("maker", BTC, 1, 1, price="58980")
        assert (await recv_until(ws, group_is(DEPTH)))["data"]["version"] == version + 4
    fired = (await admin(http, srv.sb, "GET", "/faults"))[1]["fired"]
    assert (fired["depth_gap"], fired["depth_dup"]) == (1, 1)


async def test_stalled_private_socket_is_listed_and_silent(srv: Server, http: aiohttp.ClientSession) -> None:
    async with connect(srv.private_url) as ws:
        await login(srv, ws, ORDER)
        await faults(http, srv, stall_ws="private")
        conns = (await admin(http, srv.sb, "GET", "/connections"))[1]["connections"]
        assert [(c["kind"], c["account"], c["stalled"]) for c in conns] == [
            ("futures-private", srv.cred.account_id, True)]
        srv.venue.submit_order(srv.cred.account_id, BTC, 1, 1, price="50000")
        with pytest.raises(asyncio.TimeoutError):
            await recv_until(ws, group_is(ORDER), timeout=0.5)


async def test_5xx_and_429_on_contract_paths(srv: Server, http: aiohttp.ClientSession) -> None:
    signer = Signer(srv.sb, http)
    await faults(http, srv, http_5xx=1, burst_429=1)
    async with http.get(srv.sb.rest_url + "/contract/public/details") as r:
        assert (r.status, (await r.json())["code"]) == (503, 30014)
    status, headers, body = await signer.post(SUBMIT, bid(1, "50000"))
    assert (status, body["code"]) == (429, 30013)
    assert (headers["X-BM-RateLimit-Limit"], headers["X-BM-RateLimit-Remaining"]) == ("24", "25")  # submit: 24/2 s
    assert srv.venue.engine.open_orders(srv.cred.account_id) == []  # refused before acting


async def test_lost_answer_still_placed_the_order(srv: Server, http: aiohttp.ClientSession) -> None:
    signer = Signer(srv.sb, http)
    await faults(http, srv, lose_response=1)
    with pytest.raises(aiohttp.ClientError):
        await signer.post(SUBMIT, bid(2, "50000", client_order_id="lost1"))
    opened = ok(await signer.get("/contract/private/get-open-orders", {"symbol": BTC}))
    assert [(o["client_order_id"], o["size"], o["state"]) for o in opened] == [("lost1", "2", 2)]
    await faults(http, srv, delay_response=1, delay_response_ms=300)
    t0 = time.monotonic()
    ok(await signer.post("/contract/private/cancel-order", {"symbol": BTC, "order_id": opened[0]["order_id"]}))
    assert time.monotonic() - t0 >= 0.3
    fired = (await admin(http, srv.sb, "GET", "/faults"))[1]["fired"]
    assert (fired["lose_response"], fired["delay_response"]) == (1, 1)


async def test_pushes_delayed(srv: Server, http: aiohttp.ClientSession) -> None:
    signer = Signer(srv.sb, http)
    async with connect(srv.private_url) as ws:
        await login(srv, ws, ORDER)
        await faults(http, srv, push_delay_ms=400)
        t0 = time.monotonic()
        placed = ok(await signer.post(SUBMIT, bid(1, "50000")))
        push = await recv_until(ws, group_is(ORDER))
        assert push["data"][0]["order"]["order_id"] == str(placed["order_id"])
        assert time.monotonic() - t0 >= 0.4  # the push waited push_delay_ms


async def test_push_arrives_before_the_answer(srv: Server, http: aiohttp.ClientSession) -> None:
    signer = Signer(srv.sb, http)
    async with connect(srv.private_url) as ws:
        await login(srv, ws, ORDER)
        view = await faults(http, srv, push_first=1, push_first_ms=500)
        assert (view["push_first"], view["push_first_ms"]) == (1, 500)
        push = asyncio.create_task(recv_until(ws, group_is(ORDER)))
        placed = ok(await signer.post(SUBMIT, bid(1, "50000", client_order_id="first1")))
        assert push.done(), "the REST answer came before the order push"
        entry = push.result()["data"][0]["order"]
        assert (entry["order_id"], entry["client_order_id"]) == (str(placed["order_id"]), "first1")
        # used up: the next answer is not held back for its push
        assert (await admin(http, srv.sb, "GET", "/faults"))[1]["push_first"] == 0
        assert (await admin(http, srv.sb, "GET", "/faults"))[1]["fired"]["push_first"] == 1


async def test_cli_fault_specs_reach_the_futures_venue(http: aiohttp.ClientSession) -> None:
    """``host-spec sandbox --fault NAME=VALUE`` strings (SandboxConfig.faults) name futures contracts too."""
    async with Sandbox(make_config(faults=["depth_gap=BTCUSDT:2", "push_first=3", "push_first_ms=10"])) as sb:
        view = (await admin(http, sb, "GET", "/faults"))[1]
        assert (view["depth_gap"], view["push_first"], view["push_first_ms"]) == ({"BTCUSDT": 2}, 3, 10)
