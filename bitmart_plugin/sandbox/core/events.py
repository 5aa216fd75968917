"""Domain records (Order, Fill, PublicTrade, Candle, Ticker) and the events given to listeners."""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple, Union

ZERO = Decimal(0)
OPEN_STATES = frozenset({"new", "partially_filled"})


@dataclass(slots=True)
class Fill:
    """One execution, from one side's point of view."""

    trade_id: str
    order_id: str
    client_order_id: str
    account_id: str
    symbol: str
    side: str
    order_type: str
    price: Decimal
    size: Decimal
    notional: Decimal
    fee: Decimal
    fee_currency: str
    role: str
    time_ms: int


@dataclass(slots=True)
class Order:
    """An order and its live state; listeners receive copies (``snapshot``)."""

    order_id: str
    client_order_id: str
    account_id: str
    symbol: str
    side: str
    type: str
    price: Decimal | None
    size: Decimal | None
    notional: Decimal | None
    filled_size: Decimal = ZERO
    filled_notional: Decimal = ZERO
    state: str = "new"
    cancel_source: str = ""
    stp_mode: str = "cancel_maker"
    create_time_ms: int = 0
    update_time_ms: int = 0
    #: funds still frozen for this order (quote for buys, base for sells); core bookkeeping
    frozen: Decimal = field(default=ZERO, repr=False)

    @property
    def price_avg(self) -> Decimal:
        """Average fill price (0 when nothing filled)."""
        if not self.filled_size:
            return ZERO
        return self.filled_notional / self.filled_size

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def remaining(self) -> Decimal:
        """Unfilled base size (0 for market buys, which are sized by notional)."""
        if self.size is None:
            return ZERO
        return self.size - self.filled_size

    def snapshot(self) -> "Order":
        return copy.copy(self)


class PublicTrade(NamedTuple):
    """One public trade. The two events made at every agent action (this and LevelChanged) are
    NamedTuples: as immutable as a frozen dataclass, built in half the time (at 1,000 pairs, ~2 us
    an action)."""

    symbol: str
    price: Decimal
    size: Decimal
    taker_side: str
    time_ms: int


@dataclass(frozen=True, slots=True)
class Candle:
    """OHLCV; ``open_time_s`` is the bucket start in seconds; volumes in base and quote."""

    open_time_s: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal
    quote_volume: Decimal


@dataclass(frozen=True, slots=True)
class Ticker:
    """24h statistics (computed from 1-hour candles, see candles.py) and the top of book."""

    symbol: str
    last: Decimal
    v_24h: Decimal
    qv_24h: Decimal
    open_24h: Decimal
    high_24h: Decimal
    low_24h: Decimal
    fluctuation: Decimal
    bid_px: Decimal
    bid_sz: Decimal
    ask_px: Decimal
    ask_sz: Decimal
    ts_ms: int


class LevelChanged(NamedTuple):
    """``size`` is the new aggregated size at ``price``; 0 means the level is gone."""

    symbol: str
    side: str  # "bids" | "asks"
    price: Decimal
    size: Decimal
    time_ms: int


@dataclass(frozen=True, slots=True)
class OrderChanged:
    order: Order
    fill: Fill | None


@dataclass(frozen=True, slots=True)
class BalanceChanged:
    account_id: str
    currency: str
    available: Decimal
    frozen: Decimal
    event_type: str
    time_ms: int


@dataclass(frozen=True, slots=True)
class CandleChanged:
    symbol: str
    step_minutes: int
    candle: Candle


Event = Union[LevelChanged, PublicTrade, OrderChanged, BalanceChanged, CandleChanged]
