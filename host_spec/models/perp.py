"""Perpetual contracts: position and margin modes, positions, leverage, funding, and their user-stream events.

Amounts are base units and money is quote units, exactly as for spot; contracts never appear here
(each plugin converts at its edge with `host_spec.rules.to_contracts`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal

from host_spec.models.market import TradingPair
from host_spec.models.orders import BalanceEvent, OrderEvent

__all__ = [
    "FundingEvent",
    "FundingInfo",
    "FundingPayment",
    "LeverageSetting",
    "MarginMode",
    "Position",
    "PositionEvent",
    "PositionMode",
    "PositionSide",
    "UserEvent",
]


class PositionMode(str, enum.Enum):
    """Account-wide: ONE_WAY nets every order into one position per pair; HEDGE keeps a long and a short."""

    ONE_WAY = "one_way"
    HEDGE = "hedge"


class MarginMode(str, enum.Enum):
    """CROSS shares the wallet's margin across positions; ISOLATED gives each position its own."""

    CROSS = "cross"
    ISOLATED = "isolated"


class PositionSide(str, enum.Enum):
    """The direction of a position (in one-way mode, of the net position)."""

    LONG = "LONG"
    SHORT = "SHORT"


@dataclass(frozen=True, slots=True)
class Position:
    """One open position at one moment. `amount` is base units and never negative (`side` gives the direction);
    an amount of 0 reports a position just closed. Prices and money are quote units."""

    pair: TradingPair
    side: PositionSide
    amount: Decimal
    entry_price: Decimal
    mark_price: Decimal
    unrealized_pnl: Decimal
    leverage: Decimal
    margin_mode: MarginMode
    liquidation_price: Decimal | None
    margin: Decimal
    updated_ms: int = 0

    @property
    def signed_amount(self) -> Decimal:
        """The amount with the direction's sign: positive long, negative short."""
        return self.amount if self.side is PositionSide.LONG else -self.amount


@dataclass(frozen=True, slots=True)
class LeverageSetting:
    """The leverage and margin mode the venue applies to a pair after `set_leverage`."""

    pair: TradingPair
    leverage: Decimal
    margin_mode: MarginMode


@dataclass(frozen=True, slots=True)
class FundingInfo:
    """A contract's funding now: the `rate` settled at `next_funding_ms`, every `interval_s` seconds."""

    pair: TradingPair
    rate: Decimal
    next_funding_ms: int
    interval_s: int
    mark_price: Decimal
    index_price: Decimal
    predicted_rate: Decimal | None = None
    timestamp_ms: int = 0


@dataclass(frozen=True, slots=True)
class FundingPayment:
    """One funding settlement on our position: `amount` of `asset`, positive when received, negative when paid.

    `rate` is the rate that settled, or None when the venue's payment record does not say and the
    settlement is no longer in its rate history (a payment is never dropped for want of its rate)."""

    pair: TradingPair
    amount: Decimal
    asset: str
    rate: Decimal | None
    timestamp_ms: int
    payment_id: str = ""


@dataclass(frozen=True, slots=True)
class PositionEvent:
    """A change in one of our positions (amount 0: it closed)."""

    position: Position


@dataclass(frozen=True, slots=True)
class FundingEvent:
    """A funding payment settled on one of our positions."""

    payment: FundingPayment


#: Everything a user stream may yield; spot connectors yield only the first two.
UserEvent = OrderEvent | BalanceEvent | PositionEvent | FundingEvent
