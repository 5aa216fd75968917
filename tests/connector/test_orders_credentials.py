"""Missing credentials fail at once, before any request, as an AuthError that says how to set them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal as D
from typing import Any

import pytest

from host_spec import AuthError, Host, OrderRequest, OrderType, Side

from .conftest import BTC_USDT

pytestmark = pytest.mark.e2e
VARIABLES = ("BITMART_API_KEY", "BITMART_SECRET_KEY", "BITMART_MEMO")


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # and no .env file


def private_calls(conn: Any) -> dict[str, Callable[[], Awaitable[Any]]]:
    req = OrderRequest(BTC_USDT, Side.BUY, OrderType.LIMIT, D("0.001"), D("30000"))
    return {
        "place_order": lambda: conn.place_order(req),
        "cancel_order": lambda: conn.cancel_order(BTC_USDT, "abc1"),
        "cancel_all_orders": lambda: conn.cancel_all_orders(BTC_USDT),
        "query_order": lambda: conn.query_order(BTC_USDT, "abc1"),
        "open_orders": lambda: conn.open_orders(None),
        "balances": lambda: conn.balances(),
        "fills": lambda: conn.fills(None, None),
        "fee_rates": lambda: conn.fee_rates(BTC_USDT),
        "check_credentials": lambda: conn.check_credentials(),
        "user_stream": lambda: anext(aiter(conn.user_stream())),
    }


async def test_missing_credentials_fail_before_any_request(venue: Any, no_credentials: None) -> None:
    host = Host.discover()
    async with await host.open("bitmart", {}, venue.options) as conn:
        for name, call in private_calls(conn).items():
            with pytest.raises(AuthError) as e:
                await call()
            message = str(e.value)
            assert "host-spec connect bitmart" in message, (name, message)
            assert all(v in message for v in VARIABLES), (name, message)
            assert "unknown" not in message, (name, message)
        assert conn.session.rest.calls == []  # type: ignore[attr-defined]


def test_ccxt_missing_credential_error_maps_to_auth_error() -> None:
    import ccxt

    from bitmart_plugin.errors_map import from_exception, is_uncertain

    err = from_exception(ccxt.AuthenticationError('bitmart requires "apiKey" credential'), what="order placement")
    assert isinstance(err, AuthError) and not is_uncertain(err)
