"""Futures public REST on the sandbox's one port: every endpoint's shape against the captures, errors, limits."""
from __future__ import annotations

from decimal import Decimal

import aiohttp
import pytest

from bitmart_plugin.sandbox.server import Sandbox, run_sandbox_in_thread

from ..conftest import Signer, make_config
from .rest_helpers import BTC, as_other, err, like, ok, payload, public, second_account

pytestmark = pytest.mark.e2e


async def trade(sb: Sandbox, signer: Signer, price: str, size: int) -> None:
    """The default account buys ``size`` from a second account's resting sell at ``price``."""
    other = sb.state.keys.get("b" * 40) or second_account(sb)
    ok(await as_other(signer, other, "/contract/private/submit-order",
                      {"symbol": BTC, "side": 4, "type": "limit", "size": size, "price": price}))
    ok(await signer.post("/contract/private/submit-order",
                         {"symbol": BTC, "side": 1, "type": "limit", "size": size, "price": price}))


async def test_system_paths_are_shared_and_urls_are_published(sandbox: Sandbox, http: aiohttp.ClientSession) -> None:
    st, _, body = await public(http, sandbox, "/system/time")
    assert st == 200 and body["message"] == "OK" and isinstance(body["data"]["server_time"], int)
    st, _, body = await public(http, sandbox, "/system/service")
    assert "contract" in {s["service_type"] for s in body["data"]["service"]}
    port = sandbox.port
    assert sandbox.futures_rest_url == sandbox.rest_url
    assert sandbox.futures_ws_public_url == f"ws://127.0.0.1:{port}/futures/api?protocol=1.1"
    assert sandbox.futures_ws_private_url == f"ws://127.0.0.1:{port}/futures/user?protocol=1.1"
    import json
    line = json.loads(sandbox.ready_line())
    assert {line[k] for k in ("futures_rest_url", "futures_ws_public_url", "futures_ws_private_url")} == {
        sandbox.rest_url, sandbox.futures_ws_public_url, sandbox.futures_ws_private_url}


def test_thread_handle_exposes_the_futures_urls() -> None:
    with run_sandbox_in_thread(make_config()) as h:
        assert h.futures_rest_url == h.rest_url and h.futures_ws_private_url.endswith("/futures/user?protocol=1.1")


async def test_details_list_every_contract_with_the_2026_field_set(sandbox: Sandbox,
                                                                   http: aiohttp.ClientSession) -> None:
    ref = payload("rest_public/details_skills_2026-03_illustrative.json")["symbols"][0]
    rows = ok(await public(http, sandbox, "/contract/public/details"))["symbols"]
    assert len(rows) == 12 and rows[0]["symbol"] == BTC
    for row in rows:
        like(row, ref)
        assert list(row) == list(ref)  # the doc's order with funding_time before status
    btc = rows[0]
    assert (btc["contract_size"], btc["price_precision"], btc["vol_precision"]) == ("0.001", "0.1", "1")
    assert btc["status"] == "Trading" and btc["delist_time"] == 0 and btc["funding_interval_hours"] == 8
    assert btc["funding_time"] % (8 * 3_600_000) == 0 and btc["funding_time"] > sandbox.state.now_ms()
    spot_bids, spot_asks = sandbox.exchange.depth("BTC_USDT", 1)
    assert Decimal(btc["index_price"]) == ((spot_bids[0][0] + spot_asks[0][0]) / 2).quantize(Decimal("0.1"))
    delisted = [r for r in rows if r["status"] == "Delisted"]
    assert len(delisted) == 1 and delisted[0]["delist_time"] > 10**9
    one = ok(await public(http, sandbox, "/contract/public/details", symbol="LTCUSDT"))["symbols"]
    assert [r["symbol"] for r in one] == ["LTCUSDT"]
    assert ok(await public(http, sandbox, "/contract/public/details", symbol="NOPEUSDT")) == {"symbols": []}


async def test_trades_show_in_depth_market_trades_klines_details_and_open_interest(
        sandbox: Sandbox, signer: Signer, http: aiohttp.ClientSession) -> None:
    other = second_account(sandbox)
    for px, n in (("59990", 3), ("59980", 4)):
        ok(await as_other(signer, other, "/contract/private/submit-order",
                          {"symbol": BTC, "side": 1, "type": "limit", "size": n, "price": px}))
    await trade(sandbox, signer, "60010.5", 2)
    await trade(sandbox, signer, "60020", 5)
    book = ok(await public(http, sandbox, "/contract/public/depth", symbol=BTC))
    ref = payload("rest_public/depth_live_ccxt_2023-09.json")
    like(book, ref)
    assert book["bids"] == [["59990", "3", "3"], ["59980", "4", "7"]] and book["asks"] == []
    trades = ok(await public(http, sandbox, "/contract/public/market-trade", symbol=BTC, limit=1))
    like(trades[0], payload("rest_public/market_trade_doc.json"))
    assert len(trades) == 1 and trades[0]["price"] == "60020" and trades[0]["qty"] == "0.005"
    assert trades[0]["quote_qty"] == "300.1" and trades[0]["is_buyer_maker"] is False
    assert abs(trades[0]["time"] - sandbox.state.now_ms() // 1000) < 600
    now_s = sandbox.state.now_ms() // 1000
    bars = ok(await public(http, sandbox, "/contract/public/kline", symbol=BTC, step=1440,
                           start_time=now_s - 86400 * 2, end_time=now_s))
    like(bars[0], payload("rest_public/kline_hbtest_btcusdt_5m_2025-05.json"))
    assert (bars[-1]["open_price"], bars[-1]["high_price"], bars[-1]["close_price"], bars[-1]["volume"]) == (
        "60010.5", "60020", "60020", "7")
    assert bars[-1]["timestamp"] % 86400 == 0
    d = ok(await public(http, sandbox, "/contract/public/details", symbol=BTC))["symbols"][0]
    assert (d["last_price"], d["volume_24h"], d["turnover_24h"]) == ("60020", "7", "420.121")
    oi = ok(await public(http, sandbox, "/contract/public/open-interest", symbol=BTC))
    like(oi, payload("rest_public/open_interest_live_ccxt_2023-09.json"))
    assert oi["open_interest"] == "7" and d["open_interest"] == "7"


async def test_markprice_klines_come_from_the_mark_series(sandbox: Sandbox, http: aiohttp.ClientSession) -> None:
    sandbox.state.futures.tick()
    now_s = sandbox.state.now_ms() // 1000
    rows = ok(await public(http, sandbox, "/contract/public/markprice-kline", symbol=BTC, step=1,
                           start_time=now_s - 120, end_time=now_s + 60))
    assert rows and all(r["volume"] == "0" for r in rows)
    like(rows[-1], payload("rest_public/kline_hbtest_btcusdt_5m_2025-05.json"))
    assert Decimal(rows[-1]["close_price"]) == sandbox.state.futures.marks.mark[BTC]


async def test_funding_rate_history_and_brackets(sandbox: Sandbox, http: aiohttp.ClientSession) -> None:
    venue = sandbox.state.futures
    venue.set_funding_rate(BTC, Decimal("0.000091412174"))
    venue.settle_funding(sandbox.state.now_ms(), BTC, force=True)
    venue.set_funding_rate(BTC, Decimal("-0.0000238"))
    fr = ok(await public(http, sandbox, "/contract/public/funding-rate", symbol=BTC))
    like(fr, payload("rest_public/funding_rate_live_ccxt_2025-10.json"))
    assert (fr["rate_value"], fr["expected_rate"]) == ("0.000091412174", "-0.0000238")
    assert (fr["funding_upper_limit"], fr["funding_lower_limit"]) == ("0.0375", "-0.0375")
    hist = ok(await public(http, sandbox, "/contract/public/funding-rate-history", symbol=BTC))["list"]
    like(hist[0], payload("rest_public/funding_rate_history_live_ccxt_2024-12.json")["list"][0])
    assert hist[0]["funding_rate"] == "0.000091412174" and hist[0]["funding_time"].isdigit()
    br = ok(await public(http, sandbox, "/contract/public/leverage-bracket", symbol="LTCUSDT"))["rules"]
    ref = payload("rest_public/leverage_bracket_doc.json")["rules"][0]
    like(br[0], ref)
    like(br[0]["brackets"][0], ref["brackets"][0])
    assert br[0]["brackets"][0]["maint_margin_ratio"] == "0.025" and br[0]["brackets"][0]["initial_leverage"] == 50
    assert len(ok(await public(http, sandbox, "/contract/public/leverage-bracket"))["rules"]) == 12


@pytest.mark.parametrize("path,params,code", [
    ("/contract/public/depth", {"symbol": "NOPEUSDT"}, 40034),
    ("/contract/public/depth", {}, 40034),
    ("/contract/public/funding-rate", {"symbol": "btcusdt"}, 40034),
    ("/contract/public/kline", {"symbol": BTC, "step": 7, "start_time": 1, "end_time": 2}, 40038),
    ("/contract/public/kline", {"symbol": BTC, "step": 1, "start_time": 1}, 40011),
    ("/contract/public/kline", {"symbol": BTC, "step": 1, "start_time": 5, "end_time": 2}, 40039),
    ("/contract/public/market-trade", {"symbol": BTC, "limit": "x"}, 40011),
])
async def test_public_errors(sandbox: Sandbox, http: aiohttp.ClientSession, path: str, params: dict,
                             code: int) -> None:
    err(await public(http, sandbox, path, **params), code)


async def test_unserved_futures_paths_are_not_found(sandbox: Sandbox, http: aiohttp.ClientSession) -> None:
    for path in ("/contract/private/submit-plan-order", "/contract/private/submit-tp-sl-order",
                 "/contract/public/funding-rate-v2"):
        st, _, body = await public(http, sandbox, path)
        assert (st, body["code"], body["message"]) == (404, 30000, "Not found")


async def test_public_limits_are_per_ip_per_endpoint() -> None:
    async with Sandbox(make_config(rate_limits=True, rate_limit_scale=0.5)) as sb, aiohttp.ClientSession() as http:
        st, h, _ = await public(http, sb, "/contract/public/depth", symbol=BTC)
        assert st == 200 and (h["X-BM-RateLimit-Limit"], h["X-BM-RateLimit-Mode"]) == ("6", "IP")
        assert (await public(http, sb, "/contract/public/open-interest", symbol=BTC))[0] == 200
        st, h, body = await public(http, sb, "/contract/public/open-interest", symbol=BTC)
        assert (st, body["code"], h["X-BM-RateLimit-Limit"]) == (429, 30013, "1")


async def test_futures_agents_keep_the_books_two_sided_and_trade(http: aiohttp.ClientSession) -> None:
    async with Sandbox(make_config(futures_agents=True)) as sb:
        book = ok(await public(http, sb, "/contract/public/depth", symbol=BTC))
        assert book["bids"] and book["asks"] and Decimal(book["bids"][0][0]) < Decimal(book["asks"][0][0])
        assert sb.futures_agents is not None
        sb.futures_agents.step(200)
        assert ok(await public(http, sb, "/contract/public/market-trade", symbol=BTC, limit=100))
        assert ok(await public(http, sb, "/contract/public/open-interest", symbol=BTC))["open_interest"] != "0"
