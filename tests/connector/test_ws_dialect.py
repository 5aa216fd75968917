"""The transport in the futures dialect: control frames read from the real captures (pure), then
WsConnection over real sockets against the sandbox's futures WS: `{"action": ...}` requests, the JSON
keepalive that survives the venue's 20 s idle rule, per-topic refusals, and the `access` login."""

from __future__ import annotations

import json
from typing import Any

import pytest

from host_spec import AuthError, ConnectorError, InvalidPair, StreamError
from bitmart_plugin.perp.ws_private import ws_access_message
from bitmart_plugin.ws.connection import WsConnection
from bitmart_plugin.ws.dialect import FUTURES, SPOT, Reply
from tests.connector.perp_ws_fixture import FAST, capture, futures_sandbox, until


def read(frame: Any) -> Reply | None:
    text = frame if isinstance(frame, str) else json.dumps(frame)
    assert FUTURES.maybe_control(text)
    return FUTURES.reply(json.loads(text))


def test_futures_control_frames_from_captures() -> None:
    ack = read(capture("ws_public/ack_subscribe_doc.json"))
    assert ack == Reply("ack", "futures/klineBin1m:BTCUSDT")
    refused = read(capture("ws_public/ack_subscribe_error_not_exist_doc.json"))
    assert refused is not None and refused.kind == "error" and refused.topic == "sfutures/depth50:BTCUSDT"
    assert isinstance(refused.error, InvalidPair) and refused.error.connector == "bitmart_perpetual"
    bad_action = read(capture("ws_public/ack_invalid_action_live_ccxt.json"))
    assert bad_action is not None and type(bad_action.error) is StreamError and bad_action.topic == "futures/trade:BTCUSDT"
    need_auth = read(capture("ws_private/subscribe_need_auth_doc.json"))
    assert need_auth is not None and isinstance(need_auth.error, AuthError) and need_auth.topic == "futures/order"
    assert read(capture("ws_private/access_ok_doc.json")) == Reply("login")
    failed = read(capture("ws_private/access_fail_doc.json"))
    assert failed is not None and failed.kind == "login" and isinstance(failed.error, AuthError)
    assert "MEMO" in str(failed.error)
    pong = json.dumps(capture("ws_public/pong_shape_jkorf.json"), separators=(",", ":"))
    assert pong in FUTURES.pongs and FUTURES.ping == '{"action":"ping"}'


def test_data_pushes_are_not_control_frames() -> None:
    for name in ("ws_public/depthIncrease20_snapshot_doc.json", "ws_public/trade_doc.json",
                 "ws_private/order_doc.json", "ws_private/asset_live_ccxt.json"):
        frame = capture(name)
        text = json.dumps(frame)
        assert not FUTURES.maybe_control(text) or FUTURES.reply(frame) is None, name
    # the spot dialect leaves futures acks alone (the candles feed reads them itself) and vice versa
    assert SPOT.reply(capture("ws_public/ack_subscribe_doc.json")) is None
    assert FUTURES.reply({"event": "subscribe", "topic": "spot/trade:BTC_USDT"}) is None


async def test_futures_requests_keepalive_and_idle_rule() -> None:
    """The venue closes a socket after 0.6 s with no frame either way (sandbox switch; 20 s live): a silent
    topic stays up only because the transport pings in the futures form, and its pongs never reach the handler."""
    async with futures_sandbox(ws={"ws_idle_timeout_s": 0.6}) as (sb, _):
        got: list[Any] = []
        conn = WsConnection(sb.futures_ws_public_url, lambda p, c: got.append(p), dialect=FUTURES,
                            ping_interval=0.15, ping_max=0.3, pong_timeout=1.0, **FAST)
        conn.subscribe(["futures/trade:BTCUSDT"])  # silent: agents are off
        conn.start()
        try:
            await until(lambda: conn.pings_sent >= 12, what="a dozen pings")  # > 2 s: three idle periods
            assert conn.connects == 1 and conn.connected.is_set()
            assert got == []  # acks and JSON pongs are control frames, consumed by the transport
        finally:
            await conn.close()


async def test_one_refused_topic_is_reported_alone() -> None:
    """Futures refusals name their topic: only that topic's consumers hear it (spot blames every pending one)."""
    async with futures_sandbox() as (sb, _):
        errors: list[tuple[ConnectorError, tuple[str, ...]]] = []
        conn = WsConnection(sb.futures_ws_public_url, lambda p, c: None, dialect=FUTURES,
                            on_error=lambda e, t: errors.append((e, t)), **FAST)
        conn.subscribe(["futures/trade:BTCUSDT", "futures/trade:NOPEUSDT", "futures/fundingRate:BTCUSDT"])
        conn.start()
        try:
            await until(lambda: bool(errors) and not conn._pending, what="every answer")  # noqa: SLF001
            assert len(errors) == 1
            error, topics = errors[0]
            assert topics == ("futures/trade:NOPEUSDT",) and isinstance(error, InvalidPair)
            assert "futures/trade:NOPEUSDT" in str(error)
        finally:
            await conn.close()


async def test_access_login_signed_like_spot() -> None:
    async with futures_sandbox() as (sb, _):
        c = sb.credentials
        ok = WsConnection(sb.futures_ws_private_url, lambda p, c: None, dialect=FUTURES,
                          login=lambda: ws_access_message(c.api_key, c.secret_key, c.memo), **FAST)
        ok.subscribe(["futures/order"])
        ok.start()
        errors: list[ConnectorError] = []
        bad = WsConnection(sb.futures_ws_private_url, lambda p, c: None, dialect=FUTURES,
                           on_error=lambda e, t: errors.append(e),
                           login=lambda: ws_access_message(c.api_key, "0" * 32, c.memo), **FAST)
        bad.start()
        try:
            await until(lambda: ok.connected.is_set() and bool(errors), what="both logins answered")
            assert isinstance(errors[0], AuthError) and "MEMO" in str(errors[0])
            assert ok.connects == 1 and bad.connects == 0
        finally:
            await ok.close()
            await bad.close()


@pytest.mark.parametrize("frame", ['{"group":"System","data":"pong"}', "pong"])
def test_pongs_in_both_forms(frame: str) -> None:
    assert frame in FUTURES.pongs
