"""Shared transport state: the exchange, credentials, trace ids, limits, faults, formatters."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .config import SandboxConfig
from .envelope import TraceIds
from .faults import FaultState
from .spot.formatting import Fmt
from .ratelimit import RateLimiter

if TYPE_CHECKING:  # pragma: no cover
    from .spot.exchange import Exchange
    from .futures.venue import FuturesVenue


@dataclass(frozen=True)
class Credentials:
    """One API key: access key, secret, memo and the account it trades for."""

    api_key: str
    secret_key: str
    memo: str
    account_id: str


def derive_credentials(seed: int, index: int = 0, memo: str = "sandbox") -> Credentials:
    """Deterministic key (40 hex) and secret (64 hex) from the seed."""
    h = hashlib.sha256(f"bitmart-sandbox:{seed}:{index}".encode()).hexdigest()
    key = hashlib.sha1(h.encode()).hexdigest()
    secret = hashlib.sha256(("secret:" + h).encode()).hexdigest()
    return Credentials(key, secret, memo, f"acct-{index}" if index else "default")


class State:
    """Everything the REST and WebSocket handlers share (one per Sandbox)."""

    def __init__(self, config: SandboxConfig, exchange: "Exchange") -> None:
        self.config = config
        self.exchange = exchange
        self.futures: "FuturesVenue | None" = None  # set by the Sandbox beside the spot exchange
        self.keys: dict[str, Credentials] = {}
        self.traces = TraceIds(config.seed)
        self.limiter = RateLimiter(enabled=config.rate_limits, scale=config.rate_limit_scale,
                                   ban_factor=config.ban_factor, ban_cooldown_s=config.ban_cooldown_s)
        self.faults = FaultState()
        self._fmt: dict[str, Fmt] = {}
        self.started_ms = self.now_ms()

    def now_ms(self) -> int:
        """Server time in ms (the exchange clock if it has one, else the wall clock)."""
        clock: Any = getattr(self.exchange, "clock", None)
        if clock is not None:
            return int(clock.now_ms())
        return time.time_ns() // 1_000_000

    def fmt(self, symbol: str) -> Fmt:
        """Cached formatter of a symbol."""
        f = self._fmt.get(symbol)
        if f is None:
            f = self._fmt[symbol] = Fmt(self.exchange.rules[symbol])
        return f

    def add_credentials(self, cred: Credentials, balances: dict[str, Decimal] | None) -> None:
        """Register a key; creates (and funds) its account when balances are given."""
        if balances is not None:
            self.exchange.add_account(cred.account_id, balances)
        self.keys[cred.api_key] = cred
