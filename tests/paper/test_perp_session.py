"""The perpetual paper session through the Host: the same host script as on the live fake venue, modes and their
refusals, the venue's mark as an option, open closing orders across a restart, options and the stored report."""

from __future__ import annotations

import argparse
import io
from decimal import Decimal
from pathlib import Path

import pytest

from host_spec import (
    ConfigError,
    Host,
    MarginMode,
    OrderRejected,
    OrderRequest,
    OrderState,
    OrderType,
    PositionMode,
    Side,
)
from host_spec.paper.commands import cmd_paper
from tests.framework.test_host_fake_perp import drive_a_position
from tests.paper.perp_helpers import ID, OPTIONS, PAIR, marked_at, until, venue_of

D = Decimal


@pytest.fixture
def host(plugin_path: Path) -> Host:
    return Host.discover(env={"HOST_SPEC_PLUGINS": "fakex,paper"}, warn=io.StringIO())


@pytest.mark.parametrize("mode", [PositionMode.ONE_WAY, PositionMode.HEDGE])
async def test_the_live_venues_host_script_gives_the_same_log_on_paper(host: Host, mode: PositionMode) -> None:
    async with await host.open(ID, {}, OPTIONS) as conn:
        assert await conn.set_position_mode(mode) is mode
        assert await drive_a_position(conn, PAIR) == ["LONG 0.006 @ 101 x5 isolated", "open after close: 0",
                                                      "realized: -0.006"]


async def test_the_position_mode_cannot_change_with_a_position_open(host: Host) -> None:
    async with await host.open(ID, {}, OPTIONS) as conn:
        await conn.place_order(OrderRequest(PAIR, Side.SELL, OrderType.MARKET, D("0.003")))
        with pytest.raises(OrderRejected, match="position mode cannot change"):
            await conn.set_position_mode(PositionMode.HEDGE)
        with pytest.raises(OrderRejected, match="margin mode cannot change"):
            await conn.set_leverage(PAIR, D(3), MarginMode.ISOLATED)
        assert await conn.position_mode() is PositionMode.ONE_WAY


async def test_with_mark_source_venue_positions_are_marked_at_the_venues_mark_not_the_mid(host: Host) -> None:
    async with await host.open(ID, {}, {**OPTIONS, "mark_source": "venue"}) as conn:
        await conn.place_order(OrderRequest(PAIR, Side.BUY, OrderType.MARKET, D("0.01")))
        venue = await venue_of(conn)
        venue.move(D(110), D(111))
        venue.mark = D(105)
        [position] = await marked_at(conn, D(105))
        engine = conn.session.engine  # type: ignore[attr-defined]
        await until(lambda: engine.book(PAIR).mid() == D("110.5"), "the moved book")
        [position] = await conn.positions(PAIR)
        assert position.mark_price == D(105) and position.unrealized_pnl == D("0.04")


async def test_an_open_reduce_only_order_keeps_its_hold_on_the_position_across_a_restart(host: Host,
                                                                                         tmp_path: Path) -> None:
    options = {**OPTIONS, "persist_path": str(tmp_path / "perp.db")}
    async with await host.open(ID, {}, options) as conn:
        await conn.place_order(OrderRequest(PAIR, Side.BUY, OrderType.MARKET, D("0.02")))
        resting = await conn.place_order(OrderRequest(PAIR, Side.SELL, OrderType.LIMIT, D("0.02"), D(150),
                                                      reduce_only=True))
        assert resting.state is OrderState.OPEN
    async with await host.open(ID, {}, options) as conn:
        with pytest.raises(OrderRejected, match="exceeds the 0 of the long position"):
            await conn.place_order(OrderRequest(PAIR, Side.SELL, OrderType.MARKET, D("0.01"), reduce_only=True))
        await conn.cancel_order(PAIR, resting.client_order_id)
        closed = await conn.place_order(OrderRequest(PAIR, Side.SELL, OrderType.MARKET, D("0.02"), reduce_only=True))
        assert closed.state is OrderState.FILLED and await conn.positions() == []


async def test_bad_perpetual_options_are_refused_naming_the_option(host: Host) -> None:
    for options, named in (({"margin_mode": "portfolio"}, "margin_mode"), ({"leverage": "0"}, "leverage"),
                           ({"position_mode": "net"}, "position_mode"), ({"mark_source": "last"}, "mark_source")):
        with pytest.raises(ConfigError, match=f"option {named}"):
            await host.open(ID, {}, options)


async def test_the_stored_report_of_a_perpetual_account_shows_its_positions_and_account(
        host: Host, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "perp.db"
    async with await host.open(ID, {}, {**OPTIONS, "persist_path": str(path), "maintenance_rate": "0.01"}) as conn:
        await conn.set_leverage(PAIR, D(4), MarginMode.CROSS)
        await conn.place_order(OrderRequest(PAIR, Side.SELL, OrderType.MARKET, D("0.04")))
        await marked_at(conn, D("100.5"))
    assert cmd_paper(None, argparse.Namespace(path=str(path))) == 0
    out = capsys.readouterr().out
    assert "position BTC-USDT SHORT 0.04 @ 100  mark 100.5  upnl -0.02  margin 1 (cross 4x)" in out
    assert "maintenance rate for BTC-USDT: 0.01" in out and "account  USDT     start 1000  realized 0" in out
