"""The same host code drives the fake plugin: every capability hook, typed results, clear errors."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import SecretStr

from host_spec import (
    AuthError,
    BalanceEvent,
    CapabilityMissing,
    Connection,
    ConnectorNotFound,
    FeeRates,
    Host,
    OrderEvent,
    OrderRequest,
    OrderState,
    OrderType,
    Side,
    TradingPair,
)
from host_spec.testing import ConformanceSuite

PAIR = TradingPair("BTC", "USDT")


@pytest.fixture
def host(plugin_path: Path) -> Host:
    return Host.discover(env={"HOST_SPEC_PLUGINS": "fakex"}, warn=io.StringIO())


@pytest.fixture
async def connection(host: Host) -> AsyncIterator[Connection]:
    conn = await host.open("fakex", {"token": SecretStr("letmein")})
    yield conn
    await conn.close()


class TestFakeConformance(ConformanceSuite):
    connector_id = "fakex"


async def test_every_capability_through_the_host(connection: Connection) -> None:
    await connection.check_credentials()
    assert PAIR in await connection.trading_rules()
    order = await connection.place_order(OrderRequest(PAIR, Side.BUY, OrderType.LIMIT, Decimal(1), Decimal(99)))
    assert order.state is OrderState.OPEN
    assert await connection.query_order(PAIR, order.client_order_id) == order
    assert [o.client_order_id for o in await connection.open_orders(PAIR)] == [order.client_order_id]
    assert (await connection.cancel_order(PAIR, order.client_order_id)).state is OrderState.CANCELED
    await connection.place_order(OrderRequest(PAIR, Side.SELL, OrderType.LIMIT, Decimal(1), Decimal(120)))
    assert len(await connection.cancel_all_orders(PAIR)) == 1
    assert (await connection.balances())["USDT"].total == Decimal(1000)
    assert (await connection.fills(PAIR, None))[0].fee_asset == "USDT"
    assert await connection.fee_rates(PAIR) == FeeRates(Decimal("0.001"), Decimal("0.002"))
    events = connection.user_stream()
    assert isinstance(await events.__anext__(), BalanceEvent)
    placed = await connection.place_order(OrderRequest(PAIR, Side.BUY, OrderType.LIMIT, Decimal(1), Decimal(90)))
    event = await events.__anext__()
    assert isinstance(event, OrderEvent) and event.order.client_order_id == placed.client_order_id
    await events.aclose()
    candles = [c async for c in connection.candles(PAIR, "1m", None, None, False)]
    assert candles[0].closed
    async for trade in connection.trades(PAIR):
        assert trade.pair == PAIR
        break


async def test_wrong_credentials_raise_auth_error(host: Host) -> None:
    async with await host.open("fakex", {"token": SecretStr("wrong")}) as conn:
        with pytest.raises(AuthError):
            await conn.check_credentials()


async def test_missing_capability_is_a_clear_error(host: Host) -> None:
    with pytest.raises(CapabilityMissing, match="fakex does not offer start sandbox"):
        await host.start_sandbox("fakex")


def test_unknown_connector_suggests_close_matches(host: Host) -> None:
    with pytest.raises(ConnectorNotFound, match="did you mean fakex"):
        host.connector("fakx")


def test_order_types_come_from_the_hook(host: Host) -> None:
    assert host.order_types("fakex") == (OrderType.LIMIT, OrderType.LIMIT_MAKER)


def test_session_config_repr_hides_secrets(host: Host) -> None:
    from host_spec import SessionConfig

    text = repr(SessionConfig("fakex", {"token": SecretStr("letmein")}))
    assert "letmein" not in text and "token" in text
