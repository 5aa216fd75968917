"""Orders as a host asks for them and as the venue reports them: requests, orders, fills and user-stream events."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal

from host_spec import inputs
from host_spec.models.market import Side, TradingPair

__all__ = [
    "BalanceEvent",
    "Fill",
    "Order",
    "OrderEvent",
    "OrderEventKind",
    "OrderRequest",
    "OrderState",
    "OrderType",
    "PositionAction",
    "TimeInForce",
]


class OrderType(str, enum.Enum):
    LIMIT = "LIMIT"
    LIMIT_MAKER = "LIMIT_MAKER"
    MARKET = "MARKET"
    IOC = "IOC"


class TimeInForce(str, enum.Enum):
    """How long an order may rest. None on a request means the order type's own (GTC for LIMIT)."""

    GTC = "GTC"
    IOC = "IOC"
    FOK = "FOK"


class PositionAction(str, enum.Enum):
    """What a contract order does to a hedge-mode position; one-way (net) orders leave it None."""

    OPEN = "OPEN"
    CLOSE = "CLOSE"


class OrderState(str, enum.Enum):
    PENDING_CREATE = "PENDING_CREATE"
    OPEN = "OPEN"
    PARTIALLY_FILLED = "PARTIALLY_FILLED"
    FILLED = "FILLED"
    CANCELED = "CANCELED"
    FAILED = "FAILED"

    @property
    def is_done(self) -> bool:
        return self in (OrderState.FILLED, OrderState.CANCELED, OrderState.FAILED)


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """An order as a host asks for it. `amount` is base; a spot MARKET buy gives `quote_amount` instead.

    Contract orders also say `position_action` (hedge mode: OPEN or CLOSE the long or short; None in
    one-way mode, where orders net), `reduce_only` and `time_in_force`; amounts stay in base units, the
    plugin converts to contracts. The constructor checks types and says what to pass: `Side.BUY`, not
    `"buy"`; `Decimal("0.1")`, not `0.1` (an int converts exactly); a `TradingPair`, not `"BTC-USDT"`.
    Trading rules, and whether the fields make sense together, are checked later (`check_order`).
    """

    pair: TradingPair
    side: Side
    order_type: OrderType
    amount: Decimal | None = None
    price: Decimal | None = None
    quote_amount: Decimal | None = None
    client_order_id: str | None = None
    position_action: PositionAction | None = None
    reduce_only: bool = False
    time_in_force: TimeInForce | None = None

    def __post_init__(self) -> None:
        hint = f"pass TradingPair.parse({self.pair!r})" if isinstance(self.pair, str) else ""
        inputs.instance(self.pair, TradingPair, "pair", hint=hint)
        inputs.member(self.side, Side, "side")
        inputs.member(self.order_type, OrderType, "order_type")
        for name in ("amount", "price", "quote_amount"):
            object.__setattr__(self, name, inputs.decimal_or_none(getattr(self, name), name))
        inputs.instance(self.client_order_id, str, "client_order_id", optional=True)
        inputs.member(self.position_action, PositionAction, "position_action", optional=True)
        inputs.instance(self.reduce_only, bool, "reduce_only")
        inputs.member(self.time_in_force, TimeInForce, "time_in_force", optional=True)


@dataclass(frozen=True, slots=True)
class Order:
    """The host's view of one order at one moment."""

    client_order_id: str
    exchange_order_id: str | None
    pair: TradingPair
    side: Side
    order_type: OrderType
    price: Decimal | None
    amount: Decimal | None
    state: OrderState
    filled_amount: Decimal = Decimal(0)
    filled_quote: Decimal = Decimal(0)
    quote_amount: Decimal | None = None
    reason: str = ""
    created_ms: int = 0
    updated_ms: int = 0

    @property
    def average_price(self) -> Decimal | None:
        return self.filled_quote / self.filled_amount if self.filled_amount else None


@dataclass(frozen=True, slots=True)
class Fill:
    """One execution of one of our orders; `realized_pnl` (quote units) is set by contract venues on closes."""

    trade_id: str
    client_order_id: str
    exchange_order_id: str
    pair: TradingPair
    side: Side
    price: Decimal
    amount: Decimal
    fee: Decimal
    fee_asset: str
    is_maker: bool
    timestamp_ms: int
    realized_pnl: Decimal | None = None


class OrderEventKind(str, enum.Enum):
    CREATED = "created"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELED = "canceled"
    FAILED = "failed"
    # Deprecated: the old spelling, an alias of CANCELED kept so older callers keep working.
    CANCELLED = "canceled"

    @classmethod
    def _missing_(cls, value: object) -> OrderEventKind | None:
        return cls.CANCELED if value == "cancelled" else None  # the value before the spelling was unified


@dataclass(frozen=True, slots=True)
class OrderEvent:
    """A change in one of our orders; `fill` is set for the fill kinds."""

    kind: OrderEventKind
    order: Order
    fill: Fill | None = None


@dataclass(frozen=True, slots=True)
class BalanceEvent:
    asset: str
    available: Decimal
    frozen: Decimal
    timestamp_ms: int = 0
