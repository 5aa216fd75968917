"""Futures records (orders, fills, positions, ledger rows) and the events given to listeners.

Field names follow BitMart's futures vocabulary where it is cheap (``hold_volume``, ``frozen_volume``,
``available_balance``, ``flow_type`` ...) so the transport only formats. Sizes are contracts, money USDT.
The spot ``LevelChanged`` and ``PublicTrade`` records are reused for depth and public trades.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from decimal import Decimal
from typing import Union

from ..core.events import ZERO, LevelChanged, Order, PublicTrade

#: WS ``futures/order`` actions (§1.7)
ACTION_FILL, ACTION_SUBMIT, ACTION_CANCEL, ACTION_LIQ_CANCEL = 1, 2, 3, 4
ACTION_PARTIAL_LIQ, ACTION_BANKRUPTCY = 6, 7
#: transaction-history flow types (§2.3)
FLOW_REALIZED, FLOW_FUNDING, FLOW_COMMISSION, FLOW_LIQUIDATION = 2, 3, 4, 5
FLOW_NAMES = {1: "Transfer", 2: "Realized PNL", 3: "Funding Fee", 4: "Commission Fee", 5: "Liquidation Clearance"}
LONG, SHORT = "long", "short"


@dataclass(slots=True)
class ContractOrder(Order):
    """A futures order; ``side``/``size``/``price`` serve the shared book walk (size in contracts)."""

    side_code: int = 1
    mode: int = 1  # 1 GTC, 2 FOK, 3 IOC, 4 maker only
    leverage: int = 20
    open_type: str = "cross"
    position_mode: str = "hedge_mode"
    close_left: Decimal = ZERO  # contracts still to close (the position's frozen_volume)
    open_left: Decimal = ZERO  # contracts still to open; ``frozen`` holds their margin and fee
    reserve_price: Decimal = ZERO  # price basis of the margin reservation


@dataclass(slots=True)
class Position:
    """One side of one symbol for one account; ``cost`` is Σ price × vol × contract_size of what is held."""

    account_id: str
    symbol: str
    direction: str  # long | short
    open_type: str
    leverage: int
    contract_size: Decimal
    hold_volume: Decimal = ZERO
    cost: Decimal = ZERO
    margin: Decimal = ZERO
    frozen_volume: Decimal = ZERO
    close_volume: Decimal = ZERO
    close_value: Decimal = ZERO
    open_volume: Decimal = ZERO
    open_value: Decimal = ZERO
    realized_value: Decimal = ZERO  # price PnL − fees − funding, as v1/v2 ``realized_value``
    create_time_ms: int = 0
    update_time_ms: int = 0

    @property
    def sign(self) -> int:
        return 1 if self.direction == LONG else -1

    @property
    def entry_price(self) -> Decimal:
        return self.cost / (self.hold_volume * self.contract_size) if self.hold_volume else ZERO

    @property
    def close_avg_price(self) -> Decimal:
        return self.close_value / (self.close_volume * self.contract_size) if self.close_volume else ZERO

    @property
    def open_avg_price(self) -> Decimal:
        return self.open_value / (self.open_volume * self.contract_size) if self.open_volume else ZERO

    @property
    def closable(self) -> Decimal:
        return self.hold_volume - self.frozen_volume

    def unrealized(self, mark: Decimal) -> Decimal:
        """``dir × (mark × q × cs − cost)``: PnL at ``mark``."""
        return self.sign * (mark * self.hold_volume * self.contract_size - self.cost)

    def snapshot(self) -> "Position":
        return copy.copy(self)


@dataclass(frozen=True, slots=True)
class ContractFill:
    """One execution from one side's view; ``fee`` positive when charged (REST ``paid_fees``)."""

    trade_id: str
    order_id: str
    client_order_id: str
    account_id: str
    symbol: str
    side_code: int
    price: Decimal
    vol: Decimal
    fee: Decimal
    role: str
    realised_profit: Decimal
    time_ms: int


@dataclass(frozen=True, slots=True)
class LedgerRow:
    """A transaction-history row; ``amount`` is signed (negative = paid)."""

    tran_id: str
    account_id: str
    symbol: str
    flow_type: int
    amount: Decimal
    time_ms: int
    asset: str = "USDT"

    @property
    def type(self) -> str:
        return FLOW_NAMES[self.flow_type]


@dataclass(frozen=True, slots=True)
class FuturesOrderChanged:
    order: ContractOrder
    fill: ContractFill | None
    action: int


@dataclass(frozen=True, slots=True)
class PositionChanged:
    position: Position
    liquidate_price: Decimal
    position_mode: str


@dataclass(frozen=True, slots=True)
class AssetChanged:
    account_id: str
    currency: str
    available_balance: Decimal
    frozen_balance: Decimal
    position_deposit: Decimal
    time_ms: int


@dataclass(frozen=True, slots=True)
class LedgerAdded:
    row: LedgerRow


@dataclass(frozen=True, slots=True)
class FundingSettled:
    symbol: str
    rate: Decimal
    mark_price: Decimal
    funding_time_ms: int
    next_funding_time_ms: int


@dataclass(frozen=True, slots=True)
class MarkChanged:
    symbol: str
    index_price: Decimal
    mark_price: Decimal
    time_ms: int


FuturesEvent = Union[LevelChanged, PublicTrade, FuturesOrderChanged, PositionChanged, AssetChanged,
                     LedgerAdded, FundingSettled, MarkChanged]
