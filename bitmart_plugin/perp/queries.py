"""Query parameters of the futures GET endpoints, each time in the unit its endpoint takes. Pure.

bitmart_futures.md §2.4: `/trades` and `/order-history` take `start_time`/`end_time` in **seconds**,
`/transaction-history` in **milliseconds** (ccxt sends ms to the seconds endpoints). Host times are
always epoch ms; a start is floored and an end rounded up, so converting never loses a row at the edges.
"""

from __future__ import annotations

from typing import Any

from bitmart_plugin.perp.parse_funding import FUNDING_FLOW

__all__ = ["funding_history_params", "order_history_params", "order_params", "trades_params"]

MAX_HISTORY_PAGE = 1000  # transaction-history page_size


def _seconds(start_ms: int | None, end_ms: int | None) -> dict[str, int]:
    out = {}
    if start_ms is not None:
        out["start_time"] = start_ms // 1000
    if end_ms is not None:
        out["end_time"] = -(-end_ms // 1000)
    return out


def trades_params(symbol: str | None = None, *, order_id: str | None = None, start_ms: int | None = None,
                  end_ms: int | None = None) -> dict[str, Any]:
    """`GET /contract/private/trades` (times in seconds)."""
    params: dict[str, Any] = {"symbol": symbol} if symbol else {}
    if order_id:
        params["order_id"] = order_id
    return params | _seconds(start_ms, end_ms)


def order_history_params(symbol: str, *, start_ms: int | None = None, end_ms: int | None = None) -> dict[str, Any]:
    """`GET /contract/private/order-history` (symbol required; times in seconds)."""
    return {"symbol": symbol} | _seconds(start_ms, end_ms)


def order_params(symbol: str, order_id: str) -> dict[str, str]:
    """`GET /contract/private/order` (by the venue's order id: this path has no client-id lookup)."""
    return {"symbol": symbol, "order_id": order_id}


def funding_history_params(symbol: str | None = None, *, start_ms: int | None = None, end_ms: int | None = None,
                           page_size: int = MAX_HISTORY_PAGE) -> dict[str, Any]:
    """`GET /contract/private/transaction-history` for funding fees only (flow_type 3; times in ms)."""
    params: dict[str, Any] = {"flow_type": FUNDING_FLOW, "page_size": min(page_size, MAX_HISTORY_PAGE)}
    if symbol:
        params["symbol"] = symbol
    if start_ms is not None:
        params["start_time"] = start_ms
    if end_ms is not None:
        params["end_time"] = end_ms
    return params
