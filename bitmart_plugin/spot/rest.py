"""BitMart spot REST through ccxt 4.5.70 (async), mapped to host_spec models and errors.

We use ccxt's implicit raw endpoint methods (`private_post_spot_v2_submit_order`, ...) rather than the
unified API, on purpose:
- the unified `create_order` needs `load_markets`, which also fetches futures contracts from a second host,
  and it passes amounts through floats; we send our exact Decimal strings;
- a market buy must be sized by quote `notional`; unified ccxt would need
  `createMarketBuyOrderRequiresPrice=False` and the cost passed as `amount` — the raw call sends
  `notional` explicitly, which is clearer;
- the unified order/trade parsers drop what we need (`partially_canceled` vs `canceled`, `cancelSource`,
  `tradeRole`, exact decimals) and the client order id is only reachable through params anyway.
ccxt still does the work we want from it: URL building, signing (key/secret/memo as `uid`), aiohttp.
Its own rate limiter is off: `throttle.Throttle` applies BitMart's per-endpoint limits and headers.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from host_spec import Balance, FeeRates, Fill, NetworkError, RateLimited, Side, TradingPair, TradingRule

from bitmart_plugin.errors_map import from_exception, from_response
from bitmart_plugin.spot.rules import rule_from_symbol
from bitmart_plugin.settings import BitmartSettings
from bitmart_plugin.throttle import Throttle

PUBLIC_PREFIXES = ("/system/", "/spot/v1/symbols", "/spot/v1/currencies", "/spot/quotation/", "/contract/public/")


@dataclass
class _Capture:
    status: int | None = None
    headers: dict[str, str] | None = None
    body: str | None = None


_CAPTURE: contextvars.ContextVar[_Capture | None] = contextvars.ContextVar("bitmart_rest_capture", default=None)


def pair_of(symbol: str) -> TradingPair:
    """BitMart `BTC_USDT` -> TradingPair."""
    base, _, quote = symbol.partition("_")
    return TradingPair(base.upper(), quote.upper())


def dec(value: Any) -> Decimal:
    return Decimal(str(value)) if value not in (None, "") else Decimal(0)


def method_name(path: str, http_method: str) -> str:
    """ccxt implicit method for a path: `/spot/v4/query/client-order` POST -> `private_post_spot_v4_query_client_order`."""
    access = "public" if path.startswith(PUBLIC_PREFIXES) else "private"
    return f"{access}_{http_method.lower()}_{path.strip('/').replace('/', '_').replace('-', '_')}"


def fill_from_v4(raw: Mapping[str, Any]) -> Fill:
    """One `/spot/v4/query/trades` row -> Fill."""
    return Fill(
        trade_id=str(raw["tradeId"]),
        client_order_id=str(raw.get("clientOrderId") or ""),
        exchange_order_id=str(raw.get("orderId") or ""),
        pair=pair_of(str(raw["symbol"])),
        side=Side.BUY if str(raw.get("side")).lower() == "buy" else Side.SELL,
        price=dec(raw.get("price")),
        amount=dec(raw.get("size")),
        fee=dec(raw.get("fee")),
        fee_asset=str(raw.get("feeCoinName") or ""),
        is_maker=str(raw.get("tradeRole")).lower() == "maker",
        timestamp_ms=int(raw.get("createTime") or 0),
    )


class BitmartRest:
    """One ccxt client plus our throttle; every call returns the envelope's `data` or raises a host_spec error."""

    def __init__(
        self, settings: BitmartSettings, *, throttle: Throttle | None = None, timeout_ms: int = 10_000,
        retries: int = 3, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._settings = settings
        self.throttle = throttle or Throttle(settings.rate_limit_safety)
        self._timeout_ms = timeout_ms
        self._retries = retries
        self._sleep = sleep
        self._client: Any = None
        self.calls: list[str] = []  # paths in the order sent (tests and diagnostics)

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
            client.urls["api"] = {"spot": s.rest_url, "swap": s.rest_url}
            client.on_rest_response = self._on_response
            self._client = client
        return self._client

    @staticmethod
    def _on_response(status: int, reason: str, url: str, method: str, headers: dict[str, str], body: str,
                     request_headers: Any, request_body: Any) -> str:
        cap = _CAPTURE.get()
        if cap is not None:
            cap.status, cap.headers, cap.body = status, dict(headers), body
        return body

    async def request(self, path: str, http_method: str = "GET", params: Mapping[str, Any] | None = None, *,
                      idempotent: bool = True, what: str = "") -> Any:
        """Send one request; reads are retried on 429/5xx/timeouts, writes never are."""
        client = self._ensure_client()
        call = getattr(client, method_name(path, http_method))
        what = what or path
        attempt = 0
        while True:
            await self.throttle.acquire(path)
            cap = _Capture()
            token = _CAPTURE.set(cap)
            self.calls.append(path)
            try:
                response = await call(dict(params or {}))
            except Exception as exc:  # noqa: BLE001 - every failure is mapped below
                err = from_exception(exc, status=cap.status, body=cap.body, headers=cap.headers, what=what)
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
                raise from_response(int(response["code"]), str(response.get("message", "")), what=what)
            return response.get("data") if isinstance(response, dict) else response

    # ---- endpoints ------------------------------------------------------------------------------

    async def server_time(self) -> int:
        data = await self.request("/system/time", what="server time")
        return int(data["server_time"])

    async def trading_rules(self) -> dict[TradingPair, TradingRule]:
        """`GET /spot/v1/symbols/details` -> rule per pair (raw rows: ccxt's markets lose quote_increment/min_sell)."""
        data = await self.request("/spot/v1/symbols/details", what="trading rules")
        rules = (rule_from_symbol(row) for row in data.get("symbols", []))
        return {r.pair: r for r in rules}

    async def balances(self) -> dict[str, Balance]:
        data = await self.request("/spot/v1/wallet", what="balances")
        out: dict[str, Balance] = {}
        for row in data.get("wallet", []):
            asset = str(row.get("id") or row.get("currency")).upper()
            out[asset] = Balance(asset, dec(row.get("available")), dec(row.get("frozen")))
        return out

    async def fee_rates(self, symbol: str) -> FeeRates:
        data = await self.request("/spot/v1/trade_fee", params={"symbol": symbol}, what="fee rates")
        maker = max(dec(data.get("buy_maker_fee_rate")), dec(data.get("sell_maker_fee_rate")))
        taker = max(dec(data.get("buy_taker_fee_rate")), dec(data.get("sell_taker_fee_rate")))
        return FeeRates(maker=maker, taker=taker)

    async def check_signed(self) -> None:
        """A cheap SIGNED call (KEYED calls do not check the signature, so they cannot catch a wrong memo)."""
        await self.request("/spot/v4/query/open-orders", "POST", {"limit": 1}, what="credentials check")

    async def submit_order(self, params: Mapping[str, Any]) -> str:
        """`POST /spot/v2/submit_order` (never retried); returns the exchange order id."""
        data = await self.request("/spot/v2/submit_order", "POST", params, idempotent=False, what="order placement")
        return str(data["order_id"])

    async def cancel_order(self, symbol: str, client_order_id: str) -> bool:
        data = await self.request("/spot/v3/cancel_order", "POST",
                                  {"symbol": symbol, "client_order_id": client_order_id},
                                  idempotent=False, what="order cancel")
        return bool(data.get("result", True)) if isinstance(data, dict) else True

    async def cancel_all(self, symbol: str | None) -> None:
        await self.request("/spot/v4/cancel_all", "POST", {"symbol": symbol} if symbol else {},
                           idempotent=False, what="cancel all")

    async def query_client_order(self, client_order_id: str) -> dict[str, Any]:
        return await self.request("/spot/v4/query/client-order", "POST", {"clientOrderId": client_order_id},
                                  what="order query")

    async def open_orders(self, symbol: str | None) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"orderMode": "spot", "limit": 200}
        if symbol:
            params["symbol"] = symbol
        return list(await self.request("/spot/v4/query/open-orders", "POST", params, what="open orders"))

    async def my_trades(self, symbol: str | None, since_ms: int | None, limit: int = 200) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"orderMode": "spot", "limit": limit}
        if symbol:
            params["symbol"] = symbol
        if since_ms is not None:
            params["startTime"] = int(since_ms)
        return list(await self.request("/spot/v4/query/trades", "POST", params, what="fills"))

    async def order_trades(self, order_id: str) -> list[dict[str, Any]]:
        return list(await self.request("/spot/v4/query/order-trades", "POST", {"orderId": order_id}, what="order fills"))

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.close()
