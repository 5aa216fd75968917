"""The perpetual contract through the host: the fake plugin's `fakex_perp` connector passes the kit (so the swap
holds for perps), a host script drives positions through the Host API, and spot connectors refuse perp calls."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import SecretStr

from host_spec import (
    CapabilityMissing,
    Connection,
    FundingEvent,
    Host,
    Instrument,
    InvalidOrder,
    MarginMode,
    OrderRejected,
    OrderRequest,
    OrderType,
    PositionAction,
    PositionEvent,
    PositionMode,
    PositionSide,
    Side,
    TradingPair,
)
from host_spec.testing import ConformanceSuite

PAIR = TradingPair("BTC", "USDT")
TOKEN = {"token": SecretStr("letmein")}


@pytest.fixture
def host(plugin_path: Path) -> Host:
    return Host.discover(env={"HOST_SPEC_PLUGINS": "fakex,paper"}, warn=io.StringIO())


@pytest.fixture
async def connection(host: Host) -> AsyncIterator[Connection]:
    async with await host.open("fakex_perp", TOKEN) as conn:
        yield conn


class TestFakePerpConformance(ConformanceSuite):
    connector_id = "fakex_perp"


async def drive_a_position(conn: Connection, pair: TradingPair) -> list[str]:
    """A host script, written once against the Host API: it never names the connector it runs on."""
    log = []
    await conn.set_leverage(pair, Decimal(5), MarginMode.ISOLATED)
    hedge = await conn.position_mode() is PositionMode.HEDGE
    action = PositionAction.OPEN if hedge else None
    await conn.place_order(OrderRequest(pair, Side.BUY, OrderType.MARKET, Decimal("0.004"), position_action=action))
    await conn.place_order(OrderRequest(pair, Side.BUY, OrderType.MARKET, Decimal("0.002"), position_action=action))
    for p in await conn.positions(pair):
        log.append(f"{p.side.value} {p.amount} @ {p.entry_price} x{p.leverage} {p.margin_mode.value}")
    close = PositionAction.CLOSE if hedge else None
    await conn.place_order(OrderRequest(pair, Side.SELL, OrderType.MARKET, Decimal("0.006"), position_action=close,
                                        reduce_only=not hedge))
    log.append(f"open after close: {len(await conn.positions(pair))}")
    log.append(f"realized: {sum((f.realized_pnl or 0) for f in await conn.fills(pair))}")
    return log


@pytest.mark.parametrize("mode", [PositionMode.ONE_WAY, PositionMode.HEDGE])
async def test_a_host_script_drives_positions_on_the_fake_perp(connection: Connection, mode: PositionMode) -> None:
    assert await connection.set_position_mode(mode) is mode
    log = await drive_a_position(connection, PAIR)
    assert log == ["LONG 0.006 @ 101 x5 isolated", "open after close: 0", "realized: -0.006"]


async def test_one_way_orders_net_and_flip(connection: Connection) -> None:
    await connection.place_order(OrderRequest(PAIR, Side.BUY, OrderType.MARKET, Decimal("0.003")))
    await connection.place_order(OrderRequest(PAIR, Side.SELL, OrderType.MARKET, Decimal("0.005")))
    [short] = await connection.positions(PAIR)
    assert (short.side, short.amount, short.signed_amount, short.entry_price) == (
        PositionSide.SHORT, Decimal("0.002"), Decimal("-0.002"), Decimal(100))
    with pytest.raises(OrderRejected, match="mode switching fails"):
        await connection.set_position_mode(PositionMode.HEDGE)
    with pytest.raises(OrderRejected, match="not enough"):
        await connection.place_order(OrderRequest(PAIR, Side.BUY, OrderType.MARKET, Decimal("0.003"), reduce_only=True))


async def test_a_size_between_contracts_is_refused_before_anything_moves(connection: Connection) -> None:
    with pytest.raises(InvalidOrder, match=r"whole number of contracts.*nearest valid: 0\.002 or 0\.003"):
        await connection.place_order(OrderRequest(PAIR, Side.BUY, OrderType.MARKET, Decimal("0.0025")))
    assert await connection.positions() == []


async def test_leverage_outside_the_range_names_the_bound(connection: Connection) -> None:
    with pytest.raises(InvalidOrder) as caught:
        await connection.set_leverage(PAIR, Decimal(51), MarginMode.CROSS)
    assert caught.value.rule == "max_leverage" and caught.value.allowed == Decimal(50)
    with pytest.raises(ValueError, match="leverage must be a positive Decimal"):
        await connection.set_leverage(PAIR, Decimal(0), MarginMode.CROSS)
    with pytest.raises(TypeError, match=r"margin_mode must be MarginMode\.CROSS or MarginMode\.ISOLATED"):
        await connection.set_leverage(PAIR, Decimal(5), "cross")  # type: ignore[arg-type]


async def test_position_and_funding_events_reach_the_user_stream(connection: Connection) -> None:
    stream = connection.user_stream()
    await stream.__anext__()  # the opening balance
    await connection.place_order(OrderRequest(PAIR, Side.SELL, OrderType.MARKET, Decimal("0.010")))
    events = [await stream.__anext__() for _ in range(2)]
    assert isinstance(events[1], PositionEvent) and events[1].position.signed_amount == Decimal("-0.010")
    [payment] = connection.session.settle_funding()  # type: ignore[attr-defined]  # the fake venue's clock
    event = await stream.__anext__()
    assert isinstance(event, FundingEvent) and event.payment == payment
    assert payment.amount == Decimal("0.010") * Decimal("100.5") * Decimal("0.0001"), "shorts receive a positive rate"
    assert await connection.funding_payments(PAIR, 0) == [payment]
    await stream.aclose()


async def test_spot_connectors_raise_capability_missing_for_perp_calls(host: Host) -> None:
    async with await host.open("fakex", TOKEN) as spot:
        for call in (spot.positions(), spot.position_mode(), spot.set_position_mode(PositionMode.HEDGE),
                     spot.set_leverage(PAIR, Decimal(2), MarginMode.CROSS), spot.funding_info(PAIR),
                     spot.funding_payments()):
            with pytest.raises(CapabilityMissing, match="fakex does not offer"):
                await call


def test_connector_info_says_spot_or_perpetual(host: Host) -> None:
    assert host.connector("fakex").instrument is Instrument.SPOT
    perp = host.connector("fakex_perp")
    assert perp.instrument is Instrument.PERPETUAL and {"positions", "funding"} <= perp.capabilities
    listed = {info["id"]: info for info in json.loads(json.dumps([i.to_json() for i in host.connectors()]))}
    assert listed["fakex_perp"]["instrument"] == "perpetual" and listed["fakex"]["instrument"] == "spot"
    assert listed["fakex_perp_paper_trade"]["instrument"] == "perpetual", "a perpetual base gets a perpetual paper variant"
    assert "fakex_paper_trade" in listed
