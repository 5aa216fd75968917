"""The sandbox's own number and object formatting (wire shapes of api §6-§8, all decimals as strings)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

_QUANTA: dict[int, Decimal] = {}
PRICE_CACHE = 4096

LEGACY_STATE = {"new": "4", "partially_filled": "5", "filled": "6", "canceled": "8",
                "partially_canceled": "12", "failed": "1"}
ENTRUST = {"limit": "normal", "market": "normal", "limit_maker": "LIMIT_MAKER", "ioc": "IOC"}
ORDER_TYPE_NUM = {"limit": "0", "market": "0", "limit_maker": "1", "ioc": "3"}


def _quantum(places: int) -> Decimal:
    q = _QUANTA.get(places)
    if q is None:
        q = _QUANTA[places] = Decimal(1).scaleb(-places)
    return q


def fixed(value: Decimal | None, places: int) -> str:
    """`value` with exactly `places` decimals (negative places -> integer)."""
    return _to_quantum(Decimal(0) if value is None else value, _quantum(max(0, places)))


def _to_quantum(value: Decimal, quantum: Decimal) -> str:
    """`value` rounded half up to `quantum` (a power of ten, at most 1), as text without an exponent."""
    text = str(value.quantize(quantum, ROUND_HALF_UP))
    # str() writes exponents below 1e-6 ("1.2E-7"); the 'f' format (three times slower) never does
    return text if "E" not in text else f"{Decimal(text):f}"


def places_of(step: Decimal) -> int:
    """Number of decimals of a step such as Decimal('0.00001') -> 5."""
    exp = step.normalize().as_tuple().exponent
    return max(0, -int(exp)) if isinstance(exp, int) else 0


def plain(value: Decimal) -> str:
    """Shortest non-exponent form (used for book levels: '30000', '1.021')."""
    s = f"{value.normalize():f}"
    return s


class Fmt:
    """Per-symbol formatter derived from the SymbolRules (price and size decimals)."""

    def __init__(self, rules: Any) -> None:
        self.price_places = int(rules.price_max_precision)
        self.size_places = places_of(rules.size_step)
        self._size_quantum = _quantum(self.size_places)  # sizes go out with every push: no lookup each time
        self._prices: dict[Decimal, str] = {}  # book levels repeat the same few hundred prices

    def price(self, v: Decimal | None) -> str:
        """Price with the symbol's price precision."""
        return fixed(v, self.price_places)

    def size(self, v: Decimal | None) -> str:
        """Base size with the symbol's size step decimals."""
        return _to_quantum(Decimal(0) if v is None else v, self._size_quantum)

    def level(self, price: Decimal, size: Decimal) -> list[str]:
        """A book level [price, size] as strings."""
        return [self.level_price(price), _to_quantum(size, self._size_quantum)]

    def changed_levels(self, changes: list[tuple[Decimal, Decimal]]) -> list[list[str]]:
        """Changed book levels as [price, size] strings; a removed level's size is "0" exactly (api §8.4)."""
        price, quantum = self.level_price, self._size_quantum
        return [[price(p), _to_quantum(s, quantum) if s else "0"] for p, s in changes]

    def level_price(self, price: Decimal) -> str:
        """``price(price)`` from a small cache (cleared when it holds PRICE_CACHE entries)."""
        text = self._prices.get(price)
        if text is None:
            if len(self._prices) >= PRICE_CACHE:
                self._prices.clear()
            text = self._prices[price] = fixed(price, self.price_places)
        return text


def money(v: Decimal | None) -> str:
    """Balances, notionals and fees: 8 decimals like the live API."""
    return fixed(v, 8)


def price_avg(order: Any) -> Decimal:
    """Average fill price (0 when unfilled)."""
    if order.filled_size:
        return order.filled_notional / order.filled_size
    return Decimal(0)


def order_v4(order: Any, fmt: Fmt) -> dict[str, Any]:
    """Order object of /spot/v4/query/* (api §6.7); times as ints."""
    is_market = order.type == "market"
    notional = order.notional if (is_market and order.side == "buy") else (
        Decimal(0) if is_market else (order.price or Decimal(0)) * (order.size or Decimal(0)))
    return {
        "orderId": order.order_id,
        "clientOrderId": order.client_order_id or order.order_id,
        "symbol": order.symbol,
        "side": order.side,
        "orderMode": "spot",
        "type": order.type,
        "state": order.state,
        "cancelSource": order.cancel_source or "",
        "stpMode": order.stp_mode or "cancel_maker",
        "price": fmt.price(order.price if not is_market else Decimal(0)),
        "priceAvg": fmt.price(price_avg(order)),
        "size": fmt.size(order.size if order.size is not None else Decimal(0)),
        "filledSize": fmt.size(order.filled_size),
        "notional": money(notional),
        "filledNotional": money(order.filled_notional),
        "createTime": int(order.create_time_ms),
        "updateTime": int(order.update_time_ms),
    }


def fill_v4(fill: Any, fmt: Fmt) -> dict[str, Any]:
    """Trade object of /spot/v4/query/trades and order-trades (api §6.7)."""
    return {
        "tradeId": fill.trade_id,
        "orderId": fill.order_id,
        "clientOrderId": fill.client_order_id or fill.order_id,
        "symbol": fill.symbol,
        "side": fill.side,
        "orderMode": "spot",
        "type": fill.order_type,
        "price": fmt.price(fill.price),
        "size": fmt.size(fill.size),
        "notional": money(fill.notional),
        "fee": money(fill.fee),
        "feeCoinName": fill.fee_currency,
        "tradeRole": fill.role,
        "createTime": int(fill.time_ms),
        "updateTime": int(fill.time_ms),
    }


def order_ws(order: Any, last_fill: Any | None, fmt: Fmt) -> dict[str, Any]:
    """Private `spot/user/order` push item (api §8.5); every value a string."""
    is_market = order.type == "market"
    return {
        "symbol": order.symbol,
        "side": order.side,
        "type": "market" if is_market else "limit",
        "notional": money(order.notional) if (is_market and order.side == "buy") else "",
        "size": fmt.size(order.size if order.size is not None else Decimal(0)),
        "ms_t": str(order.update_time_ms),
        "price": fmt.price(order.price if not is_market else Decimal(0)),
        "filled_notional": money(order.filled_notional),
        "filled_size": fmt.size(order.filled_size),
        "margin_trading": "0",
        "state": LEGACY_STATE.get(order.state, "4"),
        "order_id": order.order_id,
        "order_type": ORDER_TYPE_NUM.get(order.type, "0"),
        "last_fill_time": str(last_fill.time_ms) if last_fill else "0",
        "last_fill_price": fmt.price(last_fill.price) if last_fill else "0",
        "last_fill_count": fmt.size(last_fill.size) if last_fill else "0",
        "exec_type": ("M" if last_fill.role == "maker" else "T") if last_fill else "",
        "detail_id": last_fill.trade_id if last_fill else "",
        "client_order_id": order.client_order_id or order.order_id,
        "create_time": str(order.create_time_ms),
        "update_time": str(order.update_time_ms),
        "order_mode": "spot",
        "entrust_type": ENTRUST.get(order.type, "normal"),
        "order_state": order.state,
        "dealFee": money(last_fill.fee) if last_fill else "0",
        "deal_fee_coin_name": last_fill.fee_currency if last_fill else "",
    }
