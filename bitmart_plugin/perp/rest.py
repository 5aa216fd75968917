"""BitMart USDT-M futures REST through ccxt 4.5.70's raw endpoints (`bitmart_plugin.rest_client`), on the futures host.

Raw endpoints, as for spot (see `spot/rest.py`), and more so here: ccxt's unified futures calls are wrong
in ways bitmart_futures.md §7.2 lists (v1 position fields read from v2 rows, ms sent to seconds endpoints,
`open_type` always sent as cross, state 4 always "closed"). Every method returns the envelope's `data`
as the venue sent it (the pure `perp.parse_*` modules turn it into host models, in base units) or raises
a host_spec error mapped by `perp.errors_map` (futures codes) and throttled at the futures limits.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from host_spec import OrderNotFound

from bitmart_plugin.perp import errors_map
from bitmart_plugin.perp.queries import funding_history_params, order_params, trades_params
from bitmart_plugin.perp.symbols import CONNECTOR
from bitmart_plugin.rest_client import RestClient
from bitmart_plugin.throttle import FUTURES_LIMITS

__all__ = ["FuturesRest"]

_PRIVATE = "/contract/private/"
CHECK_CLIENT_ID = "hscredentialcheck"  # cancelled by client id to test a signature; no order ever has it


class FuturesRest(RestClient):
    """The futures endpoints the perpetual session uses."""

    connector = CONNECTOR
    public_prefixes = ("/system/", "/contract/public/")
    limits = FUTURES_LIMITS
    map_exception = staticmethod(errors_map.from_exception)
    map_response = staticmethod(errors_map.from_response)

    def base_url(self) -> str:
        return self._settings.futures_rest_url

    async def _get(self, name: str, params: Mapping[str, Any] | None = None, what: str = "") -> Any:
        return await self.request(_PRIVATE + name, "GET", params, what=what)

    async def _post(self, name: str, body: Mapping[str, Any], what: str) -> Any:
        return await self.request(_PRIVATE + name, "POST", body, idempotent=False, what=what)

    # ---- public ---------------------------------------------------------------------------------

    async def server_time(self) -> int:
        data = await self.request("/system/time", what="server time")
        return int(data["server_time"])

    async def details(self, symbol: str | None = None) -> Any:
        return await self.request("/contract/public/details", params={"symbol": symbol} if symbol else {},
                                  what="contract details")

    async def leverage_brackets(self) -> Any:
        """Risk tiers of every contract (maintenance margin ratios, leverage caps by position size)."""
        return await self.request("/contract/public/leverage-bracket", what="leverage brackets")

    async def funding_rate(self, symbol: str) -> Any:
        return await self.request("/contract/public/funding-rate", params={"symbol": symbol}, what="funding rate")

    async def funding_rate_history(self, symbol: str) -> Any:
        return await self.request("/contract/public/funding-rate-history", params={"symbol": symbol, "limit": 100},
                                  what="funding rate history")

    async def mark_klines(self, symbol: str, start_s: int, end_s: int) -> list[Any]:
        """1-minute mark-price candles (times in seconds, as the endpoint takes them)."""
        params = {"symbol": symbol, "step": 1, "start_time": start_s, "end_time": end_s}
        return list(await self.request("/contract/public/markprice-kline", params=params, what="mark price") or [])

    # ---- account --------------------------------------------------------------------------------

    async def assets(self) -> Any:
        return await self._get("assets-detail", what="balances")

    async def fee_rate(self, symbol: str) -> Any:
        return await self._get("trade-fee-rate", {"symbol": symbol}, what="fee rates")

    async def positions(self, symbol: str | None) -> Any:
        return await self._get("position-v2", {"symbol": symbol} if symbol else {}, what="positions")

    async def position_mode(self) -> Any:
        return await self._get("get-position-mode", what="position mode")

    async def set_position_mode(self, body: Mapping[str, Any]) -> Any:
        return await self._post("set-position-mode", body, "position mode change")

    async def set_leverage(self, body: Mapping[str, Any]) -> Any:
        return await self._post("submit-leverage", body, "leverage change")

    async def check_signed(self) -> None:
        """A SIGNED call without effect: cancel an order id no order has (KEYED calls ignore the signature, so
        only a SIGNED one catches a wrong secret or memo). "Not found" means the signature was accepted."""
        try:
            await self._post("cancel-order", {"symbol": "BTCUSDT", "client_order_id": CHECK_CLIENT_ID},
                             "credentials check")
        except OrderNotFound:
            pass

    # ---- orders ---------------------------------------------------------------------------------

    async def submit_order(self, body: Mapping[str, Any]) -> str:
        """`submit-order` (never retried); the venue's order id."""
        data = await self._post("submit-order", body, "order placement")
        return str(data["order_id"])

    async def cancel_order(self, symbol: str, client_order_id: str) -> None:
        """Cancel by our client id (the venue matches it among live orders only: 40037 once finished)."""
        await self._post("cancel-order", {"symbol": symbol, "client_order_id": client_order_id}, "order cancel")

    async def cancel_all(self, symbol: str) -> None:
        await self._post("cancel-orders", {"symbol": symbol}, "cancel all")

    async def order(self, symbol: str, order_id: str) -> Any:
        return await self._get("order", order_params(symbol, order_id), what="order query")

    async def open_orders(self, symbol: str | None) -> list[Any]:
        params: dict[str, Any] = {"limit": 100}
        if symbol:
            params["symbol"] = symbol
        return list(await self._get("get-open-orders", params, what="open orders") or [])

    async def order_history(self, symbol: str, client_order_id: str) -> list[Any]:
        """Finished orders of `symbol` with our client id (the last 7 days, the venue's default window)."""
        params = {"symbol": symbol, "client_order_id": client_order_id}
        return list(await self._get("order-history", params, what="order query") or [])

    async def trades(self, symbol: str | None, *, order_id: str | None = None, start_ms: int | None = None,
                     end_ms: int | None = None) -> list[Any]:
        params = trades_params(symbol, order_id=order_id, start_ms=start_ms, end_ms=end_ms)
        return list(await self._get("trades", params, what="fills") or [])

    async def funding_payments(self, symbol: str | None, start_ms: int | None) -> list[Any]:
        return list(await self._get("transaction-history", funding_history_params(symbol, start_ms=start_ms),
                                    what="funding payments") or [])
