"""The perpetual session logs no secret either, with every logger at DEBUG: futures REST (ccxt's request lines
with X-BM-KEY / X-BM-SIGN), the futures private socket's `access` login, an order placed and cancelled, a
leverage change. Neither the key, the secret, the memo nor any signature sent (or a 16-character piece) appears.
"""

from __future__ import annotations

import asyncio
import io
import secrets
from decimal import Decimal as D
from typing import Any

import pytest
from pydantic import SecretStr

from host_spec import MarginMode, OrderEventKind as K, OrderRequest, OrderType, PositionAction, SessionConfig, Side

import bitmart_plugin.perp.ws_private as ws_private
from bitmart_plugin.perp.connector import BitmartPerpSession

from ..test_secrets_not_logged import assert_nothing_leaked, debug_log, place_and_cancel, spy_signatures
from .e2e import BTC, fut_venue, futures

pytestmark = pytest.mark.e2e
__all__ = ["debug_log", "fut_venue"]  # fixtures


async def test_a_debug_perp_session_logs_no_secret(fut_venue: Any, debug_log: io.StringIO,
                                                   capfd: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    key, secret, memo = secrets.token_hex(20), secrets.token_hex(32), "memo" + secrets.token_hex(6)
    fut_venue.sandbox.add_account(key, secret, memo, {"USDT": "100000"}, futures_usdt="100000")
    creds = {"api_key": SecretStr(key), "secret_key": SecretStr(secret), "memo": SecretStr(memo)}
    session = BitmartPerpSession.from_config(SessionConfig("bitmart_perpetual", creds, fut_venue.options))
    session.settle_s = 0.3
    sent_signs, logins = spy_signatures(session, monkeypatch, ws_private, "ws_access_message")

    async def before() -> None:
        for _ in range(250):  # the private socket logs in in the background
            if logins:
                break
            await asyncio.sleep(0.02)
        await session.check_credentials()
        await session.set_leverage(BTC, D(10), MarginMode.CROSS)

    bids, _ = futures(fut_venue).depth("BTCUSDT", 1)
    request = OrderRequest(BTC, Side.BUY, OrderType.LIMIT, D("0.001"), bids[0][0] - 100,
                           position_action=PositionAction.OPEN)
    events = await place_and_cancel(session, request, before)

    out, err = capfd.readouterr()
    text = debug_log.getvalue() + out + err
    # The paths that could leak ran: ccxt's request lines and websockets' dump of the `access` frame (cut short
    # in the middle, so only a search for pieces finds what it shows of the key and the signature).
    assert "X-BM-SIGN" in text and '"action":"access"' in text and logins
    assert any(getattr(e, "kind", None) is K.CANCELED for e in events) and len(sent_signs) >= 4
    assert_nothing_leaked(text, key, secret, memo, sent_signs)
