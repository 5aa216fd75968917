"""Private futures streams end to end over real sockets against the real sandbox: `access` login, every entry
of futures/order pushes as FuturesOrder events with fills (fee sign made right), position rows and USDT
balances in base units, `Reconnected` after a dropped socket with events flowing again, bad keys refused."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from pydantic import SecretStr

from host_spec import AuthError, BalanceEvent, OrderState, PositionAction, PositionSide, Side
from bitmart_plugin.perp.parse_account import PositionUpdate
from bitmart_plugin.perp.parse_orders import FuturesOrder
from bitmart_plugin.perp.streams import PerpStreams, Reconnected
from bitmart_plugin.perp.symbols import Contracts
from tests.connector.perp_ws_fixture import BTC, FAST, SYM, futures_sandbox, next_item

pytestmark = pytest.mark.e2e
TAKER_FEE = Decimal("0.0006")  # the sandbox's futures taker rate (FuturesConfig.taker_fee)


def streams_for(sb: Any, contracts: Contracts, secret: str | None = None) -> PerpStreams:
    c = sb.credentials
    return PerpStreams(sb.futures_ws_public_url, sb.futures_ws_private_url, contracts=lambda: contracts,
                       api_key=SecretStr(c.api_key), secret_key=SecretStr(secret or c.secret_key), memo=SecretStr(c.memo),
                       ping_interval=0.5, pong_timeout=1.0, **FAST)


def ours(oid: str) -> Any:
    return lambda ev: isinstance(ev, FuturesOrder) and ev.order_id == oid


async def test_order_fill_position_and_balance_events() -> None:
    async with futures_sandbox() as (sb, contracts):
        venue, contract, me = sb.state.futures, contracts.by_symbol(SYM), sb.credentials.account_id
        streams = streams_for(sb, contracts)
        events = streams.private_events()
        try:
            first = await next_item(events)  # futures/asset:USDT answers its subscription: every topic is on
            assert first == BalanceEvent("USDT", Decimal(1_000_000), Decimal(0), first.timestamp_ms)
            px = venue.marks.index[SYM].quantize(Decimal(1))
            venue.submit_order("maker", SYM, 4, 3, price=str(px))
            o = venue.submit_order(me, SYM, 1, 3, price=str(px), client_order_id="abc1")
            submitted = await next_item(events, ours(o.order_id))
            assert (submitted.action, submitted.state, submitted.fill) == (2, OrderState.OPEN, None)
            assert (submitted.client_order_id, submitted.side, submitted.position_action) == ("abc1", Side.BUY, PositionAction.OPEN)
            assert submitted.amount == contract.to_base(3) == Decimal("0.003")
            filled = await next_item(events, ours(o.order_id))
            assert (filled.action, filled.state, filled.filled_amount) == (1, OrderState.FILLED, contract.to_base(3))
            fill = filled.fill
            assert fill is not None and (fill.price, fill.amount, fill.side, fill.is_maker) == (px, contract.to_base(3), Side.BUY, False)
            assert fill.fee == contract.to_base(3) * px * TAKER_FEE > 0  # the push says -fee: a charge is positive here
            assert fill.client_order_id == "abc1" and fill.exchange_order_id == o.order_id and fill.fee_asset == "USDT"
            position = await next_item(events, lambda ev: isinstance(ev, PositionUpdate))
            assert (position.pair, position.side, position.amount, position.entry_price) == \
                (BTC, PositionSide.LONG, contract.to_base(3), px)
            balance = await next_item(events, lambda ev: isinstance(ev, BalanceEvent))
            view = venue.account(me)
            assert (balance.available, balance.frozen) == (view.available_balance,
                                                           view.position_deposit + view.frozen_balance)
        finally:
            await streams.close()


async def test_every_entry_of_a_batched_push() -> None:
    """With batched pushes (one message, several entries; Hummingbot reads only data[0]) every entry is an event,
    including the live state-1 form of a market order."""
    async with futures_sandbox(ws={"batch_order_events": True, "emit_approval_state": True}) as (sb, contracts):
        venue, contract, me = sb.state.futures, contracts.by_symbol(SYM), sb.credentials.account_id
        streams = streams_for(sb, contracts)
        events = streams.private_events()
        try:
            await next_item(events, lambda ev: isinstance(ev, BalanceEvent))
            px = venue.marks.index[SYM].quantize(Decimal(1))
            venue.submit_order("maker", SYM, 4, 1, price=str(px))
            venue.submit_order("maker", SYM, 4, 1, price=str(px + 10))
            o = venue.submit_order(me, SYM, 1, 2, type="market")
            got = [await next_item(events, ours(o.order_id)) for _ in range(3)]
            assert [(e.action, e.venue_state, e.state) for e in got] == [
                (2, 1, OrderState.OPEN), (1, 2, OrderState.PARTIALLY_FILLED), (1, 4, OrderState.FILLED)]
            fills = [e.fill for e in got[1:]]
            assert [(f.price, f.amount) for f in fills if f] == [(px, contract.to_base(1)), (px + 10, contract.to_base(1))]
            assert len({f.trade_id for f in fills if f}) == 2
        finally:
            await streams.close()


async def test_reconnect_yields_marker_and_events_flow_again() -> None:
    async with futures_sandbox() as (sb, contracts):
        venue, me = sb.state.futures, sb.credentials.account_id
        streams = streams_for(sb, contracts)
        events = streams.private_events()
        try:
            await next_item(events, lambda ev: isinstance(ev, BalanceEvent))
            sb.state.faults.set("drop_ws", "private")
            marker = await next_item(events, lambda ev: isinstance(ev, Reconnected))
            assert marker == Reconnected(2)
            await next_item(events, lambda ev: isinstance(ev, BalanceEvent))  # logged in and subscribed again
            px = venue.marks.index[SYM].quantize(Decimal(1))
            o = venue.submit_order(me, SYM, 1, 1, price=str(px - 100))
            after = await next_item(events, ours(o.order_id))
            assert after.state is OrderState.OPEN and after.price == px - 100
        finally:
            await streams.close()


async def test_bad_secret_fails_the_consumer_with_auth_error() -> None:
    async with futures_sandbox() as (sb, contracts):
        streams = streams_for(sb, contracts, secret="0" * 32)
        try:
            with pytest.raises(AuthError, match="MEMO"):
                await next_item(streams.private_events())
            assert streams.private is not None and not streams.private.pool.connections  # the socket is given up
        finally:
            await streams.close()


def test_private_events_need_credentials() -> None:
    streams = PerpStreams("ws://127.0.0.1:9/futures/api", "ws://127.0.0.1:9/futures/user", contracts=Contracts)
    with pytest.raises(AuthError, match="BITMART_MEMO"):
        streams.private_events()
