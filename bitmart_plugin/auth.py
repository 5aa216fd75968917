"""BitMart REST signing and WebSocket login (bitmart_api.md §3). Pure functions, known-answer tested."""

from __future__ import annotations

import hashlib
import hmac
import time

__all__ = ["WS_LOGIN_MESSAGE", "rest_auth_headers", "sign", "ws_login_message"]

WS_LOGIN_MESSAGE = "bitmart.WebSocket"


def sign(secret: str, memo: str, timestamp_ms: str, payload: str) -> str:
    """Lowercase hex HMAC-SHA256 of `timestamp#memo#payload` keyed by the secret."""
    prehash = f"{timestamp_ms}#{memo}#{payload}".encode()
    return hmac.new(secret.encode(), prehash, hashlib.sha256).hexdigest()


def now_ms() -> str:
    return str(int(time.time() * 1000))


def rest_auth_headers(api_key: str, secret: str, memo: str, body: str, timestamp_ms: str | None = None) -> dict[str, str]:
    """Headers for a SIGNED call; `body` is the exact JSON text sent (POST) or the query string (GET)."""
    ts = timestamp_ms or now_ms()
    return {"X-BM-KEY": api_key, "X-BM-TIMESTAMP": ts, "X-BM-SIGN": sign(secret, memo, ts, body)}


def ws_login_message(api_key: str, secret: str, memo: str, timestamp_ms: str | None = None) -> dict[str, object]:
    """The spot private-socket login op: `{"op":"login","args":[key, ts, sign]}`."""
    ts = timestamp_ms or now_ms()
    return {"op": "login", "args": [api_key, ts, sign(secret, memo, ts, WS_LOGIN_MESSAGE)]}
