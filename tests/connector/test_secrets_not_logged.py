"""Secrets never reach a log record, even at DEBUG for every logger (issue 10 item 7).

A whole session runs against the sandbox with the root logger at DEBUG (ccxt's request lines,
websockets' frame dumps, aiohttp's, the sandbox's and ours): REST calls, the private socket's login,
an order placed and cancelled. The captured text must not hold the API key, the secret, the memo, or
any signature sent (each REST `X-BM-SIGN` and the login signature), nor a 16-character piece of them.
"""

from __future__ import annotations

import asyncio
import io
import logging
import secrets
from collections.abc import Iterator
from decimal import Decimal as D
from typing import Any

import pytest
from pydantic import SecretStr

from host_spec import OrderEventKind as K
from host_spec import OrderRequest, OrderType, SessionConfig, Side

import bitmart_plugin.ws.private as ws_private
from bitmart_plugin.redaction import connector_loggers
from bitmart_plugin.spot.connector import BitmartSpotSession

from .conftest import BTC_USDT

pytestmark = pytest.mark.e2e


@pytest.fixture
def debug_log() -> Iterator[io.StringIO]:
    """Every record of every logger, formatted with its traceback, into one buffer."""
    buf = io.StringIO()
    handler = logging.StreamHandler(buf)
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    old = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield buf
    finally:
        root.removeHandler(handler)
        root.setLevel(old)


def pieces(value: str, width: int = 16) -> set[str]:
    return {value[i:i + width] for i in range(max(1, len(value) - width + 1))}


def spy_signatures(session: Any, monkeypatch: pytest.MonkeyPatch, login_module: Any, login_name: str
                   ) -> tuple[list[str], list[str]]:
    """Record what `session` signs: (every signature sent, the socket-login ones). The login factory
    `login_module.login_name` must put its signature third in `args`, as both BitMart logins do."""
    signs: list[str] = []
    logins: list[str] = []
    real_login = getattr(login_module, login_name)

    def spy_login(*args: Any, **kw: Any) -> dict[str, object]:
        message = real_login(*args, **kw)
        logins.append(str(message["args"][2]))  # type: ignore[index]
        signs.append(logins[-1])
        return message

    monkeypatch.setattr(login_module, login_name, spy_login)
    client = session.rest._ensure_client()  # noqa: SLF001 - spy on the signatures ccxt sends
    real_sign = client.sign

    def spy_sign(*args: Any, **kw: Any) -> Any:
        request = real_sign(*args, **kw)
        if request.get("headers") and "X-BM-SIGN" in request["headers"]:
            signs.append(request["headers"]["X-BM-SIGN"])
        return request

    client.sign = spy_sign
    return signs, logins


async def place_and_cancel(session: Any, request: OrderRequest, before: Any = None) -> list[Any]:
    """Listen to the user stream, run `before()` if given, place and cancel `request`, and wait (bounded) for
    the cancel event; returns the events seen."""
    events: list[Any] = []

    async def collect() -> None:
        async for ev in session.user_stream():
            events.append(ev)

    task = asyncio.create_task(collect())
    try:
        if before is not None:
            await before()
        order = await session.place_order(request)
        await session.cancel_order(request.pair, order.client_order_id)
        for _ in range(250):
            if any(getattr(e, "kind", None) is K.CANCELED for e in events):
                break
            await asyncio.sleep(0.02)
    finally:
        task.cancel()
        await session.close()
    return events


def assert_nothing_leaked(text: str, key: str, secret: str, memo: str, signs: list[str]) -> None:
    leaked = [name for name, value in (("api key", key), ("secret", secret), ("memo", memo)) if value in text]
    leaked += [f"signature {s[:6]}..." for s in signs if s in text]
    assert not leaked, f"in the DEBUG log: {leaked}"
    partial = [p for v in (key, secret, *signs) for p in pieces(v) if p in text]
    assert not partial, f"pieces of a secret in the DEBUG log: {partial[:3]}"


async def test_a_debug_session_logs_no_secret(venue: Any, debug_log: io.StringIO, capfd: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    key, secret, memo = secrets.token_hex(20), secrets.token_hex(32), "memo" + secrets.token_hex(6)
    venue.sandbox.add_account(key, secret, memo, {"USDT": "100000", "BTC": "10"})
    creds = {"api_key": SecretStr(key), "secret_key": SecretStr(secret), "memo": SecretStr(memo)}
    session = BitmartSpotSession.from_config(SessionConfig("bitmart", creds, venue.options))
    session.settle_s = 0.3
    sent_signs, _ = spy_signatures(session, monkeypatch, ws_private, "ws_login_message")
    bids, _ = venue.sandbox.exchange.depth("BTC_USDT", 1)
    events = await place_and_cancel(session, OrderRequest(BTC_USDT, Side.BUY, OrderType.LIMIT, D("0.001"),
                                                          bids[0][0] - 100),
                                    before=lambda: asyncio.gather(session.check_credentials(), session.balances()))

    assert not [n for n in connector_loggers() if session._redactor in logging.getLogger(n).filters]  # noqa: SLF001
    out, err = capfd.readouterr()
    text = debug_log.getvalue() + out + err
    # The run went through the paths that used to leak: ccxt's request lines and websockets' login frame.
    assert "X-BM-SIGN" in text and '"op":"login"' in text
    assert any(getattr(e, "kind", None) is K.CANCELED for e in events)
    assert len(sent_signs) >= 4
    assert_nothing_leaked(text, key, secret, memo, sent_signs)
