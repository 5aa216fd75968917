"""The conformance kit's own checks can fail: each is run against a deliberately broken fake connector."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from host_spec import (
    Connection,
    FundingInfo,
    Host,
    LeverageSetting,
    MarginMode,
    Order,
    OrderState,
    OrderType,
    Position,
    Side,
    TradingPair,
    get_plugin_manager,
    hookimpl,
)
from host_spec.testing import ConformanceSuite, check_errors_are_host_types, check_info

PAIR = TradingPair("BTC", "USDT")


class AnswersEveryQuery:
    """Registered after fakex, so its firstresult answer wins: a connector that never raises OrderNotFound."""

    @hookimpl
    def query_order(self, connector_id: str, session: Any, pair: TradingPair, client_order_id: str) -> Any:
        async def found() -> Order:
            return Order(client_order_id, "1", pair, Side.BUY, OrderType.LIMIT, Decimal(1), Decimal(1), OrderState.OPEN)

        return found() if connector_id == "fakex" else None


async def _open(plugin_path: Path, *extra: tuple[str, object]) -> Connection:
    pm, report = get_plugin_manager(env={"HOST_SPEC_PLUGINS": "fakex,broken_query"}, extra_plugins=extra,
                                    warn=io.StringIO())
    return await Host(pm, report).open("fakex", {"token": SecretStr("letmein")})


@pytest.fixture
async def broken(plugin_path: Path) -> AsyncIterator[Connection]:
    conn = await _open(plugin_path, ("broken_query", AnswersEveryQuery()))
    yield conn
    await conn.close()


@pytest.fixture
async def sound(plugin_path: Path) -> AsyncIterator[Connection]:
    conn = await _open(plugin_path)
    yield conn
    await conn.close()


async def test_unknown_order_check_fails_when_the_connector_finds_every_order(broken: Connection) -> None:
    rule = (await broken.trading_rules())[PAIR]
    with pytest.raises(AssertionError, match="OrderNotFound"):
        await check_errors_are_host_types(broken, PAIR, rule)


async def test_unknown_order_check_passes_on_a_sound_connector(sound: Connection) -> None:
    await check_errors_are_host_types(sound, PAIR, (await sound.trading_rules())[PAIR])


class _NoTrading(ConformanceSuite):
    connector_id = "fakex"
    trading = False


@pytest.mark.parametrize("check", ["test_balances", "test_errors", "test_place_and_cancel"])
async def test_trading_checks_skip_visibly_when_trading_is_off(sound: Connection, check: str) -> None:
    with pytest.raises(pytest.skip.Exception, match="trading"):
        await getattr(_NoTrading(), check)(sound)


@pytest.mark.parametrize("check", ["test_balances", "test_errors", "test_place_and_cancel"])
async def test_trading_checks_skip_visibly_when_the_connector_does_not_declare_trading(
        sound: Connection, check: str) -> None:
    undeclared = Connection(sound.host, replace(sound.info, capabilities=sound.info.capabilities - {"trading"}),
                            sound.session)
    with pytest.raises(pytest.skip.Exception, match="does not declare trading"):
        await getattr(ConformanceSuite(), check)(undeclared)


async def test_trades_check_skips_visibly_when_no_trades_stream(sound: Connection) -> None:
    info = replace(sound.info, capabilities=sound.info.capabilities - {"trades_stream"})
    suite = ConformanceSuite()
    suite.connector_id = "fakex"  # type: ignore[misc]
    with pytest.raises(pytest.skip.Exception, match="trades_stream"):
        await suite.test_trades(sound.host, Connection(sound.host, info, sound.session))


class LeverageWithoutLimits:
    """A perp connector that accepts any leverage: the kit's leverage check must catch it."""

    @hookimpl
    def set_leverage(self, connector_id: str, session: Any, pair: TradingPair, leverage: Decimal,
                     margin_mode: MarginMode) -> Any:
        async def applied() -> LeverageSetting:
            return LeverageSetting(pair, leverage, margin_mode)

        return applied() if connector_id == "fakex_perp" else None


class PositionsNeverMove:
    """A perp connector whose positions ignore fills: the round trip must catch it."""

    @hookimpl
    def positions(self, connector_id: str, session: Any, pair: TradingPair | None) -> Any:
        async def none() -> list[Position]:
            return []

        return none() if connector_id == "fakex_perp" else None


class FundingWithoutInterval:
    @hookimpl
    def funding_info(self, connector_id: str, session: Any, pair: TradingPair) -> Any:
        async def info() -> FundingInfo:
            return FundingInfo(pair, Decimal("0.0001"), 1, 0, Decimal(100), Decimal(100))

        return info() if connector_id == "fakex_perp" else None


async def _open_perp(*extra: tuple[str, object]) -> Connection:
    names = ",".join(["fakex"] + [name for name, _ in extra])
    pm, report = get_plugin_manager(env={"HOST_SPEC_PLUGINS": names}, extra_plugins=extra, warn=io.StringIO())
    return await Host(pm, report).open("fakex_perp", {"token": SecretStr("letmein")})


@pytest.mark.parametrize(("plugin", "check", "message"), [
    (LeverageWithoutLimits(), "test_leverage", "above .* maximum 50 was accepted"),
    (PositionsNeverMove(), "test_position_round_trip", r"position went from 0 to 0 after buying 0\.001"),
    (FundingWithoutInterval(), "test_funding", "interval_s=0"),
])
async def test_perp_checks_fail_on_a_broken_perp_connector(plugin_path: Path, plugin: object, check: str,
                                                           message: str) -> None:
    conn = await _open_perp(("broken_perp", plugin))
    try:
        suite = ConformanceSuite()
        suite.settle_timeout = 0.5
        with pytest.raises(AssertionError, match=message):
            await getattr(suite, check)(conn)
    finally:
        await conn.close()


async def test_a_spot_connector_declaring_perp_capabilities_fails_the_info_check(sound: Connection) -> None:
    with pytest.raises(AssertionError, match=r"spot connector declares perpetual capabilities \['positions'\]"):
        check_info(replace(sound.info, capabilities=sound.info.capabilities | {"positions"}))


@pytest.mark.parametrize("check", ["test_positions", "test_position_mode", "test_leverage", "test_funding",
                                   "test_position_round_trip"])
async def test_perp_checks_skip_visibly_on_a_spot_connector(sound: Connection, check: str) -> None:
    with pytest.raises(pytest.skip.Exception, match="fakex does not declare"):
        await getattr(ConformanceSuite(), check)(sound)
