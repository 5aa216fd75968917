"""Market data and account values: pairs, sides, trading rules, fees, balances, books, trades, tickers, candles."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from decimal import Decimal

__all__ = [
    "Balance",
    "Candle",
    "FeeRates",
    "OrderBookView",
    "PublicTrade",
    "Side",
    "Ticker",
    "TradingPair",
    "TradingRule",
]


_PAIR = re.compile(r"^([A-Z0-9]{1,20})[-/_]([A-Z0-9]{1,20})$")


@dataclass(frozen=True, slots=True, order=True)
class TradingPair:
    """A pair in the host's `BASE-QUOTE` convention (`BTC-USDT`)."""

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


@dataclass(frozen=True, slots=True)
class TradingRule:
    """The venue's limits for one pair. Increments are exact Decimals; sizes are always in base units.

    A perpetual contract's rule also sets `contract_size` (base units per contract; `size_increment`
    is then a whole number of contracts), the leverage range, `max_market_size`, the largest
    MARKET order, and `maintenance_margin_rate`, the share of a position's entry value below which its
    margin plus unrealized PnL gets it liquidated (the venue's first risk tier). Spot rules leave them None.
    """

    pair: TradingPair
    price_increment: Decimal
    size_increment: Decimal
    min_size: Decimal
    max_size: Decimal | None = None
    min_notional_buy: Decimal = Decimal(0)
    min_notional_sell: Decimal = Decimal(0)
    trading_enabled: bool = True
    status: str = "trading"
    contract_size: Decimal | None = None
    min_leverage: Decimal | None = None
    max_leverage: Decimal | None = None
    max_market_size: Decimal | None = None
    maintenance_margin_rate: Decimal | None = None

    @property
    def is_contract(self) -> bool:
        """True for a perpetual contract's rule (it has a contract size)."""
        return self.contract_size is not None


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
