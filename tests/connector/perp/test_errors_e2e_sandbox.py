"""Refusals of `bitmart_perpetual` over real sockets: each is a host error that says what to change, the order
(if any) is FAILED and never reached the venue's books, and what can be checked locally is never sent.
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from pydantic import SecretStr

from host_spec import (
    AuthError, InsufficientBalance, InvalidOrder, InvalidPair, MarginMode, OrderRejected, OrderRequest, OrderState, OrderType,
    PositionAction, PositionMode, PostOnlyRejected, SessionConfig, Side, TradingPair,
)

from bitmart_plugin.perp.connector import BitmartPerpSession

from .e2e import BTC, account_id, filled, fut_venue, futures, market, perp, true_positions

pytestmark = pytest.mark.e2e
__all__ = ["fut_venue", "perp"]  # fixtures
OPEN, CLOSE = PositionAction.OPEN, PositionAction.CLOSE


def venue_orders(venue) -> list:
    return futures(venue).orders_of(account_id(venue))


async def test_reduce_only_without_a_position_is_refused_saying_so(perp, fut_venue) -> None:
    await perp.set_position_mode(PositionMode.ONE_WAY)
    with pytest.raises(OrderRejected, match="no position to close") as info:
        await perp.place_order(market(Side.SELL, "0.010", reduce_only=True))
    assert info.value.code == 40021
    [order] = perp.tracker.orders()
    assert order.state is OrderState.FAILED and venue_orders(fut_venue) == []


async def test_closing_more_than_held_says_lower_the_size(perp, fut_venue) -> None:
    await perp.set_position_mode(PositionMode.HEDGE)
    await filled(perp, market(Side.BUY, "0.010", OPEN))
    with pytest.raises(OrderRejected, match="lower the size") as info:
        await perp.place_order(market(Side.SELL, "0.020", CLOSE))
    assert info.value.code == 40020
    assert {(side, amount) for side, amount, *_ in true_positions(fut_venue)} == {("LONG", D("0.010"))}


async def test_post_only_that_would_cross_is_rejected_and_one_that_rests_is_open(perp, fut_venue) -> None:
    await perp.set_position_mode(PositionMode.HEDGE)
    bids, asks = futures(fut_venue).depth("BTCUSDT", 1)
    with pytest.raises(PostOnlyRejected, match="would have crossed"):
        await perp.place_order(OrderRequest(BTC, Side.BUY, OrderType.LIMIT_MAKER, D("0.010"), asks[0][0],
                                            position_action=OPEN))
    resting = await perp.place_order(OrderRequest(BTC, Side.BUY, OrderType.LIMIT_MAKER, D("0.010"),
                                                  bids[0][0] - 100, position_action=OPEN))
    assert resting.state is OrderState.OPEN
    assert [o.client_order_id for o in await perp.open_orders(BTC)] == [resting.client_order_id]
    assert [o.client_order_id for o in futures(fut_venue).engine.open_orders(account_id(fut_venue))] == \
        [resting.client_order_id]


async def test_leverage_out_of_range_is_refused_before_sending(perp) -> None:
    rules = await perp.trading_rules()
    top = rules[BTC].max_leverage
    with pytest.raises(InvalidOrder, match="maximum") as info:
        await perp.set_leverage(BTC, top + 1, MarginMode.CROSS)
    assert info.value.rule == "max_leverage"
    with pytest.raises(InvalidOrder, match="whole number") as info:
        await perp.set_leverage(BTC, D("2.5"), MarginMode.CROSS)
    assert info.value.rule == "leverage"
    assert "/contract/private/submit-leverage" not in perp.rest.calls


async def test_insufficient_margin_says_transfer_or_lower_the_size(perp, fut_venue) -> None:
    await perp.set_position_mode(PositionMode.HEDGE)
    await perp.set_leverage(BTC, D(1), MarginMode.CROSS)
    with pytest.raises(InsufficientBalance, match="transfer USDT to the futures account, lower the size") as info:
        await perp.place_order(OrderRequest(BTC, Side.BUY, OrderType.LIMIT, D("20"), D("60000"), position_action=OPEN))
    assert info.value.code == 40012
    assert venue_orders(fut_venue) == [] and perp.tracker.orders()[0].state is OrderState.FAILED


async def test_margin_mode_change_under_a_position_and_mode_switch_say_what_to_close(perp, fut_venue) -> None:
    await perp.set_position_mode(PositionMode.HEDGE)
    await filled(perp, market(Side.BUY, "0.010", OPEN))
    with pytest.raises(InvalidOrder, match="use the position's margin mode or close it first") as info:
        await perp.set_leverage(BTC, D(10), MarginMode.ISOLATED)
    assert info.value.rule == "margin_mode"
    with pytest.raises(OrderRejected, match="close every position and cancel every order first") as mode:
        await perp.set_position_mode(PositionMode.ONE_WAY)
    assert mode.value.code == 40059
    assert await perp.position_mode() is PositionMode.HEDGE
    assert await perp.set_position_mode(PositionMode.HEDGE) is PositionMode.HEDGE  # the mode in force: no request


async def test_amounts_between_contracts_and_bad_pairs_are_refused_before_sending(perp) -> None:
    await perp.set_position_mode(PositionMode.HEDGE)
    with pytest.raises(InvalidOrder, match="nearest valid: 0.001 or 0.002"):
        await perp.place_order(OrderRequest(BTC, Side.BUY, OrderType.LIMIT, D("0.0015"), D("50000"),
                                            position_action=OPEN))
    with pytest.raises(InvalidOrder, match="position_action=OPEN or CLOSE"):
        await perp.place_order(OrderRequest(BTC, Side.BUY, OrderType.LIMIT, D("0.001"), D("50000")))
    with pytest.raises(InvalidPair, match="quoted in USDT"):
        await perp.place_order(OrderRequest(TradingPair("BTC", "USDC"), Side.BUY, OrderType.LIMIT, D("0.001"),
                                            D("50000"), position_action=OPEN))
    assert "/contract/private/submit-order" not in perp.rest.calls and perp.tracker.orders() == []


async def test_a_wrong_memo_is_refused_by_the_credentials_check_naming_the_memo(fut_venue) -> None:
    creds = {**fut_venue.credentials, "memo": SecretStr("not-the-memo")}
    session = BitmartPerpSession.from_config(SessionConfig("bitmart_perpetual", creds, fut_venue.options))
    try:
        await session.balances()  # KEYED: the venue does not check the signature, so this passes
        with pytest.raises(AuthError, match="BITMART_MEMO"):
            await session.check_credentials()  # SIGNED
    finally:
        await session.close()
    good = BitmartPerpSession.from_config(SessionConfig("bitmart_perpetual", fut_venue.credentials, fut_venue.options))
    try:
        await good.check_credentials()
        assert venue_orders(fut_venue) == []  # the check placed and cancelled nothing
    finally:
        await good.close()
