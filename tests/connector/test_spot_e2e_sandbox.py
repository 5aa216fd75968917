"""End-to-end: the real session against the real sandbox over loopback sockets."""

from __future__ import annotations

import asyncio
from decimal import Decimal as D

import pytest

from host_spec import (
    AuthError, InsufficientBalance, InvalidOrder, OrderEventKind as K, OrderRequest, OrderState, OrderType,
    PostOnlyRejected, SessionConfig, Side,
)
from pydantic import SecretStr

from bitmart_plugin.spot.connector import BitmartSpotSession

from .conftest import BTC_USDT

pytestmark = pytest.mark.e2e


def best(venue) -> tuple[D, D]:
    bids, asks = venue.sandbox.exchange.depth("BTC_USDT", 1)
    return bids[0][0], asks[0][0]


async def collect(session, into: list) -> None:
    async for ev in session.user_stream():
        into.append(ev)


async def settle(events: list, pred, timeout: float = 5.0) -> None:
    for _ in range(int(timeout / 0.02)):
        if pred(events):
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out; events: {[getattr(e, 'kind', e) for e in events]}")


def kinds(events: list, cid: str) -> list[K]:
    return [e.kind for e in events if getattr(e, "order", None) is not None and e.order.client_order_id == cid]


async def test_rules_balances_fees(session) -> None:
    await session.check_credentials()
    rules = await session.trading_rules()
    assert rules[BTC_USDT].price_increment == D("0.01") and rules[BTC_USDT].min_notional_buy > 0
    bal = await session.balances()
    assert bal["USDT"].available > 0
    fees = await session.fee_rates(BTC_USDT)
    assert fees.maker >= 0 and fees.taker >= fees.maker


async def test_limit_place_query_cancel(session, venue) -> None:
    events: list = []
    task = asyncio.create_task(collect(session, events))
    await asyncio.sleep(0.3)
    bid, _ = best(venue)
    order = await session.place_order(OrderRequest(BTC_USDT, Side.BUY, OrderType.LIMIT, D("0.001"), bid - 100))
    assert order.state is OrderState.OPEN
    truth = {o.client_order_id: o for o in venue.sandbox.exchange.all_orders()}
    assert truth[order.client_order_id].state == "new"
    assert [o.client_order_id for o in await session.open_orders(BTC_USDT)] == [order.client_order_id]
    done = await session.cancel_order(BTC_USDT, order.client_order_id)
    assert done.state is OrderState.CANCELED
    await settle(events, lambda ev: K.CANCELED in kinds(ev, order.client_order_id))
    assert kinds(events, order.client_order_id) == [K.CREATED, K.CANCELED]
    task.cancel()


async def test_fills_against_a_second_account(session, venue) -> None:
    sb = venue.sandbox
    cred = sb.add_account("k2" * 20, "s2" * 32, "memo2", {"USDT": "100000", "BTC": "10"})
    other = BitmartSpotSession.from_config(SessionConfig("bitmart", {
        "api_key": SecretStr(cred.api_key), "secret_key": SecretStr(cred.secret_key), "memo": SecretStr(cred.memo)},
        venue.options))
    events: list = []
    task = asyncio.create_task(collect(session, events))
    await asyncio.sleep(0.3)
    bid, ask = best(venue)
    price = ask - D("0.01")  # inside the spread: rests as maker
    mine = await session.place_order(OrderRequest(BTC_USDT, Side.SELL, OrderType.LIMIT_MAKER, D("0.01"), price))
    assert mine.state is OrderState.OPEN
    await other.place_order(OrderRequest(BTC_USDT, Side.BUY, OrderType.LIMIT, D("0.004"), price))
    await settle(events, lambda ev: K.PARTIALLY_FILLED in kinds(ev, mine.client_order_id))
    await other.place_order(OrderRequest(BTC_USDT, Side.BUY, OrderType.LIMIT, D("0.006"), price))
    await settle(events, lambda ev: K.FILLED in kinds(ev, mine.client_order_id))
    assert kinds(events, mine.client_order_id) == [K.CREATED, K.PARTIALLY_FILLED, K.FILLED]
    fills = [e.fill for e in events if getattr(e, "fill", None) and e.fill.client_order_id == mine.client_order_id]
    assert [f.amount for f in fills] == [D("0.004"), D("0.006")] and all(f.is_maker for f in fills)
    rest_fills = await session.fills(BTC_USDT, None)
    assert {f.trade_id for f in rest_fills} == {f.trade_id for f in fills}
    final = await session.query_order(BTC_USDT, mine.client_order_id)
    assert final.state is OrderState.FILLED and final.filled_amount == D("0.01")
    task.cancel()
    await other.close()


async def test_post_only_accept_then_cancel(session, venue) -> None:
    _, ask = best(venue)
    with pytest.raises(PostOnlyRejected):
        await session.place_order(OrderRequest(BTC_USDT, Side.BUY, OrderType.LIMIT_MAKER, D("0.001"), ask + 1))
    assert session.tracker.orders()[0].state is OrderState.FAILED


async def test_post_only_reject_switch() -> None:
    from bitmart_plugin.venue import start_local_venue

    v = await start_local_venue({"seed": 3, "pairs": 3, "post_only_reject": True})
    s = BitmartSpotSession.from_config(SessionConfig("bitmart", v.credentials, v.options))
    try:
        _, ask = best(v)
        with pytest.raises(PostOnlyRejected) as e:
            await s.place_order(OrderRequest(BTC_USDT, Side.BUY, OrderType.LIMIT_MAKER, D("0.001"), ask + 1))
        assert e.value.code == 50034
    finally:
        await s.close()
        await v.close()


async def test_wrong_memo_is_an_auth_error_that_says_memo(venue) -> None:
    creds = {**venue.credentials, "memo": SecretStr("not-the-memo")}
    s = BitmartSpotSession.from_config(SessionConfig("bitmart", creds, venue.options))
    try:
        with pytest.raises(AuthError) as e:
            await s.check_credentials()
        assert "memo" in str(e.value).lower() and e.value.code == 30005
        assert "not-the-memo" not in str(e.value) and venue.credentials["secret_key"].get_secret_value() not in str(e.value)
    finally:
        await s.close()


async def test_off_tick_price_is_refused_before_any_request(session) -> None:
    await session.trading_rules()
    sent = list(session.rest.calls)
    with pytest.raises(InvalidOrder) as e:
        await session.place_order(OrderRequest(BTC_USDT, Side.BUY, OrderType.LIMIT, D("0.001"), D("30000.005")))
    assert e.value.rule == "price_increment" and "nearest valid: 30000.00 or 30000.01" in str(e.value)
    assert session.rest.calls == sent


async def test_insufficient_balance(session, venue) -> None:
    bid, _ = best(venue)
    with pytest.raises(InsufficientBalance) as e:
        await session.place_order(OrderRequest(BTC_USDT, Side.BUY, OrderType.LIMIT, D("1000"), bid - 100))
    assert e.value.code == 50020 and "bitmart" in str(e.value)


async def test_market_buy_by_notional_and_cancel_all(session, venue) -> None:
    order = await session.place_order(OrderRequest(BTC_USDT, Side.BUY, OrderType.MARKET, quote_amount=D("50")))
    final = await session.query_order(BTC_USDT, order.client_order_id)
    assert final.state is OrderState.FILLED and final.filled_quote <= D(50)
    bid, _ = best(venue)
    for i in range(3):
        await session.place_order(OrderRequest(BTC_USDT, Side.BUY, OrderType.LIMIT, D("0.001"), bid - 10 - i))
    touched = await session.cancel_all_orders(BTC_USDT)
    assert len(touched) == 3 and all(o.state is OrderState.CANCELED for o in touched)
    assert await session.open_orders(None) == []


async def test_429_retries_reads_but_not_order_entry(session, venue) -> None:
    from host_spec import RateLimited

    faults = venue.sandbox.state.faults
    faults.set("burst_429", 1)
    assert (await session.balances())["USDT"].available > 0  # read: backed off and retried
    await session.trading_rules()
    bid, _ = best(venue)
    faults.set("burst_429", 1)
    with pytest.raises(RateLimited) as e:
        await session.place_order(OrderRequest(BTC_USDT, Side.BUY, OrderType.LIMIT, D("0.001"), bid - 100))
    assert e.value.code == 30013 and not e.value.banned
    assert [o.client_order_id for o in venue.sandbox.exchange.all_orders() if o.account_id == "default"] == []
