"""The paper account: available and frozen funds per asset, fees charged by the role of each fill."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from host_spec.errors import InsufficientBalance
from host_spec.models import Balance, BalanceEvent, FeeRates

__all__ = ["Wallet"]

ZERO = Decimal(0)


class Wallet:
    """Balances with frozen amounts; every change returns the BalanceEvents it causes."""

    def __init__(self, start: Mapping[str, Decimal], connector: str = "paper") -> None:
        self.available: dict[str, Decimal] = {k: Decimal(v) for k, v in start.items()}
        self.frozen: dict[str, Decimal] = {k: ZERO for k in start}
        self.start = dict(self.available)
        self.fees_paid: dict[str, Decimal] = {}
        self.connector = connector

    def snapshot(self) -> dict[str, Balance]:
        assets = sorted(set(self.available) | set(self.frozen))
        return {a: Balance(a, self.available.get(a, ZERO), self.frozen.get(a, ZERO)) for a in assets}

    def _event(self, asset: str, ts: int) -> BalanceEvent:
        return BalanceEvent(asset, self.available.get(asset, ZERO), self.frozen.get(asset, ZERO), ts)

    def freeze(self, asset: str, amount: Decimal, ts: int) -> list[BalanceEvent]:
        """Move `amount` from available to frozen, or raise InsufficientBalance saying what is there."""
        have = self.available.get(asset, ZERO)
        if amount > have:
            raise InsufficientBalance(
                f"not enough {asset}: the order needs {amount}, available {have}", connector=self.connector)
        self.available[asset] = have - amount
        self.frozen[asset] = self.frozen.get(asset, ZERO) + amount
        return [self._event(asset, ts)]

    def release(self, asset: str, amount: Decimal, ts: int) -> list[BalanceEvent]:
        """Give frozen funds back (an order finished with some of them unused)."""
        if amount <= 0:
            return []
        self.frozen[asset] = self.frozen.get(asset, ZERO) - amount
        self.available[asset] = self.available.get(asset, ZERO) + amount
        return [self._event(asset, ts)]

    def settle(self, spend_asset: str, spent: Decimal, get_asset: str, got: Decimal, fee: Decimal,
               ts: int) -> list[BalanceEvent]:
        """One fill: `spent` leaves the frozen funds; `got - fee` arrives available (fee in the asset received)."""
        self.frozen[spend_asset] = self.frozen.get(spend_asset, ZERO) - spent
        self.available[get_asset] = self.available.get(get_asset, ZERO) + got - fee
        self.frozen.setdefault(get_asset, ZERO)
        if fee:
            self.fees_paid[get_asset] = self.fees_paid.get(get_asset, ZERO) + fee
        return [self._event(spend_asset, ts), self._event(get_asset, ts)]

    @staticmethod
    def fee(rates: FeeRates, is_maker: bool, received: Decimal) -> Decimal:
        """The fee on `received` for a fill of this role."""
        return received * (rates.maker if is_maker else rates.taker)
