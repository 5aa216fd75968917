"""BitMart REST envelope {code,message,trace,data}, per-family success text, HTTP status per code."""

from __future__ import annotations

import itertools
import json
import random
from typing import Any

from aiohttp import web

#: HTTP status of each non-business code (api §5.1, §5.3); anything else in 5xxxx is 400.
_STATUS: dict[int, int] = {
    30000: 404, 30001: 401, 30002: 401, 30003: 401, 30004: 401, 30005: 401, 30006: 401,
    30007: 401, 30008: 401, 30010: 403, 30011: 403, 30012: 403, 30013: 429, 30014: 503,
    30016: 200, 30017: 418, 30018: 503, 30019: 200, 30030: 200, 30031: 200,
    57001: 405, 58001: 415,
}

MESSAGES: dict[int, str] = {
    30000: "Not found",
    30001: "Header X-BM-KEY is empty",
    30002: "Header X-BM-KEY not found",
    30003: "Header X-BM-KEY has frozen",
    30004: "Header X-BM-SIGN is empty",
    30005: "Header X-BM-SIGN is wrong",
    30006: "Header X-BM-TIMESTAMP is empty",
    30007: "Header X-BM-TIMESTAMP range. Within a minute",
    30008: "Header X-BM-TIMESTAMP invalid format",
    30013: "Request too many requests",
    30014: "Service unavailable",
    30017: "account rejected for violating rate limiting",
    30018: "Request Body requires JSON format",
    30031: "This endpoint has been deprecated",
    57001: "Method Not Allowed",
    70002: "symbol is invalid",
}


def http_status(code: int) -> int:
    """HTTP status BitMart uses for `code` (api §2.3, §5)."""
    if code == 1000:
        return 200
    if code in _STATUS:
        return _STATUS[code]
    if 70000 <= code < 72000:
        return 200
    if 53000 <= code < 54000:
        return 403
    if 59000 <= code < 60000:
        return 500
    return 400


def success_message(path: str) -> str:
    """Success `message` per endpoint family (api §2.2)."""
    if path.startswith("/spot/quotation/v3/") or path.startswith("/spot/v4/query/"):
        return "success"
    if path.startswith("/contract/"):
        return "Ok"
    return "OK"


class TraceIds:
    """Trace ids in BitMart's `32hex.N.17digits` form, deterministic per server instance."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed ^ 0x5EED)
        self._node = "%032x" % self._rng.getrandbits(128)
        self._n = itertools.count(1)

    def next(self, now_ms: int) -> str:
        """Next trace id."""
        n = next(self._n)
        return f"{self._node}.{60 + n % 60}.{now_ms}{n % 10000:04d}"


#: ``data`` value meaning "no data key at all" (futures errors and cancels, bitmart_futures.md §6, C3)
NO_DATA: Any = object()


def body(code: int, message: str, trace: str, data: Any) -> bytes:
    """Serialised envelope (compact JSON, key order as BitMart sends it); ``NO_DATA`` leaves ``data`` out."""
    env: dict[str, Any] = {"code": code, "message": message, "trace": trace}
    if data is not NO_DATA:
        env["data"] = data
    return json.dumps(env, separators=(",", ":")).encode()


def response(code: int, message: str, trace: str, data: Any,
             headers: dict[str, str] | None = None, status: int | None = None) -> web.Response:
    """aiohttp response carrying the envelope with the right HTTP status."""
    return web.Response(body=body(code, message, trace, data),
                        status=status if status is not None else http_status(code),
                        content_type="application/json", headers=headers)


class ApiError(Exception):
    """A BitMart error to answer with (code, message); data `{}` unless given."""

    def __init__(self, code: int, message: str | None = None, data: Any = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(code, message)
        self.code = code
        self.headers = headers or {}
        self.message = message if message is not None else MESSAGES.get(code, "Bad Request")
        self.data = {} if data is None else data
