"""BitMart error codes and HTTP failures -> host_spec errors (bitmart_api.md §5, §5.7).

`from_response` maps a decoded error envelope; `from_exception` maps whatever ccxt (or aiohttp) raised,
using the status/body captured for that request when we have it. Every error names the connector and
keeps the venue's code, and the message says what the user can do about it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from host_spec import (
    AuthError,
    ConnectorError,
    InsufficientBalance,
    InvalidOrder,
    InvalidPair,
    NetworkError,
    OrderNotFound,
    OrderRejected,
    PostOnlyRejected,
    RateLimited,
)

CONNECTOR = "bitmart"

AUTH_CODES = frozenset({30001, 30002, 30003, 30004, 30005, 30006, 30007, 30008, 30010, 30011, 30012, 30019})
BALANCE_CODES = frozenset({50020, 60008, 61001})
POST_ONLY_CODES = frozenset({50034, 50035})
NOT_FOUND_CODES = frozenset({50005, 50032})
ALREADY_DONE_CODES = frozenset({50030, 50031, 50036})
PAIR_CODES = frozenset({50001, 70002, 50040, 50023, 92001})
INVALID_ORDER_CODES = frozenset(
    {50006, 50007, 50008, 50009, 50010, 50011, 50012, 50021, 50025, 50029, 50037, 50038, 50039, 50042}
    | set(range(51009, 51016))
)
NETWORK_CODES = frozenset({30014, 30016, 50022}) | frozenset(range(59001, 59012))

_AUTH_HINTS = {
    30001: "the API key is missing; set BITMART_API_KEY",
    30002: "the API key is unknown to BitMart; check BITMART_API_KEY",
    30003: "the API key is frozen; unfreeze it or create a new one",
    30004: "the request signature is missing; check BITMART_SECRET_KEY and BITMART_MEMO",
    30005: "the request signature is wrong; check the memo (BITMART_MEMO must be exactly the memo chosen "
    "when the key was created, a wrong memo is the usual cause) and the secret key (BITMART_SECRET_KEY)",
    30007: "the request timestamp is outside the allowed window; check the system clock",
    30008: "the request timestamp is malformed; check the system clock",
    30010: "this IP address is not whitelisted for the API key",
    30011: "the API key has expired",
    30012: "the API key may not call this endpoint; check its permissions",
    30019: "the API key has no permission for this operation",
}


def _code_of(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def parse_envelope(body: str | None) -> tuple[int | None, str]:
    """(code, message) of a BitMart JSON envelope, or (None, '') when the body is not one."""
    if not body:
        return None, ""
    try:
        data = json.loads(body)
    except ValueError:
        return None, ""
    if not isinstance(data, dict):
        return None, ""
    return _code_of(data.get("code")), str(data.get("message") or "")


def _retry_after(headers: dict[str, str] | None) -> float | None:
    if not headers:
        return None
    low = {k.lower(): v for k, v in headers.items()}
    for key in ("retry-after", "x-bm-ratelimit-reset"):
        try:
            return float(low[key])
        except (KeyError, ValueError):
            continue
    return None


def from_response(
    code: int | None, message: str, *, status: int | None = None, headers: dict[str, str] | None = None,
    what: str = "request", connector: str = CONNECTOR,
) -> ConnectorError:
    """The host_spec error for a BitMart error envelope (or a bare HTTP status when code is None)."""
    kw: dict[str, Any] = {"code": code if code is not None else status, "connector": connector}
    text = message or "no message"
    if code in AUTH_CODES or (code is None and status in (401, 403)):
        hint = _AUTH_HINTS.get(code or 0, "check the API key, secret key and memo")
        return AuthError(f"BitMart refused the credentials: {hint} [{text}]", **kw)
    if code == 30017 or status == 418:
        ra = _retry_after(headers)
        return RateLimited(f"BitMart banned this client for exceeding rate limits; stop for {ra or 60:g} s [{text}]",
                           retry_after=ra or 60.0, banned=True, **kw)
    if code == 30013 or status == 429:
        ra = _retry_after(headers)
        return RateLimited(f"BitMart rate limit reached on {what}; retry after {ra or 2:g} s [{text}]",
                           retry_after=ra, **kw)
    if code in BALANCE_CODES:
        return InsufficientBalance(f"insufficient balance for this order [{text}]", **kw)
    if code in POST_ONLY_CODES:
        return PostOnlyRejected(f"post-only order would have crossed the book [{text}]", **kw)
    if code in NOT_FOUND_CODES:
        return OrderNotFound(f"order not found [{text}]", **kw)
    if code in ALREADY_DONE_CODES:
        return OrderRejected(f"order is already finished [{text}]", **kw)
    if code in PAIR_CODES:
        return InvalidPair(f"the trading pair is unknown or not tradable [{text}]", **kw)
    if code in INVALID_ORDER_CODES:
        return InvalidOrder(f"BitMart rejected the order parameters [{text}]", rule=f"bitmart_{code}", **kw)
    if code in NETWORK_CODES or (status is not None and status >= 500):
        return NetworkError(f"BitMart is unavailable ({status or 'no status'}) on {what} [{text}]", **kw)
    if code is not None and 50000 <= code < 60000:
        return OrderRejected(f"BitMart rejected the {what} [{text}]", **kw)
    return ConnectorError(f"BitMart error on {what} [{text}]", **kw)


def from_exception(
    exc: BaseException, *, status: int | None = None, body: str | None = None,
    headers: dict[str, str] | None = None, what: str = "request",
    respond: Callable[..., ConnectorError] = from_response, connector: str = CONNECTOR,
) -> ConnectorError:
    """Map a ccxt/aiohttp/asyncio exception raised by one REST call to a host_spec error.

    `respond` maps an error envelope (the futures connector passes its own, which knows the futures codes)."""
    if isinstance(exc, ConnectorError):
        return exc
    code, message = parse_envelope(body)
    if code is None:
        code, message = _code_in_text(str(exc))
    if code is not None or status is not None:
        if code is not None and code != 1000:
            return respond(code, message, status=status, headers=headers, what=what)
        if status is not None and status >= 400:
            return respond(None, message or str(status), status=status, headers=headers, what=what)
    name = type(exc).__name__
    if any(c.__name__ == "AuthenticationError" for c in type(exc).__mro__):  # ccxt, before sending anything
        return AuthError(f"BitMart {what} needs credentials: {exc}", connector=connector)
    detail = "timed out" if "Timeout" in name else "could not be completed"
    return NetworkError(f"BitMart {what} {detail} ({name})", connector=connector)


def _code_in_text(text: str) -> tuple[int | None, str]:
    """ccxt puts the raw body after 'bitmart ' in its messages; pull the envelope back out."""
    start = text.find("{")
    if start < 0:
        return None, ""
    return parse_envelope(text[start:])


def is_uncertain(exc: BaseException) -> bool:
    """True when a request may have been executed although we got no usable answer (timeout, dropped
    connection, 5xx, an answer we could not read): for order entry this must be resolved by querying, never
    by sending again. BitMart's error answers (429 included) mean it was not carried out."""
    return isinstance(exc, NetworkError) or not isinstance(exc, ConnectorError)
