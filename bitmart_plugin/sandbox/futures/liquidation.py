"""Liquidation prices (bitmart_futures.md §5.3) and forced liquidation of isolated and cross positions.

Isolated position: equity = margin + uPnL(mark); it is liquidated when equity <= maintenance
(``value × mmr − cum`` at entry value; strictly below with ``liquidate_at_equal`` off). Its
liquidation price is the mark where the two are equal, ``E + dir × (maintenance − margin) / (q × cs)``,
which is ``E × (1 − 1/leverage + mmr)`` for a fresh long (the doc push, C18).
Cross: all cross positions of an account go together when available + frozen + cross margins +
cross uPnL <= Σ cross maintenance; its orders are cancelled first, then every cross position is
closed at the mark. The WS position row reports cross liquidation prices as 0; ``cross_estimate``
is the account-level figure for position-v2 (§5.3 [DECISION]).
An isolated position is closed at its bankruptcy price: the whole remaining margin is lost
(a ``Liquidation Clearance`` row), whatever the mark did beyond it. A cross shortfall below zero
is cleared by the venue the same way, so a wallet never stays negative.
"""
from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING

from ..core.events import ZERO
from .contracts import ContractRules
from .events import FLOW_LIQUIDATION, Position

if TYPE_CHECKING:  # pragma: no cover
    from .engine import FuturesEngine


def maintenance(p: Position, rules: ContractRules) -> Decimal:
    return rules.maintenance(p.cost)


def isolated_price(p: Position, rules: ContractRules) -> Decimal:
    """Mark at which an isolated position's equity equals its maintenance margin (0 when flat)."""
    if not p.hold_volume:
        return ZERO
    price = p.entry_price + p.sign * (maintenance(p, rules) - p.margin) / (p.hold_volume * p.contract_size)
    return max(price, ZERO)


def cross_estimate(p: Position, rules: ContractRules, available: Decimal) -> Decimal:
    """§5.3: ``E − dir × (available + margin − maintenance) / (q × cs)``, floored at 0."""
    if not p.hold_volume:
        return ZERO
    room = available + p.margin - maintenance(p, rules)
    return max(p.entry_price - p.sign * room / (p.hold_volume * p.contract_size), ZERO)


def reported_price(p: Position, rules: ContractRules) -> Decimal:
    """What the WS position row carries: the isolated price, or 0 for cross (C18)."""
    return isolated_price(p, rules) if p.open_type == "isolated" else ZERO


class Liquidator:
    """Checks positions against marks and liquidates those whose equity reached maintenance."""

    def __init__(self, engine: "FuturesEngine") -> None:
        self.engine = engine

    def _due(self, equity: Decimal, maint: Decimal) -> bool:
        return equity <= maint if self.engine.config.liquidate_at_equal else equity < maint

    def isolated_due(self, p: Position, mark: Decimal) -> bool:
        rules = self.engine.contracts[p.symbol]
        return bool(p.hold_volume) and self._due(p.margin + p.unrealized(mark), maintenance(p, rules))

    def cross_due(self, account_id: str, marks: dict[str, Decimal]) -> bool:
        acc = self.engine.accounts
        cross = [p for p in acc.of(account_id) if p.open_type == "cross" and p.hold_volume]
        if not cross:
            return False
        w = acc.wallet(account_id)
        equity = w.available + w.frozen + sum((p.margin + p.unrealized(marks[p.symbol]) for p in cross), ZERO)
        maint = sum((maintenance(p, self.engine.contracts[p.symbol]) for p in cross), ZERO)
        return self._due(equity, maint)

    def due_mark(self, p: Position, marks: dict[str, Decimal]) -> Decimal | None:
        """The nearest mark on the tick grid at which ``p`` is liquidated (the other marks as given).

        Isolated: its own equity against its maintenance. Cross: the account's cross equity, the
        other cross positions held at their marks. None when no positive price would do it.
        """
        if not p.hold_volume:
            return None
        rules = self.engine.contracts[p.symbol]
        q_cs = p.hold_volume * p.contract_size
        if p.open_type == "isolated":
            room = p.margin - maintenance(p, rules)
        else:
            acc = self.engine.accounts
            w = acc.wallet(p.account_id)
            cross = [x for x in acc.of(p.account_id) if x.open_type == "cross" and x.hold_volume]
            others = sum((x.unrealized(marks[x.symbol]) for x in cross if x is not p), ZERO)
            room = (w.available + w.frozen + others + sum((x.margin for x in cross), ZERO)
                    - sum((maintenance(x, self.engine.contracts[x.symbol]) for x in cross), ZERO))
        exact = p.entry_price - p.sign * room / q_cs  # equity == maintenance here
        tick = rules.price_tick
        price = (exact / tick).to_integral_value(ROUND_FLOOR if p.sign > 0 else ROUND_CEILING) * tick
        if price == exact and not self.engine.config.liquidate_at_equal:
            price -= p.sign * tick
        return price if price > 0 else None

    def check(self, marks: dict[str, Decimal], now: int) -> list[Position]:
        """Liquidate everything due at ``marks`` (symbol -> mark); returns the positions closed."""
        acc = self.engine.accounts
        done: list[Position] = []
        for p in list(acc.positions.values()):
            if p.open_type == "isolated" and p.symbol in marks and self.isolated_due(p, marks[p.symbol]):
                done.append(self._isolated(p, now))
        for account_id in sorted({p.account_id for p in acc.positions.values() if p.open_type == "cross"}):
            held = [p for p in acc.of(account_id) if p.open_type == "cross" and p.hold_volume]
            if held and all(p.symbol in marks for p in held) and self.cross_due(account_id, marks):
                done.extend(self._cross(account_id, marks, now))
        return done

    def _isolated(self, p: Position, now: int) -> Position:
        eng = self.engine
        vol, rules = p.hold_volume, eng.contracts[p.symbol]
        bankrupt = max(p.entry_price - p.sign * p.margin / (vol * p.contract_size), rules.price_tick)
        p.cost = ZERO
        p.hold_volume = ZERO
        eng.cancel_closers(p, now)
        lost = p.margin  # released from the position, then lost as a clearance row
        eng.accounts.wallet(p.account_id).available += lost
        p.margin = ZERO
        p.close_volume += vol
        p.close_value += bankrupt * vol * p.contract_size
        p.update_time_ms = now
        eng.accounts.realize(p, -lost, FLOW_LIQUIDATION, now)
        eng.liquidated(p, vol, bankrupt, now)
        return p

    def _cross(self, account_id: str, marks: dict[str, Decimal], now: int) -> list[Position]:
        eng = self.engine
        eng.cancel_all(account_id, action=4)
        closed = []
        for p in [p for p in eng.accounts.of(account_id) if p.open_type == "cross" and p.hold_volume]:
            vol = p.hold_volume
            eng.accounts.close(p, vol, marks[p.symbol], now)
            eng.liquidated(p, vol, marks[p.symbol], now)
            closed.append(p)
        w = eng.accounts.wallet(account_id)
        if w.available < 0 and closed:
            eng.accounts.realize(closed[-1], -w.available, FLOW_LIQUIDATION, now)
        return closed
