"""ccxt 4.5.70 swap REST defects (bitmart_futures.md §7.2), each shown twice against the sandbox:
a STRICT xfail asserting what a correct client reports (it fails because of ccxt's parser, and would
turn into an error the day ccxt fixes it), and a test of the raw endpoint, through ccxt's own signed
implicit API, proving the venue sends the right facts."""
from __future__ import annotations

from typing import Any

import ccxt.async_support as ccxt_async
import pytest

from bitmart_plugin.sandbox.server import Sandbox

from .compat_futures import BTC, MARK, SYM, held, me, order_of, quote, venue
from .compat_futures import fast_rest, sb  # noqa: F401  (pytest fixtures)

pytestmark = pytest.mark.e2e


def ccxt_bug(reason: str) -> Any:
    return pytest.mark.xfail(strict=True, raises=AssertionError, reason=f"ccxt 4.5.70: {reason}")


async def long_3(sb: Sandbox, ex: ccxt_async.bitmart) -> dict[str, Any]:
    """The maker quotes 59900 / 60100 (10 each); open a 3-contract long at the ask."""
    quote(sb)
    return await ex.create_order(SYM, "market", "buy", 3)


# -- positions: v2 rows parsed with v1 field names (§7.2-1, C11) --------------------------------------
@ccxt_bug("fetch_positions reads v1 position_type from position-v2 rows, so every position is short")
async def test_fetch_positions_side(sb: Sandbox, fast_rest: ccxt_async.bitmart) -> None:
    await long_3(sb, fast_rest)
    positions = [p for p in await fast_rest.fetch_positions([SYM]) if p["contracts"]]
    assert [(p["side"], p["contracts"]) for p in positions] == [("long", 3)]


async def test_raw_position_v2_has_side_pnl_and_liquidation(sb: Sandbox, fast_rest: ccxt_async.bitmart) -> None:
    await long_3(sb, fast_rest)
    rows = (await fast_rest.private_get_contract_private_position_v2({"symbol": BTC}))["data"]
    assert sorted(r["position_side"] for r in rows) == ["long", "short"]  # hedge mode: both sides, flat ones too
    row = next(r for r in rows if r["position_side"] == "long")
    [p] = held(sb)
    assert (p.direction, row["current_amount"], row["position_amount"], row["open_type"]) == ("long", "3", "3", "cross")
    assert float(row["unrealized_pnl"]) == float(p.unrealized(MARK)) == 3 * 0.001 * (60000 - 60100)
    assert float(row["liquidation_price"]) == float(venue(sb).liquidation_price(p))
    assert float(row["mark_price"]) == float(MARK)


# -- order status: state 4 is "closed" even for a cancelled order (§7.2-3) --------------------------
@ccxt_bug("swap state 4 maps to 'closed' although the order was cancelled unfilled")
async def test_cancelled_order_status(sb: Sandbox, fast_rest: ccxt_async.bitmart) -> None:
    o = await fast_rest.create_order(SYM, "limit", "buy", 2, 59000)
    await fast_rest.cancel_order(o["id"], SYM)
    assert (await fast_rest.fetch_order(o["id"], SYM))["status"] == "canceled"


async def test_raw_cancelled_order_is_final_and_unfilled(sb: Sandbox, fast_rest: ccxt_async.bitmart) -> None:
    o = await fast_rest.create_order(SYM, "limit", "buy", 2, 59000)
    await fast_rest.cancel_order(o["id"], SYM)
    row = (await fast_rest.private_get_contract_private_order({"symbol": BTC, "order_id": o["id"]}))["data"]
    assert (row["state"], row["deal_size"], row["size"]) == (4, "0", "2")  # finished with nothing filled
    assert order_of(sb, o["id"]).state == "canceled"


# -- reduce-only is not parsed from close sides 2/3 (§7.2-3) ----------------------------------------
@ccxt_bug("reduceOnly is not derived from the close sides 2 and 3")
async def test_reduce_only_order_flag(sb: Sandbox, fast_rest: ccxt_async.bitmart) -> None:
    await long_3(sb, fast_rest)
    o = await fast_rest.create_order(SYM, "limit", "sell", 1, 61000, {"reduceOnly": True})
    assert (await fast_rest.fetch_order(o["id"], SYM))["reduceOnly"] is True


async def test_raw_reduce_only_order_is_side_3(sb: Sandbox, fast_rest: ccxt_async.bitmart) -> None:
    await long_3(sb, fast_rest)
    o = await fast_rest.create_order(SYM, "limit", "sell", 1, 61000, {"reduceOnly": True})
    row = (await fast_rest.private_get_contract_private_order({"symbol": BTC, "order_id": o["id"]}))["data"]
    assert row["side"] == 3 == order_of(sb, o["id"]).side_code  # sell_close_long


# -- `since` in ms sent to endpoints that take seconds (§7.2-4) -------------------------------------
@ccxt_bug("since (ms) is sent as start_time to an endpoint that takes seconds, so nothing is found")
@pytest.mark.parametrize("method", ["fetch_my_trades", "fetch_closed_orders"])
async def test_history_since(sb: Sandbox, fast_rest: ccxt_async.bitmart, method: str) -> None:
    o = await long_3(sb, fast_rest)
    since = order_of(sb, o["id"]).create_time_ms - 60_000
    assert o["id"] in [x.get("order") or x["id"] for x in await getattr(fast_rest, method)(SYM, since)]


async def test_raw_history_windows_take_seconds(sb: Sandbox, fast_rest: ccxt_async.bitmart) -> None:
    o = await long_3(sb, fast_rest)
    start_s = order_of(sb, o["id"]).create_time_ms // 1000 - 60
    trades = (await fast_rest.private_get_contract_private_trades({"symbol": BTC, "start_time": start_s}))["data"]
    assert [t["order_id"] for t in trades] == [o["id"]]
    hist = (await fast_rest.private_get_contract_private_order_history({"symbol": BTC, "start_time": start_s}))["data"]
    assert [h["order_id"] for h in hist] == [o["id"]]


# -- fee currency falls back to the base coin for buys (§7.2-5) -------------------------------------
@ccxt_bug("fetch_my_trades gives swap buy fees in the base coin; futures fees are USDT")
async def test_trade_fee_currency(sb: Sandbox, fast_rest: ccxt_async.bitmart) -> None:
    await long_3(sb, fast_rest)
    assert [t["fee"]["currency"] for t in await fast_rest.fetch_my_trades(SYM)] == ["USDT"]


async def test_raw_fees_are_usdt(sb: Sandbox, fast_rest: ccxt_async.bitmart) -> None:
    await long_3(sb, fast_rest)
    [fill] = venue(sb).fills_of(me(sb), BTC)
    [row] = (await fast_rest.private_get_contract_private_trades({"symbol": BTC}))["data"]
    assert float(row["paid_fees"]) == float(fill.fee) == 0.0006 * 3 * 0.001 * 60100
    ledger = (await fast_rest.private_get_contract_private_transaction_history({"flow_type": "4"}))["data"]
    assert [(r["asset"], float(r["amount"])) for r in ledger] == [("USDT", -float(fill.fee))]


# -- balance total = available + frozen, dropping margin and PnL (§7.2-6) ---------------------------
@ccxt_bug("fetch_balance(type swap) total is available + frozen, without position margin or PnL")
async def test_balance_total_is_equity(sb: Sandbox, fast_rest: ccxt_async.bitmart) -> None:
    await long_3(sb, fast_rest)
    bal = await fast_rest.fetch_balance({"type": "swap"})
    assert bal["USDT"]["total"] == float(venue(sb).account(me(sb)).equity)


async def test_raw_assets_detail_has_equity(sb: Sandbox, fast_rest: ccxt_async.bitmart) -> None:
    await long_3(sb, fast_rest)
    usdt = (await fast_rest.private_get_contract_private_assets_detail())["data"][0]
    view = venue(sb).account(me(sb))
    assert usdt["currency"] == "USDT" and float(usdt["equity"]) == float(view.equity)
    assert float(usdt["position_deposit"]) == float(view.position_deposit) > 0
    assert float(usdt["unrealized"]) == float(view.unrealized) < 0


# -- ticker volume in contracts and change ratio as percent (§7.2-7) --------------------------------
@ccxt_bug("swap ticker baseVolume is volume_24h in contracts, not base coin")
async def test_ticker_base_volume(sb: Sandbox, fast_rest: ccxt_async.bitmart) -> None:
    await long_3(sb, fast_rest)
    assert (await fast_rest.fetch_ticker(SYM))["baseVolume"] == pytest.approx(0.003)


@ccxt_bug("swap ticker percentage is change_24h, a ratio, not per cent")
async def test_ticker_percentage(sb: Sandbox, fast_rest: ccxt_async.bitmart) -> None:
    await long_3(sb, fast_rest)
    await fast_rest.create_order(SYM, "market", "sell", 1, None, {"reduceOnly": True})  # 60100 then 59900
    assert (await fast_rest.fetch_ticker(SYM))["percentage"] == pytest.approx(-200 / 60100 * 100)


async def test_raw_details_volume_and_change(sb: Sandbox, fast_rest: ccxt_async.bitmart) -> None:
    await long_3(sb, fast_rest)
    await fast_rest.create_order(SYM, "market", "sell", 1, None, {"reduceOnly": True})
    [row] = (await fast_rest.public_get_contract_public_details({"symbol": BTC}))["data"]["symbols"]
    assert (row["volume_24h"], row["contract_size"], row["last_price"]) == ("4", "0.001", "59900")
    assert float(row["change_24h"]) == pytest.approx(-200 / 60100, abs=1e-6)  # a ratio

