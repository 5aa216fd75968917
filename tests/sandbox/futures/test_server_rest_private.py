"""Futures private REST: auth levels, every private endpoint's shape, the §6 error codes and texts."""
from __future__ import annotations

import json
import time

import aiohttp
import pytest

from bitmart_plugin.sandbox.futures.config import FuturesConfig
from bitmart_plugin.sandbox.server import Sandbox

from ..conftest import Signer, make_config
from .rest_helpers import BTC, as_other, err, like, ok, payload, second_account

pytestmark = pytest.mark.e2e
SUBMIT = "/contract/private/submit-order"


def limit(side: int, size: int, price: str, **kw: object) -> dict[str, object]:
    return {"symbol": BTC, "side": side, "type": "limit", "size": size, "price": price, **kw}


async def open_long(sb: Sandbox, signer: Signer, size: int = 2, price: str = "60000") -> None:
    other = second_account(sb)
    ok(await as_other(signer, other, SUBMIT, limit(4, size, price)))
    ok(await signer.post(SUBMIT, limit(1, size, price)))


# -- auth levels --------------------------------------------------------------------------------
async def test_keyed_ignores_the_signature_and_needs_a_known_key(sandbox: Sandbox, signer: Signer,
                                                                 http: aiohttp.ClientSession) -> None:
    h = {"X-BM-KEY": sandbox.credentials.api_key, "X-BM-SIGN": "not-a-signature", "X-BM-TIMESTAMP": "1"}
    async with http.get(sandbox.rest_url + "/contract/private/assets-detail", headers=h) as r:
        assert r.status == 200 and (await r.json())["code"] == 1000
        assert (r.headers["X-BM-RateLimit-Limit"], r.headers["X-BM-RateLimit-Mode"]) == ("12", "KEY")
    st, _, body = await signer.get("/contract/private/assets-detail", key="")
    assert (st, body["code"], body["data"]) == (401, 30001, {})
    st, _, body = await signer.get("/contract/private/position-v2", key="f" * 40)
    assert (st, body["code"]) == (401, 30002)


async def test_signed_checks_memo_timestamp_and_raw_body(sandbox: Sandbox, signer: Signer) -> None:
    body = {"symbol": BTC, "leverage": "5", "open_type": "cross"}
    st, _, b = await signer.post("/contract/private/submit-leverage", body, memo="wrong")
    assert (st, b["code"], b["message"]) == (401, 30005, "Header X-BM-SIGN is wrong")
    st, _, b = await signer.post("/contract/private/submit-leverage", body, ts=str(int(time.time() * 1000) - 120_000))
    assert (st, b["code"], b["message"]) == (401, 30007, "Header X-BM-TIMESTAMP range. Within a minute")
    spaced = json.dumps(body)  # PYSDK / Hummingbot separators ", " and ": " are signed as sent
    assert ", " in spaced
    ok(await signer.post("/contract/private/submit-leverage", spaced))
    st, _, b = await signer.get("/contract/private/submit-leverage")
    assert (st, b["code"]) == (405, 57001)


# -- account, positions, modes ------------------------------------------------------------------
async def test_assets_fee_rate_and_modes(sandbox: Sandbox, signer: Signer) -> None:
    rows = ok(await signer.get("/contract/private/assets-detail"))
    assert [r["currency"] for r in rows] == ["USDT", "BTC", "ETH"]
    for r in rows:
        like(r, payload("rest_private/assets_detail_doc.json"))
    assert (rows[0]["available_balance"], rows[0]["equity"], rows[1]["equity"]) == ("1000000", "1000000", "0")
    fee = ok(await signer.get("/contract/private/trade-fee-rate", {"symbol": BTC}))
    like(fee, payload("rest_private/trade_fee_rate_doc.json"))
    assert (fee["taker_fee_rate"], fee["maker_fee_rate"]) == ("0.0006", "0.0002")
    mode = ok(await signer.get("/contract/private/get-position-mode"))
    like(mode, payload("rest_private/position_mode_doc.json"))
    assert mode == {"position_mode": "hedge_mode"}
    got = ok(await signer.post("/contract/private/set-position-mode", {"position_mode": "one_way_mode"}))
    assert got == {"position_mode": "one_way_mode"} == ok(await signer.get("/contract/private/get-position-mode"))
    rows = ok(await signer.get("/contract/private/position-v2", {"symbol": BTC}))
    assert [r["position_side"] for r in rows] == ["both"]
    like(rows[0], payload("rest_private/position_v2_doc_oneway.json"))
    err(await signer.post("/contract/private/set-position-mode", {"position_mode": "sideways"}), 40011)


async def test_submit_leverage_answers_the_setting_and_refuses_bad_values(sandbox: Sandbox, signer: Signer) -> None:
    got = ok(await signer.post("/contract/private/submit-leverage",
                               {"symbol": "ETHUSDT", "leverage": "5", "open_type": "isolated"}))
    like(got, payload("rest_private/submit_leverage_doc.json"))
    assert got == {"symbol": "ETHUSDT", "leverage": "5", "open_type": "isolated", "max_value": "100"}
    got = ok(await signer.post("/contract/private/submit-leverage", {"symbol": "ETHUSDT", "open_type": "isolated"}))
    assert got["leverage"] == "5"
    post = signer.post
    path = "/contract/private/submit-leverage"
    assert err(await post(path, {"symbol": BTC, "leverage": "101", "open_type": "cross"}), 40029) == \
        "The order's leverage is too large."
    assert err(await post(path, {"symbol": BTC, "leverage": "2x", "open_type": "cross"}), 40040) == \
        "The order leverage is invalid"
    assert err(await post(path, {"symbol": BTC, "leverage": "5", "open_type": "both"}), 40045) == \
        "The order open type is invalid"
    assert err(await post(path, {"symbol": "NOPEUSDT", "leverage": "5", "open_type": "cross"}), 40034) == \
        "The Symbol is not exist"


async def test_positions_v1_v2_and_risk_after_opening(sandbox: Sandbox, signer: Signer) -> None:
    ok(await signer.post("/contract/private/submit-leverage", {"symbol": BTC, "leverage": "10", "open_type": "isolated"}))
    await open_long(sandbox, signer, 2, "60000")
    v2 = ok(await signer.get("/contract/private/position-v2", {"symbol": BTC}))
    assert [r["position_side"] for r in v2] == ["long", "short"]
    ref = payload("rest_private/position_v2_doc_hedge.json")
    for r in v2:
        like(r, ref)
    long_ = v2[0]
    assert (long_["current_amount"], long_["position_amount"], long_["entry_price"], long_["leverage"]) == (
        "2", "2", "60000", "10")
    assert (long_["position_value"], long_["initial_margin"], long_["open_type"]) == ("120", "12", "isolated")
    assert long_["liquidation_price"] == "54300"  # 60000 × (1 − 1/10 + 0.005)
    assert v2[1]["current_amount"] == "0" and v2[1]["open_timestamp"] == 0
    held = ok(await signer.get("/contract/private/position-v2"))
    assert [r["symbol"] for r in held] == [BTC, BTC]
    v1 = ok(await signer.get("/contract/private/position", {"symbol": BTC}))
    assert len(v1) == 1
    like(v1[0], payload("rest_private/position_v1_doc.json"))
    assert (v1[0]["position_type"], v1[0]["margin_type"], v1[0]["position_mode"]) == (1, "Isolated", "hedge_mode")
    assert v1[0]["realized_value"] == "-0.072"  # the taker fee 2 × 0.001 × 60000 × 0.0006
    risk = ok(await signer.get("/contract/private/position-risk", {"symbol": BTC}))
    like(risk[0], payload("rest_private/position_risk_doc.json"))
    assert (risk[0]["position_side"], risk[0]["isolated_margin"], risk[0]["margin_type"]) == ("Long", "12", "Isolated")
    assert ok(await signer.get("/contract/private/position", {"account": "copy_trading"})) == []


# -- orders -------------------------------------------------------------------------------------
async def test_submit_detail_open_modify_cancel(sandbox: Sandbox, signer: Signer) -> None:
    got = ok(await signer.post(SUBMIT, limit(1, 3, "50000.0", client_order_id="abc123", mode=1, leverage="5")))
    like(got, payload("rest_private/submit_order_doc.json"))
    assert got["price"] == "50000"
    oid = str(got["order_id"])
    detail = ok(await signer.get("/contract/private/order", {"symbol": BTC, "order_id": oid}))
    ref = payload("rest_private/order_detail_doc.json")
    presets = payload("rest_private/order_history_doc_plan_triggered.json")
    like(detail, ref, extra=[k for k in presets if k.startswith(("preset_", "activation_", "callback"))]
         + ["executive_order_id"])
    assert (detail["state"], detail["side"], detail["client_order_id"], detail["leverage"]) == (2, 1, "abc123", "5")
    assert detail["activation_price_type"] == 0 and detail["preset_take_profit_price"] == ""
    rows = ok(await signer.get("/contract/private/get-open-orders", {"symbol": BTC}))
    assert [r["order_id"] for r in rows] == [oid]
    like(rows[0], payload("rest_private/open_orders_live_ccxt_comment_2023-09.json"), extra=detail.keys())
    mod = ok(await signer.post("/contract/private/modify-limit-order",
                               {"symbol": BTC, "order_id": int(oid), "price": "50100", "size": "4"}))
    like(mod, payload("rest_private/modify_limit_order_doc.json"))
    assert mod == {"order_id": int(oid), "client_order_id": "abc123"}
    detail = ok(await signer.get("/contract/private/order", {"symbol": BTC, "order_id": oid}))
    assert (detail["price"], detail["size"]) == ("50100", "4")
    st, _, body = await signer.post("/contract/private/cancel-order", {"symbol": BTC, "order_id": oid})
    assert st == 200 and set(body) == {"code", "message", "trace"} and body["message"] == "Ok"
    assert err(await signer.post("/contract/private/cancel-order", {"symbol": BTC, "order_id": oid}), 40036) == \
        "The order status is invalid"
    assert ok(await signer.get("/contract/private/get-open-orders")) == []
    hist = ok(await signer.get("/contract/private/order-history", {"symbol": BTC}))
    assert [(h["order_id"], h["state"], h["deal_size"]) for h in hist] == [(oid, 4, "0")]


async def test_market_order_and_cancels_by_client_id_and_symbol(sandbox: Sandbox, signer: Signer) -> None:
    other = second_account(sandbox)
    ok(await as_other(signer, other, SUBMIT, limit(4, 5, "60100")))
    got = ok(await signer.post(SUBMIT, {"symbol": BTC, "side": 1, "type": "market", "size": 2, "mode": None}))
    like(got, payload("rest_private/submit_order_live_ccxt_market.json"))
    assert got["price"] == "market price"
    detail = ok(await signer.get("/contract/private/order", {"symbol": BTC, "order_id": str(got["order_id"])}))
    assert (detail["type"], detail["state"], detail["deal_size"], detail["deal_avg_price"]) == ("market", 4, "2", "60100")
    for cid in ("k1", "k2"):
        ok(await signer.post(SUBMIT, limit(1, 1, "50000", client_order_id=cid)))
    ok(await signer.post("/contract/private/cancel-order", {"symbol": BTC, "client_order_id": "k1"}))
    assert [o["client_order_id"] for o in ok(await signer.get("/contract/private/get-open-orders"))] == ["k2"]
    ok(await signer.post(SUBMIT, {**limit(1, 1, "2000"), "symbol": "ETHUSDT"}))
    st, _, body = await signer.post("/contract/private/cancel-orders", {"symbol": BTC})
    assert st == 200 and "data" not in body
    assert [o["symbol"] for o in ok(await signer.get("/contract/private/get-open-orders"))] == ["ETHUSDT"]
    ok(await signer.post("/contract/private/cancel-order", {"symbol": "ETHUSDT"}))  # neither id: all of the symbol
    assert ok(await signer.get("/contract/private/get-open-orders")) == []


async def test_cancel_all_after_and_the_doc_cancel_body() -> None:
    async with Sandbox(make_config(cancel_response_data="empty")) as sb, aiohttp.ClientSession() as http:
        signer = Signer(sb, http)
        got = ok(await signer.post("/contract/private/cancel-all-after", {"symbol": BTC, "timeout": 10}))
        like(got, payload("rest_private/cancel_all_after_doc.json"))
        assert got["result"] is True and got["cancel_time"] - got["set_time"] == 10
        err(await signer.post("/contract/private/cancel-all-after", {"symbol": BTC, "timeout": 3}), 40011)
        assert ok(await signer.post("/contract/private/cancel-orders", {"symbol": BTC})) == {}


@pytest.mark.parametrize("body,code,status,text", [
    (limit(1, 1, "60000", symbol="NOPEUSDT"), 40034, 400, "The Symbol is not exist"),
    (limit(5, 1, "60000"), 40041, 400, "The order side is invalid"),
    (limit(1, 1, "60000", type="stop"), 40042, 400, "The order type is invalid"),
    (limit(1, 1, "60000.05"), 40043, 400, "The order precision is invalid"),
    (limit(1, 0, "60000"), 40044, 400, "The order range is invalid"),
    (limit(1, 1, "60000", leverage="500"), 40029, 400, "The order's leverage is too large."),
    (limit(1, 1, "60000", client_order_id="a-b"), 40048, 403,
     "ClientOrderId only allows a combination of numbers and letters"),
    (limit(3, 1, "60000"), 40021, 400, "The position is not exsit"),
    (limit(1, 500000, "60000", leverage="1"), 40012, 400, "You contract account available balance not enough."),
])
async def test_submit_errors(sandbox: Sandbox, signer: Signer, body: dict, code: int, status: int,
                             text: str) -> None:
    assert err(await signer.post(SUBMIT, body), code, status) == text


async def test_close_larger_than_position_and_mode_switch_with_a_position(sandbox: Sandbox, signer: Signer) -> None:
    await open_long(sandbox, signer, 2)
    assert err(await signer.post(SUBMIT, limit(3, 3, "61000")), 40020) == "Your position volume is not enough"
    assert err(await signer.post("/contract/private/set-position-mode", {"position_mode": "one_way_mode"}),
               40059) == "Some positions exist and the mode switching fails."
    assert err(await signer.post("/contract/private/submit-leverage",
                                 {"symbol": BTC, "leverage": "5", "open_type": "isolated"}), 40045)


async def test_unknown_orders(sandbox: Sandbox, signer: Signer) -> None:
    assert err(await signer.get("/contract/private/order", {"symbol": BTC, "order_id": "3000000000009999"}),
               40035) == "The order is not exist"
    assert err(await signer.post("/contract/private/cancel-order", {"symbol": BTC, "order_id": "3000000000009999"}),
               40037) == "The order id is not exist"
    assert err(await signer.post("/contract/private/modify-limit-order",
                                 {"symbol": BTC, "client_order_id": "nope", "price": "1"}), 40037)


async def test_insufficient_margin_code_switch() -> None:
    cfg = make_config(futures=FuturesConfig(insufficient_margin_code=40027))
    async with Sandbox(cfg) as sb, aiohttp.ClientSession() as http:
        resp = await Signer(sb, http).post(SUBMIT, limit(1, 500000, "60000", leverage="1"))
        assert err(resp, 40027) == "You contract account available balance not enough"


async def test_private_limits_count_per_key() -> None:
    async with Sandbox(make_config(rate_limits=True)) as sb, aiohttp.ClientSession() as http:
        s = Signer(sb, http)
        st, h, _ = await s.post(SUBMIT, limit(1, 1, "50000"))
        assert (st, h["X-BM-RateLimit-Limit"], h["X-BM-RateLimit-Mode"]) == (200, "24", "KEY")
        codes = []
        for _ in range(3):  # get-position-mode allows 2 per 2 s
            st, h, body = await s.get("/contract/private/get-position-mode")
            codes.append((st, body["code"], h["X-BM-RateLimit-Remaining"]))
        assert codes == [(200, 1000, "1"), (200, 1000, "2"), (429, 30013, "3")]
