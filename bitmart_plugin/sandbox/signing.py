"""HMAC-SHA256 signatures (api §3.2, §3.5), the sandbox's own implementation."""

from __future__ import annotations

import hashlib
import hmac

WS_PAYLOAD = b"bitmart.WebSocket"


def sign(secret: str, timestamp: str, memo: str, payload: bytes | str) -> str:
    """Lowercase hex HMAC-SHA256 of `timestamp#memo#payload` keyed by `secret`."""
    raw = payload.encode() if isinstance(payload, str) else payload
    msg = timestamp.encode() + b"#" + memo.encode() + b"#" + raw
    return hmac.new(secret.encode(), msg, hashlib.sha256).hexdigest()


def verify(secret: str, timestamp: str, memo: str, payload: bytes | str, signature: str) -> bool:
    """Constant-time comparison of a received signature with the expected one (any text: a non-ASCII one is wrong)."""
    received = signature.strip().lower().encode("utf-8", "surrogateescape")
    return hmac.compare_digest(sign(secret, timestamp, memo, payload).encode(), received)


def ws_login_sign(secret: str, timestamp: str, memo: str) -> str:
    """Signature of the spot WebSocket login (api §3.5)."""
    return sign(secret, timestamp, memo, WS_PAYLOAD)
