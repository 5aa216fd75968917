"""BitMart's official Python SDK (bitmart-python-sdk-api 2.8.0) against the sandbox (url changed only)."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any, AsyncIterator

import pytest
from bitmart.api_spot import APISpot
from bitmart.lib.cloud_exceptions import APIException

from bitmart_plugin.sandbox.server import Sandbox

from .conftest import make_config
from .sdk_daemon_ping import DaemonPing


@pytest.fixture
async def live() -> AsyncIterator[Sandbox]:
    async with Sandbox(make_config(pairs=3)) as sb:
        yield sb


def _sdk(sb: Sandbox) -> APISpot:
    c = sb.credentials
    return APISpot(api_key=c.api_key, secret_key=c.secret_key, memo=c.memo, url=sb.rest_url, timeout=(3, 5))


async def test_sdk_public(live: Sandbox) -> None:
    api = _sdk(live)
    res, limits = await asyncio.to_thread(api.get_symbols)
    assert res["code"] == 1000 and "BTC_USDT" in res["data"]["symbols"]
    assert limits["Mode"] == "IP"
    res, _ = await asyncio.to_thread(api.get_symbol_detail)
    assert res["data"]["symbols"][0]["symbol"] == "BTC_USDT"
    res, _ = await asyncio.to_thread(api.get_v3_ticker, "BTC_USDT")
    assert res["message"] == "success" and isinstance(res["data"]["ts"], str)
    res, _ = await asyncio.to_thread(api.get_v3_depth, "BTC_USDT", 5)
    assert len(res["data"]["bids"]) == 5
    res, _ = await asyncio.to_thread(api.get_v3_trades, "BTC_USDT", 5)
    assert len(res["data"]) == 5
    res, _ = await asyncio.to_thread(api.get_v3_latest_kline, "BTC_USDT", None, None, 15, 3)
    assert len(res["data"]) == 3
    res, _ = await asyncio.to_thread(api.get_currencies)
    assert any(c["id"] == "USDT" for c in res["data"]["currencies"])


async def test_sdk_private(live: Sandbox) -> None:
    api = _sdk(live)
    res, _ = await asyncio.to_thread(api.get_wallet)
    assert {w["id"] for w in res["data"]["wallet"]} >= {"BTC", "USDT"}
    res, _ = await asyncio.to_thread(lambda: api.post_submit_order(
        symbol="BTC_USDT", side="buy", type="limit", client_order_id="sdk1", size="0.01", price="50000"))
    oid = res["data"]["order_id"]
    res, _ = await asyncio.to_thread(api.v4_query_order_by_id, oid, "open")
    assert res["data"]["clientOrderId"] == "sdk1" and res["data"]["state"] == "new"
    res, _ = await asyncio.to_thread(api.v4_query_order_by_order_client_id, "sdk1", "open")
    assert res["data"]["orderId"] == oid
    res, _ = await asyncio.to_thread(lambda: api.v4_query_open_orders(symbol="BTC_USDT"))
    assert [o["orderId"] for o in res["data"]] == [oid]
    res, _ = await asyncio.to_thread(api.post_cancel_order_by_clientid, "BTC_USDT", "sdk1")
    assert res["data"] == {"result": True}
    res, _ = await asyncio.to_thread(lambda: api.post_batch_orders("BTC_USDT", [
        {"side": "buy", "type": "limit", "size": "0.01", "price": "50000"},
        {"side": "buy", "type": "limit", "size": "0.01", "price": "50001"}], 5000))
    ids = res["data"]["data"]["orderIds"]
    assert res["data"]["code"] == 0 and len(ids) == 2
    res, _ = await asyncio.to_thread(lambda: api.post_cancel_orders(symbol="BTC_USDT", order_ids=ids))
    assert res["data"]["successCount"] == 2
    res, _ = await asyncio.to_thread(lambda: api.post_cancel_all_order(symbol="BTC_USDT"))
    assert res["code"] == 1000
    res, _ = await asyncio.to_thread(lambda: api.v4_query_account_orders(symbol="BTC_USDT"))
    assert len(res["data"]) == 3
    res, _ = await asyncio.to_thread(api.v4_query_order_trade_list, oid)
    assert res["data"] == []
    with pytest.raises(APIException) as exc:
        await asyncio.to_thread(api.v4_query_order_by_id, "12345", "open")
    assert "50005" in str(exc.value)


def test_sdk_websocket_public(monkeypatch: pytest.MonkeyPatch) -> None:
    """SDK SpotSocketClient: subscribe, receive raw-deflate binary pushes it inflates (threads; sandbox in a thread)."""
    pytest.importorskip("websocket")
    from bitmart.websocket import socket_manager
    from bitmart.websocket.spot_socket_client import SpotSocketClient as SdkClient

    inflated: list[str] = []
    sdk_inflate = socket_manager.inflate

    def counting_inflate(data: bytes) -> str:
        """The SDK calls this only for binary frames; a frame that is not raw deflate raises here."""
        text: str = sdk_inflate(data)
        inflated.append(text)
        return text

    monkeypatch.setattr(socket_manager, "inflate", counting_inflate)

    class SpotSocketClient(DaemonPing, SdkClient):  # type: ignore[misc]
        pass

    from bitmart_plugin.sandbox.server import run_sandbox_in_thread
    handle = run_sandbox_in_thread(make_config(pairs=2))
    got: list[Any] = []
    client = None
    try:
        client = SpotSocketClient(stream_url=handle.ws_public_url, on_message=lambda m: got.append(m),
                                  reconnection=False, ping_interval=5)
        client.subscribe(args="spot/depth5:BTC_USDT")
        deadline = time.time() + 5
        while time.time() < deadline and not any("depth5" in json.dumps(m) and "table" in json.dumps(m)
                                                 for m in got):
            time.sleep(0.05)
    finally:
        if client is not None:
            client.stop()
        handle.stop()
    tables = [m for m in got if isinstance(m, dict) and m.get("table") == "spot/depth5"] + \
             [json.loads(m) for m in got if isinstance(m, str) and '"table"' in m]
    assert tables, got
    assert tables[0]["data"][0]["symbol"] == "BTC_USDT" and tables[0]["data"][0]["bids"], tables[0]
    # the push came as a binary raw-deflate frame (as BitMart sends it), inflated by the SDK's own code
    assert any('"spot/depth5"' in text for text in inflated), inflated
