"""The REST machinery the spot and futures clients share: ccxt 4.5.70 (async) for URLs, signing and aiohttp,
our throttle for BitMart's limits, retries for reads only, and every failure mapped to a host_spec error.

Calls go through ccxt's generic `request(path, api, method, params)` (the implicit raw endpoints, never the
unified API: see `spot/rest.py` for why), so paths ccxt does not list (futures `trade-fee-rate`) work too.
ccxt's own rate limiter is off. A subclass names its host, its public path prefixes and its error mapper.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from host_spec import ConnectorError, NetworkError, RateLimited

from bitmart_plugin import errors_map
from bitmart_plugin.settings import BitmartSettings
from bitmart_plugin.throttle import Limit, Throttle

__all__ = ["RestClient"]

ErrorMapper = Callable[..., ConnectorError]


@dataclass
class _Capture:
    status: int | None = None
    headers: dict[str, str] | None = None
    body: str | None = None


_CAPTURE: contextvars.ContextVar[_Capture | None] = contextvars.ContextVar("bitmart_rest_capture", default=None)


def _on_response(status: int, reason: str, url: str, method: str, headers: dict[str, str], body: str,
                 request_headers: Any, request_body: Any) -> str:
    cap = _CAPTURE.get()
    if cap is not None:
        cap.status, cap.headers, cap.body = status, dict(headers), body
    return body


class RestClient:
    """One ccxt client plus a throttle; `request` returns the envelope's `data` or raises a host_spec error."""

    connector: ClassVar[str] = "bitmart"
    public_prefixes: ClassVar[tuple[str, ...]] = ("/system/",)
    limits: ClassVar[dict[str, Limit] | None] = None  # None: the throttle's spot table
    map_exception: ClassVar[ErrorMapper] = staticmethod(errors_map.from_exception)
    map_response: ClassVar[ErrorMapper] = staticmethod(errors_map.from_response)

    def __init__(
        self, settings: BitmartSettings, *, throttle: Throttle | None = None, timeout_ms: int = 10_000,
        retries: int = 3, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._settings = settings
        self.throttle = throttle or Throttle(settings.rate_limit_safety, limits=self.limits, connector=self.connector)
        self._timeout_ms = timeout_ms
        self._retries = retries
        self._sleep = sleep
        self._client: Any = None
        self.calls: list[str] = []  # paths in the order sent (tests and diagnostics)

    def base_url(self) -> str:
        """The host every path of this client goes to."""
        return self._settings.rest_url

    def _ensure_client(self) -> Any:
        if self._client is None:
            import ccxt.async_support as ccxt_async  # heavy: imported only when a session talks REST

            s = self._settings
            config: dict[str, Any] = {"enableRateLimit": False, "timeout": self._timeout_ms}
            if s.has_credentials:
                assert s.api_key and s.secret_key and s.memo
                config.update(apiKey=s.api_key.get_secret_value(), secret=s.secret_key.get_secret_value(),
                              uid=s.memo.get_secret_value())
            client = ccxt_async.bitmart(config)
            url = self.base_url()
            client.urls["api"] = {"spot": url, "swap": url}
            client.on_rest_response = _on_response
            self._client = client
        return self._client

    async def request(self, path: str, http_method: str = "GET", params: Mapping[str, Any] | None = None, *,
                      idempotent: bool = True, what: str = "") -> Any:
        """Send one request; reads are retried on 429/5xx/timeouts, writes never are."""
        client = self._ensure_client()
        access = "public" if path.startswith(self.public_prefixes) else "private"
        what = what or path
        attempt = 0
        while True:
            await self.throttle.acquire(path)
            cap = _Capture()
            token = _CAPTURE.set(cap)
            self.calls.append(path)
            try:
                response = await client.request(path.strip("/"), access, http_method.upper(), dict(params or {}))
            except Exception as exc:  # noqa: BLE001 - every failure is mapped below
                err = self.map_exception(exc, status=cap.status, body=cap.body, headers=cap.headers, what=what)
                self.throttle.observe(path, cap.headers)
                if isinstance(err, RateLimited) and err.banned:
                    self.throttle.ban(path, err.retry_after)
                    raise err from None
                if isinstance(err, RateLimited):
                    self.throttle.penalize(path, err.retry_after)
                elif not isinstance(err, NetworkError):
                    raise err from None
                if not idempotent or attempt >= self._retries:
                    raise err from None
                attempt += 1
                if isinstance(err, NetworkError):
                    await self._sleep(min(2.0, 0.1 * 2**attempt))
                continue
            finally:
                _CAPTURE.reset(token)
            self.throttle.observe(path, cap.headers)
            if isinstance(response, dict) and "code" in response and str(response.get("code")) != "1000":
                raise self.map_response(int(response["code"]), str(response.get("message", "")), what=what)
            return response.get("data") if isinstance(response, dict) else response

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.close()
