"""Shared set-up of the futures compatibility tests (test_compat_futures_*.py).

Every peer is BitMart's own client pointed at the sandbox by its base URLs only (bitmart_futures.md §8);
a second futures account, ``MAKER``, rests the quotes the peer trades against, and the assertions read the
venue's true state (``Sandbox.state.futures``).
"""
from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any, AsyncIterator, Callable, TypeVar

import ccxt.async_support as ccxt_async
import ccxt.pro as ccxtpro
import pytest

from bitmart_plugin.sandbox.config import SandboxConfig
from bitmart_plugin.sandbox.futures.events import ContractOrder, Position
from bitmart_plugin.sandbox.futures.venue import FuturesVenue
from bitmart_plugin.sandbox.server import Sandbox

from .conftest import make_config

MAKER = "maker"
BTC = "BTCUSDT"
SYM = "BTC/USDT:USDT"
BID, ASK = Decimal("59900"), Decimal("60100")
MARK = Decimal("60000")


def futures_config(**kw: Any) -> SandboxConfig:
    """Small and quiet: two spot pairs, ten contracts (the tenth is delisted), no agents."""
    base: dict[str, Any] = {"pairs": 2, "futures_contracts": 10}
    base.update(kw)
    return make_config(**base)


@asynccontextmanager
async def futures_sandbox(**kw: Any) -> AsyncIterator[Sandbox]:
    """A started sandbox whose BTCUSDT mark is pinned at ``MARK`` and whose ``MAKER`` is funded."""
    async with Sandbox(futures_config(**kw)) as sb:
        v = venue(sb)
        v.fund(MAKER, Decimal(1_000_000))
        v.set_prices(BTC, mark=MARK, index=MARK)
        yield sb


@pytest.fixture
async def sb() -> AsyncIterator[Sandbox]:
    async with futures_sandbox() as s:
        yield s


def venue(sb: Sandbox) -> FuturesVenue:
    assert sb.state.futures is not None
    return sb.state.futures


def me(sb: Sandbox) -> str:
    """The account id behind the sandbox's default API key (the peer's account)."""
    return sb.credentials.account_id


def quote(sb: Sandbox, size: int = 10, bid: Decimal = BID, ask: Decimal = ASK) -> None:
    """The maker rests a bid (buy_open_long) and an ask (sell_open_short) of ``size`` contracts on BTCUSDT."""
    v = venue(sb)
    v.submit_order(MAKER, BTC, 1, size, price=bid, type="limit")
    v.submit_order(MAKER, BTC, 4, size, price=ask, type="limit")


def order_of(sb: Sandbox, order_id: str) -> ContractOrder:
    o = venue(sb).order(me(sb), str(order_id))
    assert o is not None, order_id
    return o


def held(sb: Sandbox, symbol: str = BTC) -> list[Position]:
    """The peer account's non-empty positions."""
    return [p for p in venue(sb).accounts.of(me(sb), symbol) if p.hold_volume]


def book(sb: Sandbox, n: int = 50) -> tuple[list[list[float]], list[list[float]]]:
    """The venue's BTCUSDT top ``n`` as ccxt lists ([price, contracts] floats)."""
    bids, asks = venue(sb).depth(BTC, n)
    return [[float(p), float(q)] for p, q in bids], [[float(p), float(q)] for p, q in asks]


def ccxt_rest(sb: Sandbox, throttle: bool = True) -> ccxt_async.bitmart:
    """ccxt's bitmart with the spot and swap base URLs pointed at the sandbox (§8.1).

    ``throttle=False`` turns off ccxt's client-side request pacing (its weights make ``load_markets``
    alone wait a second); the sandbox runs without rate limits, so only the test's duration changes.
    """
    c = sb.credentials
    ex = ccxt_async.bitmart({"apiKey": c.api_key, "secret": c.secret_key, "uid": c.memo,
                             "enableRateLimit": throttle})
    ex.urls["api"] = {"spot": sb.rest_url, "swap": sb.futures_rest_url}
    return ex


def ccxt_pro(sb: Sandbox, throttle: bool = True) -> ccxtpro.bitmart:
    """ccxt.pro's bitmart with REST and the swap WebSocket URLs pointed at the sandbox (§8.2)."""
    c = sb.credentials
    ex = ccxtpro.bitmart({"apiKey": c.api_key, "secret": c.secret_key, "uid": c.memo, "enableRateLimit": throttle})
    ex.urls["api"]["spot"] = sb.rest_url
    ex.urls["api"]["swap"] = sb.futures_rest_url
    ex.urls["api"]["ws"]["swap"] = {"public": sb.futures_ws_public_url, "private": sb.futures_ws_private_url}
    return ex


Client = TypeVar("Client", ccxt_async.bitmart, ccxtpro.bitmart)


def client_fixture(name: str, make: Callable[[Sandbox, bool], Client], throttle: bool) -> Any:
    """A fixture ``name``: ``make(sb, throttle)`` with its markets loaded, closed afterwards."""
    @pytest.fixture(name=name)
    async def fixture(sb: Sandbox) -> AsyncIterator[Client]:
        ex = make(sb, throttle)
        try:
            await ex.load_markets()
            yield ex
        finally:
            await ex.close()
    return fixture


# ccxt as configured out of the box (only URLs changed), and unthrottled for the many short defect tests
# (ccxt's own request pacing would dominate their time; the sandbox runs without rate limits)
rest = client_fixture("rest", ccxt_rest, True)
fast_rest = client_fixture("fast_rest", ccxt_rest, False)
pro = client_fixture("pro", ccxt_pro, True)
fast_pro = client_fixture("fast_pro", ccxt_pro, False)


async def eventually(ok: Callable[[], bool], what: object) -> None:
    """``ok()`` holds once the pushes already sent have arrived. ccxt.pro keeps every push in its caches
    but resolves a watch only when one is pending, so a state reached over several pushes is read from
    the cache; the 5 s bound only turns a missing push into a failure."""
    for _ in range(100):
        if ok():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(what() if callable(what) else what)
