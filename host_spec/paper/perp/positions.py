"""One position of a paper perpetual account and its arithmetic.

Entry is re-averaged on adds (the position keeps its entry value, `cost`); a close realizes
`dir × (price × qty − cost share)` and releases the margin pro rata. Every amount that comes from a
division is cut to the money grid (`money`), so sums of balances stay exact and the account's money
identity (see ledger) holds to the last digit.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_FLOOR, Decimal

from host_spec.models import MarginMode, Position, PositionSide, Side, TradingPair

__all__ = ["QUANTUM", "ZERO", "Holding", "closing_side", "money", "opening_side", "plain", "toward_due"]

ZERO = Decimal(0)
#: the money grid: divisions (pro rata shares, margins, funding) are cut toward zero to it
QUANTUM = Decimal("1E-12")


def money(amount: Decimal) -> Decimal:
    """`amount` cut toward zero to the money grid (left as it is when it is on the grid already)."""
    exponent = amount.as_tuple().exponent
    return amount.quantize(QUANTUM, rounding=ROUND_DOWN) if isinstance(exponent, int) and exponent < -12 else amount


def plain(value: Decimal) -> Decimal:
    """`value` without trailing zeros and never in exponent form (101.0 -> 101, 0.50 -> 0.5, 0.00 -> 0)."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def toward_due(price: Decimal, sign: int) -> Decimal:
    """A liquidation price on the money grid, rounded to the side where the position is already due (down for a
    long, up for a short), so that a mark at the reported price liquidates; never below 0."""
    exponent = price.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -12:
        price = price.quantize(QUANTUM, rounding=ROUND_FLOOR if sign > 0 else ROUND_CEILING)
    return max(plain(price), ZERO)


def opening_side(side: Side) -> PositionSide:
    """The position an order on `side` opens or adds to."""
    return PositionSide.LONG if side is Side.BUY else PositionSide.SHORT


def closing_side(side: Side) -> PositionSide:
    """The position an order on `side` closes or reduces."""
    return PositionSide.SHORT if side is Side.BUY else PositionSide.LONG


@dataclass(slots=True)
class Holding:
    """One position: `amount` base units held at entry value `cost`, backed by `margin` (quote units).

    `reserved` is the volume closing orders hold (a close never exceeds what is left unreserved).
    """

    pair: TradingPair
    side: PositionSide
    leverage: Decimal
    margin_mode: MarginMode
    amount: Decimal = ZERO
    cost: Decimal = ZERO
    margin: Decimal = ZERO
    reserved: Decimal = ZERO
    updated_ms: int = 0

    @property
    def sign(self) -> int:
        return 1 if self.side is PositionSide.LONG else -1

    @property
    def entry_price(self) -> Decimal:
        return plain(self.cost / self.amount) if self.amount else ZERO

    @property
    def closable(self) -> Decimal:
        """Volume a new closing order may still take."""
        return self.amount - self.reserved

    @property
    def isolated(self) -> bool:
        return self.margin_mode is MarginMode.ISOLATED

    def unrealized(self, mark: Decimal) -> Decimal:
        return self.sign * (mark * self.amount - self.cost)

    def maintenance(self, rate: Decimal) -> Decimal:
        """The maintenance margin: the entry value times the maintenance rate."""
        return self.cost * rate

    def add(self, qty: Decimal, price: Decimal, margin: Decimal, ts: int) -> None:
        self.amount += qty
        self.cost += price * qty
        self.margin += margin
        self.updated_ms = ts

    def reduce(self, qty: Decimal, price: Decimal, ts: int) -> tuple[Decimal, Decimal]:
        """Close `qty` at `price`: returns (realized PnL, margin released)."""
        if qty == self.amount:
            cost, margin = self.cost, self.margin
        else:
            cost, margin = money(self.cost * qty / self.amount), money(self.margin * qty / self.amount)
        self.amount -= qty
        self.cost -= cost
        self.margin -= margin
        self.updated_ms = ts
        return plain(self.sign * (price * qty - cost)), margin

    def isolated_liquidation_price(self, rate: Decimal) -> Decimal:
        """The mark at which margin + unrealized PnL equals the maintenance margin (0 when flat or never)."""
        if not self.amount:
            return ZERO
        return toward_due((self.cost + self.sign * (self.maintenance(rate) - self.margin)) / self.amount, self.sign)

    def view(self, mark: Decimal, liquidation_price: Decimal | None, ts: int | None = None) -> Position:
        """The host's Position (amount 0 reports a position just closed)."""
        entry = self.entry_price
        return Position(self.pair, self.side, self.amount, entry, mark, self.unrealized(mark), self.leverage,
                        self.margin_mode, liquidation_price, self.margin, self.updated_ms if ts is None else ts)
