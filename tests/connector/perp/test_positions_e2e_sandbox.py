"""Positions and balances of `bitmart_perpetual` against the sandbox's own books (the FuturesVenue is the oracle).

Open, add, reduce and close in hedge mode (long and short side by side) and in one-way mode (netting through zero
into a short), each with cross and with isolated margin; after every step the connector's positions (base units) and USDT balance
equal the venue's, and closing fills carry the venue's realized PnL.
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from host_spec import MarginMode, PositionAction, PositionMode, PositionSide, Side, TradingPair

from .e2e import BTC, account_id, filled, fut_venue, futures, market, our_positions, perp, true_positions, true_usdt

pytestmark = pytest.mark.e2e
__all__ = ["fut_venue", "perp"]  # fixtures
OPEN, CLOSE = PositionAction.OPEN, PositionAction.CLOSE


async def assert_matches_venue(perp, venue) -> None:
    assert our_positions(await perp.positions(BTC)) == true_positions(venue)
    assert (await perp.balances())["USDT"] == true_usdt(venue)


MARGIN_MODES = pytest.mark.parametrize("margin", [MarginMode.CROSS, MarginMode.ISOLATED], ids=["cross", "isolated"])


@MARGIN_MODES
async def test_hedge_open_add_reduce_close_long_and_short(perp, fut_venue, margin) -> None:
    assert await perp.set_position_mode(PositionMode.HEDGE) is PositionMode.HEDGE
    setting = await perp.set_leverage(BTC, D(10), margin)
    assert (setting.leverage, setting.margin_mode) == (D(10), margin)
    steps = [(market(Side.BUY, "0.010", OPEN), {PositionSide.LONG: D("0.010")}),
             (market(Side.BUY, "0.005", OPEN), {PositionSide.LONG: D("0.015")}),
             (market(Side.SELL, "0.003", OPEN), {PositionSide.LONG: D("0.015"), PositionSide.SHORT: D("0.003")}),
             (market(Side.SELL, "0.005", CLOSE), {PositionSide.LONG: D("0.010"), PositionSide.SHORT: D("0.003")}),
             (market(Side.SELL, "0.010", CLOSE), {PositionSide.SHORT: D("0.003")}),
             (market(Side.BUY, "0.003", CLOSE), {})]
    for request, expected in steps:
        await filled(perp, request)
        positions = await perp.positions(BTC)
        assert {p.side: p.amount for p in positions} == expected, request
        assert all(p.margin_mode is margin and p.leverage == 10 for p in positions)
        await assert_matches_venue(perp, fut_venue)
    assert await perp.positions(None) == []


@MARGIN_MODES
async def test_one_way_nets_through_zero_into_a_short(perp, fut_venue, margin) -> None:
    assert await perp.set_position_mode(PositionMode.ONE_WAY) is PositionMode.ONE_WAY
    assert futures(fut_venue).accounts.mode(account_id(fut_venue)) == "one_way_mode"
    await perp.set_leverage(BTC, D(5), margin)
    steps = [(market(Side.BUY, "0.010"), D("0.010")), (market(Side.SELL, "0.004"), D("0.006")),
             (market(Side.SELL, "0.010"), D("-0.004")), (market(Side.BUY, "0.004", reduce_only=True), D(0))]
    for request, net in steps:
        await filled(perp, request)
        positions = await perp.positions(BTC)
        assert sum((p.signed_amount for p in positions), D(0)) == net, request
        assert all(p.margin_mode is margin and p.leverage == 5 for p in positions)
        await assert_matches_venue(perp, fut_venue)


async def test_closing_fills_report_the_venues_realized_pnl_and_fees(perp, fut_venue) -> None:
    await perp.set_position_mode(PositionMode.HEDGE)
    await filled(perp, market(Side.BUY, "0.010", OPEN))
    close = await filled(perp, market(Side.SELL, "0.010", CLOSE))
    ours = {f.trade_id: f for f in await perp.fills(BTC, None)}
    truth = [f for f in futures(fut_venue).fills_of(account_id(fut_venue)) if f.client_order_id == close.client_order_id]
    assert truth and {f.trade_id for f in truth} <= set(ours)
    for f in truth:
        mine = ours[f.trade_id]
        assert (mine.client_order_id, mine.amount, mine.price) == (close.client_order_id, f.vol * D("0.001"), f.price)
        assert mine.realized_pnl == f.realised_profit and mine.fee == f.fee > 0


async def test_rules_are_the_venues_in_base_units_with_the_first_tier_maintenance_rate(perp, fut_venue) -> None:
    rules = await perp.trading_rules()
    for c in futures(fut_venue).contract_list:
        if c.status != "Trading":
            continue
        rule = rules[TradingPair(c.base, c.quote)]
        assert (rule.contract_size, rule.size_increment, rule.min_size) == \
            (c.contract_size, c.contract_size * c.vol_step, c.contract_size * c.min_volume)
        assert (rule.price_increment, rule.max_leverage) == (c.price_tick, c.max_leverage)
        assert rule.maintenance_margin_rate == min(c.brackets, key=lambda b: b.notional_floor).maint_margin_ratio
