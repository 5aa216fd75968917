"""The public `Connection` API: inputs checked at the boundary, every method documented; LocalVenue as a context manager."""

from __future__ import annotations

import asyncio
import inspect
import io
from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from pydantic import SecretStr

from host_spec import Connection, Host, LocalVenue, MarginMode, TradingPair

PAIR = TradingPair("BTC", "USDT")


@pytest.fixture
async def connection(plugin_path: Path) -> AsyncIterator[Connection]:
    host = Host.discover(env={"HOST_SPEC_PLUGINS": "fakex"}, warn=io.StringIO())
    async with await host.open("fakex", {"token": SecretStr("letmein")}) as conn:
        yield conn


async def _call(result: Any) -> Any:
    return await result if inspect.isawaitable(result) else result


CASES: list[tuple[str, Callable[[Connection], Any], type[Exception], str]] = [
    ("book str pair", lambda c: c.order_book("BTC-USDT"), TypeError, r"pair must be a TradingPair: pass TradingPair\.parse\('BTC-USDT'\)"),
    ("book depth", lambda c: c.order_book(PAIR, 0), ValueError, r"depth must be a positive int, not 0"),
    ("trades str pair", lambda c: c.trades("BTC-USDT"), TypeError, r"pair must be a TradingPair"),
    ("place dict", lambda c: c.place_order({"pair": "BTC-USDT"}), TypeError, r"request must be an OrderRequest"),
    ("cancel int id", lambda c: c.cancel_order(PAIR, 12), TypeError, r"client_order_id must be a non-empty str"),
    ("cancel str pair", lambda c: c.cancel_order("BTC-USDT", "x1"), TypeError, r"pair must be a TradingPair"),
    ("cancel all str pair", lambda c: c.cancel_all_orders("BTC-USDT"), TypeError, r"pair must be a TradingPair or None"),
    ("query empty id", lambda c: c.query_order(PAIR, ""), TypeError, r"client_order_id must be a non-empty str"),
    ("open orders str pair", lambda c: c.open_orders("BTC-USDT"), TypeError, r"pair must be a TradingPair or None"),
    ("fills float since", lambda c: c.fills(PAIR, 1.5), TypeError, r"since_ms must be an int .*milliseconds"),
    ("fee rates str pair", lambda c: c.fee_rates("BTC-USDT"), TypeError, r"pair must be a TradingPair"),
    ("candles int interval", lambda c: c.candles(PAIR, 60), TypeError, r"interval must be a str such as '1m'"),
    ("candles str since", lambda c: c.candles(PAIR, "1m", "0"), TypeError, r"since_s must be an int"),
    ("positions str pair", lambda c: c.positions("BTC-USDT"), TypeError, r"pair must be a TradingPair or None"),
    ("set mode str", lambda c: c.set_position_mode("hedge"), TypeError, r"mode must be PositionMode\.ONE_WAY or"),
    ("leverage float", lambda c: c.set_leverage(PAIR, 5.0, MarginMode.CROSS), TypeError, r"pass Decimal\('5\.0'\)"),
    ("leverage negative", lambda c: c.set_leverage(PAIR, -2, MarginMode.CROSS), ValueError, r"leverage must be a positive"),
    ("funding str pair", lambda c: c.funding_info("BTC-USDT"), TypeError, r"pair must be a TradingPair"),
    ("payments float since", lambda c: c.funding_payments(PAIR, 1.5), TypeError, r"since_ms must be an int"),
]


@pytest.mark.parametrize(("name", "call", "error", "message"), CASES, ids=[c[0] for c in CASES])
async def test_connection_checks_inputs_at_the_boundary(connection: Connection, name: str,
                                                        call: Callable[[Connection], Awaitable[Any]],
                                                        error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        await _call(call(connection))


async def test_a_float_amount_never_reaches_the_plugin(connection: Connection) -> None:
    from host_spec import OrderRequest, OrderType, Side

    with pytest.raises(TypeError, match=r"pass Decimal\('0\.1'\)"):
        await connection.place_order(OrderRequest(PAIR, Side.BUY, OrderType.LIMIT, 0.1, Decimal(99)))  # type: ignore[arg-type]
    assert await connection.open_orders() == []


# place_order's docstring (its three outcomes) is written and pinned with the lost-response work.
DOCUMENTED_ELSEWHERE = {"place_order"}


def test_every_public_connection_method_says_what_it_returns_and_raises() -> None:
    missing = []
    for name, member in inspect.getmembers(Connection, inspect.isfunction):
        if name.startswith("_") or name in DOCUMENTED_ELSEWHERE:
            continue
        doc = (inspect.getdoc(member) or "").lower()
        if not (("return" in doc or "yield" in doc) and "raise" in doc):
            missing.append(name)
    assert not missing, f"Connection methods whose docstring does not say what they return and raise: {missing}"


async def test_local_venue_is_an_async_context_manager() -> None:
    host = Host.discover(env={"HOST_SPEC_PLUGINS": "bitmart"}, warn=io.StringIO())
    async with await host.start_sandbox("bitmart", {"pairs": 1, "agent_rate": 0}) as venue:
        assert isinstance(venue, LocalVenue)
        url = urlsplit(venue.options["rest_url"])
        _, writer = await asyncio.open_connection(url.hostname, url.port)
        writer.close()
    with pytest.raises(OSError):  # the venue stopped on leaving the block
        await asyncio.open_connection(url.hostname, url.port)
