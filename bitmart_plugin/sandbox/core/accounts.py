"""Balances per account and currency, split into available and frozen.

Every movement goes through this class so the conservation invariant holds:
``sum of (available + frozen) over accounts + fees collected == minted`` per currency.
"""
from __future__ import annotations

from decimal import Decimal

from .errors import BALANCE_NOT_ENOUGH, error
from .events import ZERO

UNLIMITED_TOPUP = Decimal("1000000000000000")  # what an unlimited (agent) account is topped up with


class Accounts:
    """Balances with frozen amounts; accounts marked unlimited never run out (they get minted funds)."""

    def __init__(self) -> None:
        self._bal: dict[str, dict[str, list[Decimal]]] = {}
        self.unlimited: set[str] = set()
        self.minted: dict[str, Decimal] = {}
        self.fees: dict[str, Decimal] = {}

    def ensure(self, account_id: str) -> None:
        self._bal.setdefault(account_id, {})

    def __contains__(self, account_id: object) -> bool:
        return account_id in self._bal

    def _slot(self, account_id: str, currency: str) -> list[Decimal]:
        try:  # every order and trade moves funds at least twice: the existing slot first
            return self._bal[account_id][currency]
        except KeyError:
            pass
        acct = self._bal.get(account_id)
        if acct is None:
            acct = self._bal[account_id] = {}
        slot = acct.get(currency)
        if slot is None:
            slot = acct[currency] = [ZERO, ZERO]
        return slot

    def deposit(self, account_id: str, currency: str, amount: Decimal) -> None:
        """Mint ``amount`` into the account's available balance."""
        if amount < 0:
            raise ValueError("negative deposit")
        self._slot(account_id, currency)[0] += amount
        self.minted[currency] = self.minted.get(currency, ZERO) + amount

    def get(self, account_id: str, currency: str) -> tuple[Decimal, Decimal]:
        slot = self._bal.get(account_id, {}).get(currency)
        return (slot[0], slot[1]) if slot else (ZERO, ZERO)

    def balances(self, account_id: str) -> dict[str, tuple[Decimal, Decimal]]:
        return {c: (s[0], s[1]) for c, s in self._bal.get(account_id, {}).items()}

    def can_freeze(self, account_id: str, currency: str, amount: Decimal) -> bool:
        if account_id in self.unlimited:
            return True
        return self.get(account_id, currency)[0] >= amount

    def freeze(self, account_id: str, currency: str, amount: Decimal) -> None:
        """Move ``amount`` from available to frozen, or raise 50020."""
        slot = self._slot(account_id, currency)
        if slot[0] < amount:
            if account_id not in self.unlimited:
                raise error(BALANCE_NOT_ENOUGH)
            self.deposit(account_id, currency, max(UNLIMITED_TOPUP, amount))
        slot[0] -= amount
        slot[1] += amount

    def unfreeze(self, account_id: str, currency: str, amount: Decimal) -> None:
        slot = self._slot(account_id, currency)
        if amount > slot[1]:
            raise AssertionError(f"unfreeze {amount} > frozen {slot[1]} ({account_id} {currency})")
        slot[1] -= amount
        slot[0] += amount

    def spend_frozen(self, account_id: str, currency: str, amount: Decimal) -> None:
        """Remove ``amount`` from frozen funds (it leaves the account in a trade)."""
        slot = self._slot(account_id, currency)
        if amount > slot[1]:
            raise AssertionError(f"spend {amount} > frozen {slot[1]} ({account_id} {currency})")
        slot[1] -= amount

    def credit(self, account_id: str, currency: str, amount: Decimal, fee: Decimal) -> None:
        """Add ``amount - fee`` to available funds; ``fee`` goes to the house."""
        self._slot(account_id, currency)[0] += amount - fee
        if fee:
            self.fees[currency] = self.fees.get(currency, ZERO) + fee

    def totals(self) -> dict[str, Decimal]:
        """Per currency: everything held by all accounts (available + frozen)."""
        out: dict[str, Decimal] = {}
        for acct in self._bal.values():
            for cur, (a, f) in acct.items():
                out[cur] = out.get(cur, ZERO) + a + f
        return out
