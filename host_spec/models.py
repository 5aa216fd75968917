"""Frozen value types shared by hosts and plugins: pairs, rules, orders, fills, balances, books, candles."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from decimal import Decimal

from host_spec import inputs

__all__ = [
    "Balance",
    "Candle",
    "ComponentStatus",
    "ConnectorInfo",
    "CredentialField",
    "FeeRates",
    "Fill",
    "Order",
    "OrderBookView",
    "OrderEvent",
    "OrderEventKind",
    "OrderRequest",
    "OrderState",
    "OrderType",
    "PublicTrade",
    "Side",
    "BalanceEvent",
    "TradingPair",
    "TradingRule",
    "Ticker",
]

_PAIR = re.compile(r"^([A-Z0-9]{1,20})[-/_]([A-Z0-9]{1,20})$")


@dataclass(frozen=True, slots=True, order=True)
class TradingPair:
    """A spot pair in the host's `BASE-QUOTE` convention (`BTC-USDT`)."""

    base: str
    quote: str

    def __post_init__(self) -> None:
        if not (isinstance(self.base, str) and isinstance(self.quote, str)):
            raise TypeError(f"TradingPair(base, quote) takes two str, such as TradingPair('BTC', 'USDT'), not "
                            f"{self.base!r}, {self.quote!r}; TradingPair.parse('BTC-USDT') reads the joined form")

    @classmethod
    def parse(cls, text: str) -> TradingPair:
        """Parse `BTC-USDT`, `BTC/USDT` or `BTC_USDT` (any case); raises ValueError with the expected form."""
        match = _PAIR.match(text.strip().upper())
        if not match:
            raise ValueError(f"invalid trading pair {text!r}: expected BASE-QUOTE, for example BTC-USDT")
        return cls(match.group(1), match.group(2))

    def __str__(self) -> str:
        return f"{self.base}-{self.quote}"


class Side(str, enum.Enum):
    BUY = "BUY"
    SELL = "SELL"


class OrderType(str, enum.Enum):
    LIMIT = "LIMIT"
    LIMIT_MAKER = "LIMIT_MAKER"
    MARKET = "MARKET"
    IOC = "IOC"


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
class CredentialField:
    """One secret a connector needs, with the prompt a CLI shows for it."""

    name: str
    prompt: str
    secret: bool = True
    env_var: str = ""


@dataclass(frozen=True, slots=True)
class ComponentStatus:
    """One row of a connector's components table (e.g. `spot candles feed`: built or not)."""

    name: str
    built: bool


@dataclass(frozen=True, slots=True)
class ConnectorInfo:
    """What a connector is and what it can do, declared as data."""

    id: str
    plugin: str
    display_name: str
    exchange_type: str
    market_type: str
    connection_type: str
    order_types: tuple[OrderType, ...]
    components: tuple[ComponentStatus, ...] = ()
    credentials: tuple[CredentialField, ...] = ()
    paper_trade: str | None = None
    base_connector: str | None = None
    capabilities: frozenset[str] = frozenset()
    description: str = ""
    #: the session options the connector reads (keys of `options` in `Host.open`, `-o KEY=VALUE` on the CLI)
    options: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        """The JSON object `host-spec connectors --json` prints."""
        return {
            "id": self.id,
            "plugin": self.plugin,
            "display_name": self.display_name,
            "exchange_type": self.exchange_type,
            "market_type": self.market_type,
            "connection_type": self.connection_type,
            "order_types": [t.value for t in self.order_types],
            "components": {c.name: c.built for c in self.components},
            "paper_trade": self.paper_trade,
            "base_connector": self.base_connector,
            "credentials": [c.name for c in self.credentials],
            "capabilities": sorted(self.capabilities),
            "options": list(self.options),
        }


@dataclass(frozen=True, slots=True)
class TradingRule:
    """The venue's limits for one pair. Increments are exact Decimals."""

    pair: TradingPair
    price_increment: Decimal
    size_increment: Decimal
    min_size: Decimal
    max_size: Decimal | None = None
    min_notional_buy: Decimal = Decimal(0)
    min_notional_sell: Decimal = Decimal(0)
    trading_enabled: bool = True
    status: str = "trading"


@dataclass(frozen=True, slots=True)
class FeeRates:
    maker: Decimal
    taker: Decimal


@dataclass(frozen=True, slots=True)
class Balance:
    asset: str
    available: Decimal
    frozen: Decimal = Decimal(0)

    @property
    def total(self) -> Decimal:
        return self.available + self.frozen


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """An order as a host asks for it. `amount` is base; a MARKET buy may give `quote_amount` instead.

    The constructor checks types and says what to pass: `Side.BUY`, not `"buy"`; `Decimal("0.1")`, not
    `0.1` (an int converts exactly); a `TradingPair`, not `"BTC-USDT"`. Trading rules are checked later.
    """

    pair: TradingPair
    side: Side
    order_type: OrderType
    amount: Decimal | None = None
    price: Decimal | None = None
    quote_amount: Decimal | None = None
    client_order_id: str | None = None

    def __post_init__(self) -> None:
        hint = f"pass TradingPair.parse({self.pair!r})" if isinstance(self.pair, str) else ""
        inputs.instance(self.pair, TradingPair, "pair", hint=hint)
        inputs.member(self.side, Side, "side")
        inputs.member(self.order_type, OrderType, "order_type")
        for name in ("amount", "price", "quote_amount"):
            object.__setattr__(self, name, inputs.decimal_or_none(getattr(self, name), name))
        inputs.instance(self.client_order_id, str, "client_order_id", optional=True)


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
    """One execution of one of our orders."""

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


@dataclass(frozen=True, slots=True)
class OrderBookView:
    """A consistent view of an L2 book: levels best first, as (price, amount)."""

    pair: TradingPair
    timestamp_ms: int
    sequence: int
    bids: tuple[tuple[Decimal, Decimal], ...]
    asks: tuple[tuple[Decimal, Decimal], ...]

    @property
    def best_bid(self) -> tuple[Decimal, Decimal] | None:
        return self.bids[0] if self.bids else None

    @property
    def best_ask(self) -> tuple[Decimal, Decimal] | None:
        return self.asks[0] if self.asks else None

    @property
    def mid(self) -> Decimal | None:
        """Halfway between the best bid and the best ask; None when either side is empty."""
        return (self.bids[0][0] + self.asks[0][0]) / 2 if self.bids and self.asks else None

    @property
    def spread(self) -> Decimal | None:
        """Best ask minus best bid; None when either side is empty."""
        return self.asks[0][0] - self.bids[0][0] if self.bids and self.asks else None


@dataclass(frozen=True, slots=True)
class PublicTrade:
    pair: TradingPair
    price: Decimal
    amount: Decimal
    taker_side: Side
    timestamp_ms: int
    trade_id: str = ""


@dataclass(frozen=True, slots=True)
class Ticker:
    pair: TradingPair
    last: Decimal
    best_bid: Decimal | None
    best_ask: Decimal | None
    volume_24h: Decimal
    timestamp_ms: int


@dataclass(frozen=True, slots=True)
class Candle:
    """One OHLCV candle; `open_time_s` is the interval's start; `closed` is True once it can no longer change."""

    pair: TradingPair
    interval: str
    open_time_s: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal
    quote_volume: Decimal = Decimal(0)
    closed: bool = False
