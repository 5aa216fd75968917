"""REST dispatch: faults, routing, rate limits, auth (api §3.4 order), envelope and error mapping.

One table for both families: spot paths (rest_public / rest_private) and futures paths
(futures/rest_routes). Futures business errors (40000-49999) carry no ``data`` key (futures §6).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

from aiohttp import web

from . import envelope
from .envelope import NO_DATA, ApiError
from .core.errors import ExchangeError
from .futures import rest_routes as futures
from .ratelimit import RULES as SPOT_RULES
from .ratelimit import window_headers
from .spot.rest_private import KEYED as SPOT_KEYED
from .spot.rest_private import ORDER_PATHS as SPOT_ORDER_PATHS
from .spot.rest_private import REMOVED
from .spot.rest_private import SIGNED as SPOT_SIGNED
from .rest_request import Req
from .spot.rest_public import PUBLIC as SPOT_PUBLIC
from .signing import verify
from .state import Credentials, State

log = logging.getLogger(__name__)
PUBLIC = {**SPOT_PUBLIC, **futures.PUBLIC}
KEYED = {**SPOT_KEYED, **futures.KEYED}
SIGNED = {**SPOT_SIGNED, **futures.SIGNED}
RULES = {**SPOT_RULES, **futures.RULES}
ORDER_PATHS = SPOT_ORDER_PATHS | futures.ORDER_PATHS


def _error_data(code: int, data: Any) -> Any:
    return NO_DATA if 40000 <= code < 50000 else data


class RestRouter:
    """One aiohttp handler serving every spot REST path."""

    def __init__(self, state: State) -> None:
        self.state = state

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Entry point for every non-admin, non-WebSocket request."""
        st = self.state
        path = request.path
        now_ms = st.now_ms()
        trace = st.traces.next(now_ms)
        if st.faults.take("http_5xx"):
            return envelope.response(30014, envelope.MESSAGES[30014], trace, {})
        if st.faults.take("burst_429"):
            return envelope.response(30013, envelope.MESSAGES[30013], trace, {}, headers=self._exhausted(path))
        headers: dict[str, str] = {}
        try:
            if path in REMOVED:
                raise ApiError(30031)
            if path in PUBLIC:
                level, handler, method = "NONE", PUBLIC[path], "GET"
            elif path in KEYED:
                level, handler, method = "KEYED", KEYED[path], "GET"
            elif path in SIGNED:
                level, handler, method = "SIGNED", SIGNED[path], "POST"
            else:
                raise ApiError(30000)
            if request.method != method:
                raise ApiError(57001)
            rule = RULES.get(path)
            remote = request.remote or "127.0.0.1"
            if rule is not None and rule.mode == "IP":
                headers = st.limiter.hit(rule, remote, time.monotonic())
            raw = await request.read()
            body: dict[str, Any] = {}
            cred: Credentials | None = None
            if level != "NONE":
                cred = self._key(request)
            if level == "SIGNED":
                assert cred is not None
                body = self._signed(request, cred, raw, path, now_ms)
            if rule is not None and rule.mode != "IP" and cred is not None:
                target = cred.account_id if rule.mode == "UID" else cred.api_key
                headers = st.limiter.hit(rule, target, time.monotonic())
            req = Req(path, dict(request.query), body, cred.account_id if cred else None)
            data = handler(st, req)
        except ApiError as e:
            headers = {**headers, **e.headers}
            return envelope.response(e.code, e.message, trace, _error_data(e.code, e.data), headers=headers or None)
        except ExchangeError as e:
            return envelope.response(e.code, e.message, trace, _error_data(e.code, {}), headers=headers or None,
                                     status=getattr(e, "http_status", None) or envelope.http_status(e.code))
        resp = envelope.response(1000, envelope.success_message(path), trace, data,
                                 headers=headers or None)
        if path in ORDER_PATHS:
            if cred is not None and st.faults.take("push_first"):
                await st.faults.hold_for_pushes(cred.account_id)
            if st.faults.take("lose_response"):
                return await self._lose(request)
            if st.faults.take("delay_response"):
                await asyncio.sleep(st.faults.delay_response_ms / 1000)
        return resp

    def _exhausted(self, path: str) -> dict[str, str] | None:
        """The headers a real 429 carries: the endpoint's window, one request past its limit."""
        rule = RULES.get(path)
        if rule is None:
            return None
        limit = self.state.limiter.limit_of(rule)
        return window_headers(rule, limit, limit + 1)

    async def _lose(self, request: web.Request) -> web.StreamResponse:
        """Close the connection without answering (the request was already executed)."""
        transport = request.transport
        if transport is not None:
            transport.abort()
        raise asyncio.CancelledError()

    def _key(self, request: web.Request) -> Credentials:
        key = request.headers.get("X-BM-KEY", "")
        if not key:
            raise ApiError(30001)
        cred = self.state.keys.get(key)
        if cred is None:
            raise ApiError(30002)
        return cred

    def _signed(self, request: web.Request, cred: Credentials, raw: bytes, path: str,
                now_ms: int) -> dict[str, Any]:
        sign = request.headers.get("X-BM-SIGN", "")
        if not sign:
            raise ApiError(30004)
        ts_raw = request.headers.get("X-BM-TIMESTAMP", "")
        if not ts_raw:
            raise ApiError(30006)
        if not (ts_raw.isascii() and ts_raw.isdigit()):  # int() would also take "1_0", " 1" and other scripts' digits
            raise ApiError(30008)
        ts = int(ts_raw)
        try:
            body = json.loads(raw) if raw.strip() else {}
        except (ValueError, UnicodeDecodeError):
            raise ApiError(30018) from None
        except RecursionError:
            raise ApiError(50000, "Bad Request [request body nests too deeply]") from None
        if not isinstance(body, dict):
            raise ApiError(30018)
        if path.startswith("/spot/v4/"):
            rw = body.get("recvWindow", 5000)
            if isinstance(rw, bool) or not isinstance(rw, (int, str)):
                raise ApiError(30007, "Param recvWindow must be long type")
            try:
                window = int(rw)
            except ValueError:
                raise ApiError(30007, "Param recvWindow must be long type") from None
            if not 0 < window <= 60000:
                raise ApiError(30007, "Param recvWindow must be less than 60000 and greater than 0")
            if not (ts < now_ms + 1000 and now_ms - ts <= window):
                raise ApiError(30007, "Header X-BM-TIMESTAMP range. Timestamp for this request is "
                                      "outside of the recvWindow.")
        elif abs(ts - now_ms) > self.state.config.ts_window_ms:
            raise ApiError(30007)
        if not verify(cred.secret_key, ts_raw, cred.memo, raw, sign):
            raise ApiError(30005)
        return body
