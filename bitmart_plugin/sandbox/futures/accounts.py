"""Futures wallets, positions and the ledger: every money movement goes through here.

Per account (USDT), with ``margin`` = Σ position margins (``position_deposit``):

    available + frozen + margin == deposited + realized − fees − funding

``realized`` is price PnL booked on closes (and liquidation clearance), ``fees`` the commissions paid,
``funding`` the funding paid (negative when received). Movements between available, frozen and
margin are transfers; only realize/charge_fee/pay_funding change the right-hand side.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Callable

from ..core.events import ZERO
from .config import FuturesConfig
from .errors import insufficient
from .events import FLOW_COMMISSION, FLOW_FUNDING, FLOW_REALIZED, LedgerRow, Position

USDT = "USDT"
TRAN_ID_BASE = 9_700_000_000
#: every computed amount (a division, a funding payment, a fee) is cut to this grid so sums of
#: balances stay exact within Decimal's 28 digits and the identity above holds to the last digit
QUANTUM = Decimal("1E-14")


def money(amount: Decimal) -> Decimal:
    """``amount`` cut (toward zero) to the money grid."""
    return amount.quantize(QUANTUM, rounding=ROUND_DOWN)
Key = tuple[str, str, str]  # (account, symbol, direction)


@dataclass(slots=True)
class Wallet:
    """One account's USDT futures wallet and its running totals."""

    available: Decimal = ZERO
    frozen: Decimal = ZERO
    deposited: Decimal = ZERO
    realized: Decimal = ZERO
    fees: Decimal = ZERO
    funding: Decimal = ZERO


class FuturesAccounts:
    """Wallets, per-symbol settings, position mode, positions and ledger rows of every account."""

    def __init__(self, config: FuturesConfig) -> None:
        self.config = config
        self.wallets: dict[str, Wallet] = {}
        self.modes: dict[str, str] = {}
        self.settings: dict[tuple[str, str], tuple[int, str]] = {}
        self.positions: dict[Key, Position] = {}
        self.ledger: list[LedgerRow] = []
        self.fees_collected = ZERO
        self.on_row: Callable[[LedgerRow], None] | None = None
        self._tran = 0

    # -- wallets ----------------------------------------------------------------------------
    def wallet(self, account_id: str) -> Wallet:
        w = self.wallets.get(account_id)
        if w is None:
            w = self.wallets[account_id] = Wallet()
        return w

    def deposit(self, account_id: str, amount: Decimal) -> None:
        if amount < 0:
            raise ValueError("negative deposit")
        w = self.wallet(account_id)
        w.available += amount
        w.deposited += amount

    def position_margin(self, account_id: str) -> Decimal:
        return sum((p.margin for p in self.of(account_id)), ZERO)

    def discrepancy(self, account_id: str) -> Decimal:
        """Left side minus right side of the identity in the module docstring (0 when it holds)."""
        w = self.wallet(account_id)
        held = w.available + w.frozen + self.position_margin(account_id)
        return held - (w.deposited + w.realized - w.fees - w.funding)

    def reserve(self, account_id: str, amount: Decimal) -> None:
        """Move ``amount`` from available to frozen, or raise the insufficient-margin error."""
        w = self.wallet(account_id)
        if amount > w.available:
            raise insufficient(self.config.insufficient_margin_code)
        w.available -= amount
        w.frozen += amount

    def release(self, account_id: str, amount: Decimal) -> None:
        w = self.wallet(account_id)
        w.frozen -= amount
        w.available += amount

    # -- settings ---------------------------------------------------------------------------
    def mode(self, account_id: str) -> str:
        return self.modes.get(account_id, self.config.position_mode)

    def setting(self, account_id: str, symbol: str, max_leverage: int) -> tuple[int, str]:
        """(leverage, open_type) of a symbol; the config default, capped at the contract's maximum."""
        got = self.settings.get((account_id, symbol))
        return got or (min(self.config.leverage, max_leverage), self.config.open_type)

    # -- positions --------------------------------------------------------------------------
    def of(self, account_id: str, symbol: str | None = None) -> list[Position]:
        return [p for (a, s, _), p in self.positions.items() if a == account_id and (symbol is None or s == symbol)]

    def position(self, account_id: str, symbol: str, direction: str) -> Position | None:
        return self.positions.get((account_id, symbol, direction))

    def ensure_position(self, account_id: str, symbol: str, direction: str, open_type: str, leverage: int,
                        contract_size: Decimal, now: int) -> Position:
        key = (account_id, symbol, direction)
        p = self.positions.get(key)
        if p is None:
            p = self.positions[key] = Position(account_id, symbol, direction, open_type, leverage, contract_size,
                                               create_time_ms=now, update_time_ms=now)
        return p

    def drop_if_flat(self, p: Position) -> None:
        if p.hold_volume == 0 and p.frozen_volume == 0 and p.margin == 0:
            self.positions.pop((p.account_id, p.symbol, p.direction), None)

    def open(self, p: Position, vol: Decimal, price: Decimal, margin: Decimal, leverage: int, now: int) -> None:
        """Add ``vol`` at ``price`` (entry re-averaged through ``cost``), moving ``margin`` from available."""
        value = price * vol * p.contract_size
        p.hold_volume += vol
        p.cost += value
        p.open_volume += vol
        p.open_value += value
        p.leverage = leverage
        p.update_time_ms = now
        self.wallet(p.account_id).available -= margin
        p.margin += margin

    def close(self, p: Position, vol: Decimal, price: Decimal, now: int) -> Decimal:
        """Close ``vol`` at ``price``: release margin pro rata, realize PnL; returns the PnL."""
        if vol == p.hold_volume:
            cost, margin = p.cost, p.margin
        else:
            cost, margin = money(p.cost * vol / p.hold_volume), money(p.margin * vol / p.hold_volume)
        value = price * vol * p.contract_size
        pnl = p.sign * (value - cost)
        p.hold_volume -= vol
        p.cost -= cost
        p.margin -= margin
        p.close_volume += vol
        p.close_value += value
        p.update_time_ms = now
        self.wallet(p.account_id).available += margin
        self.realize(p, pnl, FLOW_REALIZED, now)
        return pnl

    # -- money in and out -------------------------------------------------------------------
    def realize(self, p: Position, amount: Decimal, flow_type: int, now: int) -> None:
        """Book ``amount`` of price PnL (or liquidation clearance) into the wallet."""
        w = self.wallet(p.account_id)
        w.available += amount
        w.realized += amount
        p.realized_value += amount
        if amount or flow_type == FLOW_REALIZED:
            self._row(p.account_id, p.symbol, flow_type, amount, now)

    def charge_fee(self, p: Position, fee: Decimal, now: int) -> None:
        w = self.wallet(p.account_id)
        w.available -= fee
        w.fees += fee
        p.realized_value -= fee
        self.fees_collected += fee
        self._row(p.account_id, p.symbol, FLOW_COMMISSION, -fee, now)

    def pay_funding(self, p: Position, amount: Decimal, now: int) -> None:
        """``amount`` > 0 is paid: from an isolated position's margin, else from available."""
        w = self.wallet(p.account_id)
        if p.open_type == "isolated":
            p.margin -= amount
        else:
            w.available -= amount
        w.funding += amount
        p.realized_value -= amount
        self._row(p.account_id, p.symbol, FLOW_FUNDING, -amount, now)

    def _row(self, account_id: str, symbol: str, flow_type: int, amount: Decimal, now: int) -> None:
        self._tran += 1
        row = LedgerRow(str(TRAN_ID_BASE + self._tran), account_id, symbol, flow_type, amount, now)
        self.ledger.append(row)
        if self.on_row is not None:
            self.on_row(row)

    def rows(self, account_id: str, flow_type: int = 0) -> list[LedgerRow]:
        """Ledger rows of an account, oldest first; ``flow_type`` 0 means all."""
        return [r for r in self.ledger if r.account_id == account_id and flow_type in (0, r.flow_type)]
