"""Funding rates and settlements on a configurable clock (bitmart_futures.md §4.2-4.3).

Settlements fall on epoch multiples of the interval (``funding_interval_hours``, or the config's
``funding_interval_s``). The rate settling at a boundary is the admin's fixed rate, or
``clamp(mean premium + base, −cap, cap)`` with ``premium = (mark − index) / index`` sampled at each
mark refresh of the period and ``base = funding_base_rate × interval / 8 h``. At settlement each open
position pays ``dir × hold_volume × contract_size × mark × rate`` (longs pay a positive rate).
"""
from __future__ import annotations

from decimal import Decimal

from ..core.events import ZERO
from .accounts import FuturesAccounts, money
from .config import FuturesConfig
from .contracts import ContractRules

HOUR_MS = 3_600_000
EIGHT_HOURS_MS = 8 * HOUR_MS


class Funding:
    """Rate state and settlement clock of every contract."""

    def __init__(self, contracts: list[ContractRules], config: FuturesConfig, now_ms: int) -> None:
        self.config = config
        self.rules = {c.symbol: c for c in contracts}
        rate = config.fixed_funding_rate  # the config's fixed rate applies to every contract until unset
        self.fixed: dict[str, Decimal] = {c.symbol: rate for c in contracts} if rate is not None else {}
        self.last_rate: dict[str, Decimal] = {c.symbol: ZERO for c in contracts}
        self.history: list[tuple[str, Decimal, int]] = []  # (symbol, settled rate, funding time)
        self._premium: dict[str, tuple[Decimal, int]] = {}
        self.next_time = {c.symbol: self.boundary_after(c.symbol, now_ms) for c in contracts}

    def interval_ms(self, symbol: str) -> int:
        if self.config.funding_interval_s:
            return self.config.funding_interval_s * 1000
        return self.rules[symbol].funding_interval_hours * HOUR_MS

    def boundary_after(self, symbol: str, now_ms: int) -> int:
        step = self.interval_ms(symbol)
        return (now_ms // step + 1) * step

    def sample(self, symbol: str, index: Decimal, mark: Decimal) -> None:
        """Add one premium sample for the running period."""
        if index > 0:
            total, n = self._premium.get(symbol, (ZERO, 0))
            self._premium[symbol] = (total + (mark - index) / index, n + 1)

    def expected(self, symbol: str) -> Decimal:
        """The rate that would settle at the next boundary (REST ``expected_rate``)."""
        if symbol in self.fixed:
            return self.fixed[symbol]
        total, n = self._premium.get(symbol, (ZERO, 0))
        base = self.config.funding_base_rate * self.interval_ms(symbol) / EIGHT_HOURS_MS
        cap = self.config.funding_cap
        rate = (total / n if n else ZERO) + base
        return min(max(rate, -cap), cap).quantize(Decimal("1E-12"))

    def due(self, symbol: str, now_ms: int) -> list[int]:
        """Boundaries reached by ``now_ms`` and not yet settled, oldest first."""
        out = []
        while self.next_time[symbol] <= now_ms:
            out.append(self.next_time[symbol])
            self.next_time[symbol] += self.interval_ms(symbol)
        return out

    def settle(self, accounts: FuturesAccounts, symbol: str, mark: Decimal, when_ms: int) -> Decimal:
        """Charge or pay every open position of ``symbol`` at ``mark``; returns the rate settled."""
        rate = self.expected(symbol)
        for p in [p for p in accounts.positions.values() if p.symbol == symbol and p.hold_volume]:
            accounts.pay_funding(p, money(p.sign * p.hold_volume * p.contract_size * mark * rate), when_ms)
        self.last_rate[symbol] = rate
        self.history.append((symbol, rate, when_ms))
        self._premium.pop(symbol, None)
        return rate
