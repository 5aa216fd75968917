"""Per-endpoint sliding-window throttle at BitMart's documented limits (bitmart_api.md §4; futures §4.3).

Each endpoint belongs to a group that shares one window (e.g. submit and cancel share 40 / 2 s).
The local count is scaled by `safety`. Response headers keep us honest: `X-BM-RateLimit-Remaining` is
the number of requests ALREADY USED in the server's window (despite its name), `-Limit` its size and
`-Reset` the window length in seconds. When the server has counted more than we have, we pad our log so
we slow down before a 429. After a 429 the group waits (Retry-After or one window); after a 418 it is
closed for the cooldown and every call raises `RateLimited(banned=True)` without touching the network.
Clock and sleep are injectable for tests.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from host_spec import RateLimited

CONNECTOR = "bitmart"


@dataclass(frozen=True, slots=True)
class Limit:
    group: str
    count: int
    window_s: float


def _l(group: str, count: int, window: float) -> Limit:
    return Limit(group, count, window)


_ORDERS = _l("orders", 40, 2)
_QUERY_ONE = _l("query-one", 50, 2)
_QUERY_MANY = _l("query-many", 12, 2)
_WALLET = _l("wallet", 12, 2)
_FEES = _l("fees", 2, 2)
_QUOTES = _l("quotation", 15, 2)

LIMITS: dict[str, Limit] = {
    "/system/time": _l("system", 10, 1), "/system/service": _l("system", 10, 1),
    "/spot/v1/currencies": _l("ref", 8, 2), "/spot/v1/symbols": _l("ref", 8, 2),
    "/spot/v1/symbols/details": _l("details", 12, 2),
    "/spot/quotation/v3/tickers": _l("tickers", 10, 2),
    "/spot/quotation/v3/ticker": _QUOTES, "/spot/quotation/v3/lite-klines": _QUOTES,
    "/spot/quotation/v3/books": _QUOTES, "/spot/quotation/v3/trades": _QUOTES,
    "/spot/quotation/v3/klines": _l("klines", 10, 2),
    "/account/v1/wallet": _WALLET, "/spot/v1/wallet": _WALLET,
    "/spot/v1/user_fee": _FEES, "/spot/v1/trade_fee": _FEES,
    "/spot/v2/submit_order": _ORDERS, "/spot/v4/batch_orders": _ORDERS,
    "/spot/v3/cancel_order": _ORDERS, "/spot/v4/cancel_orders": _ORDERS,
    "/spot/v4/cancel_all": _l("cancel-all", 1, 3),
    "/spot/v4/query/order": _QUERY_ONE, "/spot/v4/query/client-order": _QUERY_ONE,
    "/spot/v4/query/open-orders": _QUERY_MANY, "/spot/v4/query/history-orders": _QUERY_MANY,
    "/spot/v4/query/trades": _QUERY_MANY, "/spot/v4/query/order-trades": _QUERY_MANY,
}
DEFAULT = _l("other", 5, 2)

# Futures (bitmart_api.md §4.3): the doc lists a limit per endpoint, so each path is its own window.
_FUTURES_COUNTS = {
    "/system/time": 10, "/contract/public/details": 12, "/contract/public/depth": 12,
    "/contract/public/funding-rate": 12, "/contract/public/funding-rate-history": 12,
    "/contract/public/kline": 12, "/contract/public/markprice-kline": 12, "/contract/public/leverage-bracket": 12,
    "/contract/public/market-trade": 12, "/contract/public/open-interest": 2,
    "/contract/private/submit-order": 24, "/contract/private/cancel-order": 40, "/contract/private/cancel-orders": 2,
    "/contract/private/modify-limit-order": 24, "/contract/private/cancel-all-after": 4,
    "/contract/private/set-position-mode": 2, "/contract/private/get-position-mode": 2,
    "/contract/private/get-open-orders": 50, "/contract/private/order": 50,
    "/contract/private/order-history": 6, "/contract/private/trades": 6, "/contract/private/transaction-history": 6,
    "/contract/private/position": 6, "/contract/private/position-v2": 6, "/contract/private/assets-detail": 12,
    "/contract/private/submit-leverage": 24, "/contract/private/position-risk": 24,
    "/contract/private/trade-fee-rate": 2,
}
FUTURES_LIMITS: dict[str, Limit] = {
    path: _l("futures" + path, n, 1 if path == "/system/time" else 2) for path, n in _FUTURES_COUNTS.items()
}


@dataclass
class _Window:
    limit: Limit
    cap: int
    stamps: deque[float] = field(default_factory=deque)
    hold_until: float = 0.0
    banned_until: float = 0.0


class Throttle:
    """Async limiter: `await acquire(path)` before each request, `observe(path, headers)` after it."""

    def __init__(
        self, safety: float = 0.9, *, clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep, limits: dict[str, Limit] | None = None,
        connector: str = CONNECTOR,
    ) -> None:
        self._safety = safety
        self._connector = connector
        self._clock = clock
        self._sleep = sleep
        self._limits = limits or LIMITS
        self._windows: dict[str, _Window] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    def _window(self, path: str) -> _Window:
        limit = self._limits.get(path, DEFAULT)
        win = self._windows.get(limit.group)
        if win is None:
            cap = max(1, int(limit.count * self._safety))
            win = self._windows[limit.group] = _Window(limit, cap)
            self._locks[limit.group] = asyncio.Lock()
        return win

    def _prune(self, win: _Window, now: float) -> None:
        while win.stamps and win.stamps[0] <= now - win.limit.window_s:
            win.stamps.popleft()

    def _check_ban(self, win: _Window, now: float, path: str) -> None:
        if now < win.banned_until:
            left = win.banned_until - now
            raise RateLimited(f"BitMart banned requests to {path} (HTTP 418); not sending for another {left:.1f} s",
                              retry_after=left, banned=True, connector=self._connector, code=30017)

    async def acquire(self, path: str) -> None:
        """Wait until one more request to `path` fits in its group's window (raises if banned)."""
        win = self._window(path)
        async with self._locks[win.limit.group]:
            while True:
                now = self._clock()
                self._check_ban(win, now, path)
                if now < win.hold_until:
                    await self._sleep(win.hold_until - now)
                    continue
                self._prune(win, now)
                if len(win.stamps) < win.cap:
                    win.stamps.append(now)
                    return
                await self._sleep(win.stamps[0] + win.limit.window_s - now)

    def observe(self, path: str, headers: dict[str, str] | None) -> None:
        """Sync our count with the server's `X-BM-RateLimit-*` headers of a response to `path`."""
        if not headers:
            return
        low = {k.lower(): v for k, v in headers.items()}
        try:
            used = int(low["x-bm-ratelimit-remaining"])
            limit = int(low["x-bm-ratelimit-limit"])
            reset = float(low.get("x-bm-ratelimit-reset", "0") or 0)
        except (KeyError, ValueError):
            return
        win = self._window(path)
        now = self._clock()
        self._prune(win, now)
        server_cap = max(1, int(limit * self._safety))
        if server_cap < win.cap:
            win.cap = server_cap
        missing = min(used, win.cap) - len(win.stamps)
        for _ in range(max(0, missing)):
            win.stamps.append(now)
        if used >= limit and reset > 0:
            win.hold_until = max(win.hold_until, now + reset)

    def penalize(self, path: str, retry_after: float | None) -> float:
        """After a 429: hold the group for Retry-After (or one window); returns the wait."""
        win = self._window(path)
        wait = retry_after if retry_after and retry_after > 0 else win.limit.window_s
        win.hold_until = max(win.hold_until, self._clock() + wait)
        return wait

    def ban(self, path: str, cooldown: float | None) -> None:
        """After a 418: send nothing to this group for the cooldown (default 60 s)."""
        win = self._window(path)
        win.banned_until = max(win.banned_until, self._clock() + (cooldown or 60.0))

    def used(self, path: str) -> int:
        win = self._window(path)
        self._prune(win, self._clock())
        return len(win.stamps)
