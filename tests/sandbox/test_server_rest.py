"""REST transport: envelopes per family, auth error paths (§3.4), rate limits, validation pass-through."""

from __future__ import annotations

import json
import time

import aiohttp
import pytest

from bitmart_plugin.sandbox.server import Sandbox
from bitmart_plugin.sandbox.signing import sign

from .conftest import Signer, make_config


async def get(http: aiohttp.ClientSession, sb: Sandbox, path: str, **kw: object) -> tuple[int, dict, dict]:
    async with http.get(sb.rest_url + path, **kw) as r:  # type: ignore[arg-type]
        return r.status, dict(r.headers), await r.json(content_type=None)


def test_signature_vectors() -> None:
    s = "6c6c98544461bbe71db2bca4c6d7fd0021e0ba9efc215f9c6ad41852df9d9df9"
    assert sign(s, "1589793796145", "test001", '{"symbol":"BTC_USDT","price":"8600","count":"100"}') == \
        "c31dc326bf87f38bfb49a3f8494961abfa291bd549d0d98d9578e87516cee46d"
    assert sign(s, "1589267764859", "test001", "bitmart.WebSocket") == \
        "3ceeb7e1b8cb165a975e28a2e2dfaca4d30b358873c0351c1a071d8c83314556"


async def test_envelopes_and_families(sandbox: Sandbox, http: aiohttp.ClientSession) -> None:
    st, _, body = await get(http, sandbox, "/system/time")
    assert st == 200 and body["code"] == 1000 and body["message"] == "OK"
    assert set(body) == {"code", "message", "trace", "data"} and isinstance(body["data"]["server_time"], int)
    node, n, digits = body["trace"].split(".")
    assert len(node) == 32 and n.isdigit() and len(digits) == 17
    st, _, body = await get(http, sandbox, "/spot/quotation/v3/ticker?symbol=BTC_USDT")
    assert body["message"] == "success" and isinstance(body["data"]["ts"], str)
    st, _, body = await get(http, sandbox, "/spot/quotation/v3/books?symbol=BTC_USDT&limit=500")
    assert 0 < len(body["data"]["bids"]) <= 50 and all(isinstance(x, str) for x in body["data"]["bids"][0])
    st, _, body = await get(http, sandbox, "/spot/quotation/v3/trades?symbol=BTC_USDT&limit=999")
    assert len(body["data"]) <= 50 and len(body["data"][0]) == 5
    st, _, body = await get(http, sandbox, "/spot/quotation/v3/klines?symbol=BTC_USDT&step=60&limit=500")
    assert len(body["data"]) <= 200 and len(body["data"][0]) == 7
    assert int(body["data"][0][0]) > int(body["data"][-1][0])  # newest first
    st, _, body = await get(http, sandbox, "/spot/v1/symbols/details")
    d = body["data"]["symbols"][0]
    assert d["quote_increment"] == d["base_min_size"] and isinstance(d["symbol_id"], int)
    st, _, body = await get(http, sandbox, "/spot/quotation/v3/tickers")
    assert all(len(r) == 13 for r in body["data"])


@pytest.mark.parametrize("path,code", [
    ("/spot/quotation/v3/ticker?symbol=NOPE_USDT", 70002),
    ("/spot/quotation/v3/books", 70001),
    ("/spot/quotation/v3/klines?symbol=BTC_USDT&step=7", 71005),
    ("/spot/quotation/v3/klines?symbol=BTC_USDT&before=x", 71002),
    ("/spot/quotation/v3/klines?symbol=BTC_USDT&after=x", 71001),
])
async def test_market_errors_http_200(sandbox: Sandbox, http: aiohttp.ClientSession, path: str, code: int) -> None:
    st, _, body = await get(http, sandbox, path)
    assert st == 200 and body["code"] == code


async def test_unknown_removed_and_method(sandbox: Sandbox, http: aiohttp.ClientSession) -> None:
    st, _, body = await get(http, sandbox, "/spot/v9/nothing")
    assert (st, body["code"]) == (404, 30000)
    st, _, body = await get(http, sandbox, "/spot/v1/submit_order")
    assert (st, body["code"], body["message"]) == (200, 30031, "This endpoint has been deprecated")
    st, _, body = await get(http, sandbox, "/spot/v2/submit_order")
    assert (st, body["code"]) == (405, 57001)


async def test_keyed_errors(sandbox: Sandbox, signer: Signer) -> None:
    assert (await signer.get("/spot/v1/wallet", key=""))[0:1] == (401,)
    st, _, b = await signer.get("/spot/v1/wallet", key="")
    assert b["code"] == 30001
    st, _, b = await signer.get("/spot/v1/wallet", key="f" * 40)
    assert (st, b["code"]) == (401, 30002)
    st, h, b = await signer.get("/spot/v1/wallet")
    assert st == 200 and b["message"] == "OK" and h["X-BM-RateLimit-Mode"] == "KEY"
    w = {x["id"]: x for x in b["data"]["wallet"]}
    assert w["USDT"]["available"] == "1000000.00000000" and w["BTC"]["total"] == "100.00000000"


async def test_signed_error_paths(sandbox: Sandbox, signer: Signer, http: aiohttp.ClientSession) -> None:
    url = sandbox.rest_url + "/spot/v2/submit_order"
    body = '{"symbol":"BTC_USDT","side":"buy","type":"limit","size":"0.01","price":"50000"}'
    ok = signer.headers(body)

    async def post(headers: dict[str, str], data: str = body) -> tuple[int, int]:
        async with http.post(url, data=data.encode(), headers=headers) as r:
            return r.status, (await r.json(content_type=None))["code"]

    assert await post({k: v for k, v in ok.items() if k != "X-BM-KEY"}) == (401, 30001)
    assert await post({**ok, "X-BM-KEY": "0" * 40}) == (401, 30002)
    assert await post({k: v for k, v in ok.items() if k != "X-BM-SIGN"}) == (401, 30004)
    assert await post({k: v for k, v in ok.items() if k != "X-BM-TIMESTAMP"}) == (401, 30006)
    assert await post({**ok, "X-BM-TIMESTAMP": "abc"}) == (401, 30008)
    old = str(int(time.time() * 1000) - 120_000)
    assert await post(signer.headers(body, ts=old)) == (401, 30007)
    assert await post(signer.headers(body, memo="wrong")) == (401, 30005)
    assert await post(signer.headers(body, secret="1" * 64)) == (401, 30005)
    assert await post(signer.headers("not json"), "not json") == (503, 30018)
    # whitespace is preserved: the signature is over the raw bytes (PYSDK style separators)
    spaced = json.dumps(json.loads(body))
    assert await post(signer.headers(spaced), spaced) == (200, 1000)
    # re-serialised body with the original signature fails
    assert await post(ok, spaced) == (401, 30005)


async def test_v4_recv_window(sandbox: Sandbox, signer: Signer) -> None:
    now = int(time.time() * 1000)
    st, _, b = await signer.post("/spot/v4/query/open-orders", {"recvWindow": 5000}, ts=str(now - 10_000))
    assert (st, b["code"]) == (401, 30007)
    st, _, b = await signer.post("/spot/v4/query/open-orders", {"recvWindow": 20000}, ts=str(now - 10_000))
    assert (st, b["code"], b["message"]) == (200, 1000, "success")
    st, _, b = await signer.post("/spot/v4/query/open-orders", {}, ts=str(now + 5000))
    assert b["code"] == 30007
    st, _, b = await signer.post("/spot/v4/query/open-orders", {"recvWindow": 70000})
    assert b["code"] == 30007 and "60000" in b["message"]


async def test_order_validation_passthrough(sandbox: Sandbox, signer: Signer) -> None:
    base = {"symbol": "BTC_USDT", "side": "buy", "type": "limit", "size": "0.01", "price": "50000"}
    cases = [({**base, "symbol": "NOPE_USDT"}, 50001), ({**base, "side": "up"}, 52002),
             ({**base, "type": "stop"}, 52001), ({**base, "size": "100000"}, 50020),
             ({**base, "price": None}, 50011), ({**base, "size": "0.0001", "price": "100"}, 51011),
             ({**base, "client_order_id": "a" * 33}, 50037), ({**base, "client_order_id": "a-b"}, 50038)]
    for payload, code in cases:
        st, _, b = await signer.post("/spot/v2/submit_order", {k: v for k, v in payload.items() if v is not None})
        assert (b["code"], st) == (code, 400), payload
        assert b["data"] == {}
    st, _, b = await signer.post("/spot/v2/submit_order", {**base, "client_order_id": "dup1"})
    assert st == 200 and isinstance(b["data"]["order_id"], str)
    st, _, b = await signer.post("/spot/v2/submit_order", {**base, "client_order_id": "dup1"})
    assert b["code"] == 50042


async def test_order_lifecycle_shapes(sandbox: Sandbox, signer: Signer) -> None:
    st, _, b = await signer.post("/spot/v2/submit_order", {"symbol": "BTC_USDT", "side": "buy", "type": "limit",
                                                           "size": "0.01", "price": "50000"})
    oid = b["data"]["order_id"]
    st, _, b = await signer.post("/spot/v4/query/order", {"orderId": oid, "queryState": "open"})
    o = b["data"]
    assert b["message"] == "success" and o["clientOrderId"] == oid and o["state"] == "new"
    assert isinstance(o["createTime"], int) and o["price"] == "50000.00" and o["size"] == "0.01000"
    st, _, b = await signer.post("/spot/v4/query/order", {"orderId": oid, "queryState": "history"})
    assert (st, b["code"]) == (400, 50005)
    st, _, b = await signer.post("/spot/v4/query/order", {"orderId": oid, "queryState": "bad"})
    assert b["code"] == 52003
    st, _, b = await signer.post("/spot/v3/cancel_order", {"symbol": "BTC_USDT", "order_id": oid})
    assert b == {**b, "code": 1000, "message": "OK", "data": {"result": True}}
    st, _, b = await signer.post("/spot/v3/cancel_order", {"symbol": "BTC_USDT", "order_id": oid})
    assert b["data"] == {"result": False}
    st, _, b = await signer.post("/spot/v4/cancel_orders", {"symbol": "BTC_USDT", "orderIds": [oid, "42"]})
    assert b["data"] == {"successIds": [], "failIds": [oid, "42"], "totalCount": 2, "successCount": 0,
                         "failedCount": 2}
    st, _, b = await signer.post("/spot/v4/cancel_all", {})
    assert b["data"] == {} and b["message"] == "OK"
    st, _, b = await signer.post("/spot/v4/batch_orders", {"symbol": "BTC_USDT", "orderParams": [
        {"side": "buy", "type": "limit", "size": "0.01", "price": "50000", "clientOrderId": "b1"}]})
    assert b["data"]["code"] == 0 and b["data"]["msg"] == "success" and len(b["data"]["data"]["orderIds"]) == 1
    st, _, b = await signer.post("/spot/v4/query/order-trades", {"orderId": "777"})
    assert b["code"] == 50005


async def test_rate_limit_429_then_418() -> None:
    async with Sandbox(make_config(rate_limits=True, ban_cooldown_s=30)) as sb, aiohttp.ClientSession() as http:
        seen = []
        for i in range(40):
            st, h, b = await get(http, sb, "/system/time")
            seen.append((st, b["code"], h.get("X-BM-RateLimit-Remaining")))
        assert seen[0] == (200, 1000, "1") and seen[9] == (200, 1000, "10")
        assert seen[10][:2] == (429, 30013) and seen[10][2] == "11"
        assert (418, 30017) in [s[:2] for s in seen[30:]]
        st, h, b = await get(http, sb, "/system/time")
        assert (st, b["code"], b["message"]) == (418, 30017, "account rejected for violating rate limiting")
        st, h, b = await get(http, sb, "/spot/v1/symbols")  # the ban is per target (IP)
        assert st == 418


async def test_rate_limit_headers_and_scale() -> None:
    async with Sandbox(make_config(rate_limits=True, rate_limit_scale=2.0)) as sb, aiohttp.ClientSession() as http:
        st, h, _ = await get(http, sb, "/spot/quotation/v3/klines?symbol=BTC_USDT")
        assert (h["X-BM-RateLimit-Limit"], h["X-BM-RateLimit-Reset"], h["X-BM-RateLimit-Mode"]) == ("20", "2", "IP")
        for _ in range(19):
            st, h, _ = await get(http, sb, "/spot/quotation/v3/klines?symbol=BTC_USDT")
        assert st == 200 and h["X-BM-RateLimit-Remaining"] == "20"
        st, h, b = await get(http, sb, "/spot/quotation/v3/klines?symbol=BTC_USDT")
        assert (st, b["code"]) == (429, 30013)
