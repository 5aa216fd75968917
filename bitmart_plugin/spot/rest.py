"""BitMart spot REST through ccxt 4.5.70 (async), mapped to host_spec models and errors.

We use ccxt's raw endpoints (`POST spot/v2/submit_order` through `request`) rather than the
unified API, on purpose:
- the unified `create_order` needs `load_markets`, which also fetches futures contracts from a second host,
  and it passes amounts through floats; we send our exact Decimal strings;
- a market buy must be sized by quote `notional`; unified ccxt would need
  `createMarketBuyOrderRequiresPrice=False` and the cost passed as `amount` — the raw call sends
  `notional` explicitly, which is clearer;
- the unified order/trade parsers drop what we need (`partially_canceled` vs `canceled`, `cancelSource`,
  `tradeRole`, exact decimals) and the client order id is only reachable through params anyway.
ccxt still does the work we want from it: URL building, signing (key/secret/memo as `uid`), aiohttp.
Its own rate limiter is off: `throttle.Throttle` applies BitMart's per-endpoint limits and headers
(the request machinery, shared with the futures client, is `bitmart_plugin.rest_client`).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from host_spec import Balance, FeeRates, Fill, Side, TradingPair, TradingRule

from bitmart_plugin.rest_client import RestClient
from bitmart_plugin.spot.rules import rule_from_symbol

PUBLIC_PREFIXES = ("/system/", "/spot/v1/symbols", "/spot/v1/currencies", "/spot/quotation/", "/contract/public/")


def pair_of(symbol: str) -> TradingPair:
    """BitMart `BTC_USDT` -> TradingPair."""
    base, _, quote = symbol.partition("_")
    return TradingPair(base.upper(), quote.upper())


def dec(value: Any) -> Decimal:
    return Decimal(str(value)) if value not in (None, "") else Decimal(0)


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


class BitmartRest(RestClient):
    """The spot endpoints on the spot host; every call returns the envelope's `data` or raises a host_spec error."""

    public_prefixes = PUBLIC_PREFIXES

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
