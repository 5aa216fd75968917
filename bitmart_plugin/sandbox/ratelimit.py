"""Per-endpoint fixed-window rate limits and X-BM-RateLimit-* headers (api §4.1-4.2)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from .envelope import ApiError


@dataclass(frozen=True)
class Rule:
    """`limit` requests per `window_s` seconds, counted per `mode` target (IP | KEY | UID)."""

    name: str
    limit: int
    window_s: float
    mode: str


def _r(name: str, limit: int, window: float, mode: str) -> Rule:
    return Rule(name, limit, window, mode)


_SYSTEM = _r("system", 10, 1, "IP")
_ORDERS = _r("orders", 40, 2, "UID")
_QUERY1 = _r("query-one", 50, 2, "KEY")
_QUERYN = _r("query-many", 12, 2, "KEY")
_WALLET = _r("wallet", 12, 2, "KEY")
_FEES = _r("fees", 2, 2, "KEY")
_TICK = _r("quotation", 15, 2, "IP")

#: path -> rule (api §4.2 table)
RULES: dict[str, Rule] = {
    "/system/time": _SYSTEM, "/system/service": _SYSTEM,
    "/spot/v1/currencies": _r("ref", 8, 2, "IP"), "/spot/v1/symbols": _r("ref", 8, 2, "IP"),
    "/spot/v1/symbols/details": _r("details", 12, 2, "IP"),
    "/spot/quotation/v3/tickers": _r("tickers", 10, 2, "IP"),
    "/spot/quotation/v3/ticker": _TICK, "/spot/quotation/v3/lite-klines": _TICK,
    "/spot/quotation/v3/books": _TICK, "/spot/quotation/v3/trades": _TICK,
    "/spot/quotation/v3/klines": _r("klines", 10, 2, "IP"),
    "/account/v1/currencies": _r("acc-currencies", 2, 2, "IP"),
    "/account/v1/wallet": _WALLET, "/spot/v1/wallet": _WALLET,
    "/spot/v1/user_fee": _FEES, "/spot/v1/trade_fee": _FEES,
    "/spot/v2/submit_order": _ORDERS, "/spot/v4/batch_orders": _ORDERS,
    "/spot/v3/cancel_order": _ORDERS, "/spot/v4/cancel_orders": _ORDERS,
    "/spot/v4/cancel_all": _r("cancel-all", 1, 3, "UID"),
    "/spot/v4/query/order": _QUERY1, "/spot/v4/query/client-order": _QUERY1,
    "/spot/v4/query/open-orders": _QUERYN, "/spot/v4/query/history-orders": _QUERYN,
    "/spot/v4/query/trades": _QUERYN, "/spot/v4/query/order-trades": _QUERYN,
}


def window_headers(rule: Rule, limit: int, used: int) -> dict[str, str]:
    """BitMart's headers for a window: `Remaining` is the count USED so far (api §4.1), `Reset` its length."""
    return {
        "X-BM-RateLimit-Remaining": str(used),
        "X-BM-RateLimit-Limit": str(limit),
        "X-BM-RateLimit-Reset": str(int(rule.window_s) if rule.window_s >= 1 else 1),
        "X-BM-RateLimit-Mode": rule.mode,
    }


class RateLimiter:
    """Fixed windows per (rule name, target); bans a target that keeps hammering while limited."""

    def __init__(self, *, enabled: bool = True, scale: float = 1.0,
                 ban_factor: float = 3.0, ban_cooldown_s: float = 60.0) -> None:
        self.enabled = enabled
        self.scale = scale
        self.ban_factor = ban_factor
        self.ban_cooldown_s = ban_cooldown_s
        self._windows: dict[tuple[str, str], tuple[float, int]] = {}
        self._banned_until: dict[str, float] = {}

    def limit_of(self, rule: Rule) -> int:
        """Effective limit after scaling (at least 1)."""
        return max(1, int(math.floor(rule.limit * self.scale)))

    def hit(self, rule: Rule, target: str, now_s: float) -> dict[str, str]:
        """Count one request; returns headers, raises ApiError 30013 (429) or 30017 (418)."""
        limit = self.limit_of(rule)
        ban = self._banned_until.get(target) if self.enabled else None
        if ban is not None:
            if now_s < ban:
                raise ApiError(30017, headers={"X-BM-RateLimit-Mode": rule.mode})
            del self._banned_until[target]
        key = (rule.name, target)
        start, used = self._windows.get(key, (now_s, 0))
        if now_s - start >= rule.window_s:
            start, used = now_s, 0
        used += 1
        self._windows[key] = (start, used)
        headers = window_headers(rule, limit, used)
        if used > limit and self.enabled:
            if used > limit * self.ban_factor:
                self._banned_until[target] = now_s + self.ban_cooldown_s
            raise ApiError(30013, headers=headers)
        return headers

    def reset(self) -> None:
        """Forget all windows and bans."""
        self._windows.clear()
        self._banned_until.clear()
