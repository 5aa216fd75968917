"""A whole futures trade over REST: leverage, a long opened against another account's resting order,
the position, the close, realized PnL and fees in trades, transaction-history, order-history and assets;
history windows in the units each endpoint uses (seconds vs milliseconds, the lenient switch)."""
from __future__ import annotations

import asyncio
from decimal import Decimal

import aiohttp
import pytest

from bitmart_plugin.sandbox.futures.config import FuturesConfig
from bitmart_plugin.sandbox.server import Sandbox

from ..conftest import Signer, make_config
from .rest_helpers import BTC, as_other, like, ok, payload, second_account

pytestmark = pytest.mark.e2e
SUBMIT = "/contract/private/submit-order"


def order(side: int, size: int, price: str) -> dict[str, object]:
    return {"symbol": BTC, "side": side, "type": "limit", "size": size, "price": price}


async def test_open_close_round_trip(sandbox: Sandbox, signer: Signer) -> None:
    maker = second_account(sandbox)
    lev = ok(await signer.post("/contract/private/submit-leverage",
                               {"symbol": BTC, "leverage": "10", "open_type": "cross"}))
    assert (lev["leverage"], lev["open_type"]) == ("10", "cross")
    ok(await as_other(signer, maker, SUBMIT, order(4, 10, "60000")))  # the maker rests a short
    opened = ok(await signer.post(SUBMIT, order(1, 10, "60010")))  # crosses: fills at the maker's 60000
    detail = ok(await signer.get("/contract/private/order", {"symbol": BTC, "order_id": str(opened["order_id"])}))
    assert (detail["state"], detail["deal_size"], detail["deal_avg_price"], detail["leverage"]) == (4, "10", "60000", "10")

    rows = ok(await signer.get("/contract/private/position-v2", {"symbol": BTC}))
    long_ = next(r for r in rows if r["position_side"] == "long")
    assert (long_["current_amount"], long_["entry_price"], long_["open_type"], long_["leverage"]) == (
        "10", "60000", "cross", "10")
    assert (long_["position_value"], long_["initial_margin"]) == ("600", "60")
    mark = Decimal(long_["mark_price"])
    assert Decimal(long_["unrealized_pnl"]) == (mark - 60000) * Decimal("0.01")

    ok(await as_other(signer, maker, SUBMIT, order(2, 10, "60500")))  # the maker bids to close its short
    ok(await signer.post(SUBMIT, order(3, 10, "60400")))  # sell_close_long hits it at 60500
    rows = ok(await signer.get("/contract/private/position-v2", {"symbol": BTC}))
    assert {r["current_amount"] for r in rows} == {"0"}
    assert ok(await signer.get("/contract/private/position-v2")) == []

    fills = ok(await signer.get("/contract/private/trades", {"symbol": BTC}))
    for f in fills:
        like(f, payload("rest_private/trades_doc.json"))
    assert [(f["side"], f["price"], f["vol"], f["exec_type"], f["profit"], f["realised_profit"], f["paid_fees"])
            for f in fills] == [(3, "60500", "10", "Taker", True, "5", "0.363"),
                                (1, "60000", "10", "Taker", False, "0", "0.36")]
    maker_fills = ok(await as_other_get(signer, maker, "/contract/private/trades", {"symbol": BTC}))
    assert [(f["exec_type"], f["paid_fees"], f["realised_profit"]) for f in maker_fills] == [
        ("Maker", "0.121", "-5"), ("Maker", "0.12", "0")]

    ledger = ok(await signer.get("/contract/private/transaction-history", {"symbol": BTC}))
    for row in ledger:
        like(row, payload("rest_private/transaction_history_live_ccxt_2024-12_funding.json"), extra=["account"])
    assert [(r["type"], r["flow_type"], r["amount"]) for r in ledger] == [
        ("Commission Fee", 4, "-0.363"), ("Realized PNL", 2, "5"), ("Commission Fee", 4, "-0.36")]
    pnl_only = ok(await signer.get("/contract/private/transaction-history", {"flow_type": "2"}))
    assert [r["amount"] for r in pnl_only] == ["5"]

    hist = ok(await signer.get("/contract/private/order-history", {"symbol": BTC}))
    assert [(h["side"], h["state"], h["deal_size"]) for h in hist] == [(3, 4, "10"), (1, 4, "10")]
    like(hist[0], payload("rest_private/order_history_live_ccxt_comment_2023-10_liquidation.json"),
         extra=detail.keys())
    usdt = ok(await signer.get("/contract/private/assets-detail"))[0]
    assert (usdt["available_balance"], usdt["equity"], usdt["position_deposit"], usdt["frozen_balance"]) == (
        "1000004.277", "1000004.277", "0", "0")


async def as_other_get(signer: Signer, cred: object, path: str, params: dict[str, str]) -> tuple[int, dict, object]:
    return await signer.get(path, params, key=cred.api_key)  # type: ignore[attr-defined]


async def test_funding_shows_in_transaction_history(sandbox: Sandbox, signer: Signer) -> None:
    maker = second_account(sandbox)
    ok(await as_other(signer, maker, SUBMIT, order(4, 10, "60000")))
    ok(await signer.post(SUBMIT, order(1, 10, "60000")))
    venue = sandbox.state.futures
    venue.marks.pin(BTC, mark=Decimal(60000))
    venue.set_funding_rate(BTC, Decimal("0.0001"))
    venue.settle_funding(sandbox.state.now_ms(), BTC, force=True)
    rows = ok(await signer.get("/contract/private/transaction-history", {"symbol": BTC, "flow_type": "3"}))
    assert [(r["type"], r["amount"], r["asset"]) for r in rows] == [("Funding Fee", "-0.06", "USDT")]
    assert rows[0]["time"].isdigit() and isinstance(rows[0]["tran_id"], str)
    got = ok(await as_other_get(signer, maker, "/contract/private/transaction-history", {"flow_type": "3"}))
    assert [r["amount"] for r in got] == ["0.06"]


async def test_history_windows_use_each_endpoint_unit(sandbox: Sandbox, signer: Signer) -> None:
    maker = second_account(sandbox)
    ok(await as_other(signer, maker, SUBMIT, order(4, 1, "60000")))
    ok(await signer.post(SUBMIT, order(1, 1, "60000")))
    now_ms = sandbox.state.now_ms()
    s, ms = str(now_ms // 1000 - 60), str(now_ms - 60_000)
    assert len(ok(await signer.get("/contract/private/trades", {"start_time": s}))) == 1
    assert ok(await signer.get("/contract/private/trades", {"start_time": ms})) == []  # ms read as seconds
    assert len(ok(await signer.get("/contract/private/order-history", {"symbol": BTC, "start_time": s}))) == 1
    assert len(ok(await signer.get("/contract/private/transaction-history", {"start_time": ms}))) == 1
    old = str(now_ms - 8 * 86_400_000)
    assert ok(await signer.get("/contract/private/transaction-history", {"start_time": old, "end_time": old})) == []
    far = str(now_ms // 1000 - 100 * 86400)
    st, _, body = await signer.get("/contract/private/trades", {"start_time": far})
    assert (st, body["code"], body["message"]) == (400, 40039, "The timestamp is invalid")


async def test_lenient_time_units_take_milliseconds_on_seconds_endpoints() -> None:
    async with Sandbox(make_config(lenient_time_units=True)) as sb, aiohttp.ClientSession() as http:
        signer = Signer(sb, http)
        maker = second_account(sb)
        ok(await as_other(signer, maker, SUBMIT, order(4, 1, "60000")))
        ok(await signer.post(SUBMIT, order(1, 1, "60000")))
        since = str(sb.state.now_ms() - 60_000)
        assert len(ok(await signer.get("/contract/private/trades", {"start_time": since}))) == 1


async def test_the_server_clock_settles_funding_refreshes_marks_and_stops() -> None:
    cfg = make_config(futures=FuturesConfig(funding_interval_s=1, fixed_funding_rate=Decimal("0.0001")),
                      futures_tick_s=0.05)
    sb = Sandbox(cfg)
    await sb.start()
    try:
        async with aiohttp.ClientSession() as http:
            signer = Signer(sb, http)
            ok(await as_other(signer, second_account(sb), SUBMIT, order(4, 10, "60000")))
            ok(await signer.post(SUBMIT, order(1, 10, "60000")))
            rows: list = []
            for _ in range(200):  # settlements every second; wait for the first (at most 10 s)
                rows = ok(await signer.get("/contract/private/transaction-history", {"flow_type": "3"}))
                if rows:
                    break
                await asyncio.sleep(0.05)
            assert rows and rows[0]["type"] == "Funding Fee" and rows[0]["amount"].startswith("-")
            now_s = sb.state.now_ms() // 1000
            async with http.get(sb.rest_url + "/contract/public/markprice-kline", params={
                    "symbol": BTC, "step": "1", "start_time": str(now_s - 60), "end_time": str(now_s)}) as r:
                assert (await r.json())["data"]
        tasks = list(sb._tasks)
    finally:
        await sb.stop()
    assert tasks and all(t.done() for t in tasks)
