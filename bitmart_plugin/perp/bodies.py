"""Request bodies for the futures venue, built from host requests and checked before anything is sent. Pure.

submit-order (bitmart_futures.md §2.3, §1.4, §1.5): the request is checked against the contract's rule
(host_spec's `check_order`, base units), then `size` becomes whole contracts (never floored: an amount
between contracts is refused naming the nearest valid sizes), `side` the code for the account's position
mode, and `mode` the time in force: 1 GTC, 2 FOK, 3 IOC, 4 maker-only (LIMIT_MAKER). A market order sends
no `mode` at all (Hummingbot sends `null`). `leverage`/`open_type` are sent only to override the pair's
setting (ccxt always sends `open_type`, silently choosing cross).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from host_spec import (
    InvalidOrder, MarginMode, OrderRejected, OrderRequest, OrderType, PositionMode, TimeInForce, check_order,
)

from bitmart_plugin.orders import check_client_order_id
from bitmart_plugin.perp.codes import (
    MODE_IOC, MODE_MAKER_ONLY, TIF_MODES, margin_mode_wire, position_mode, position_mode_wire, side_code,
)
from bitmart_plugin.perp.symbols import CONNECTOR, Contract, Contracts

__all__ = ["ORDER_TYPES", "check_leverage", "confirm_position_mode", "leverage_body", "position_mode_body",
           "submit_body", "validate"]

ORDER_TYPES = (OrderType.LIMIT, OrderType.LIMIT_MAKER, OrderType.MARKET, OrderType.IOC)


def validate(request: OrderRequest, contracts: Contracts, *, quantize: bool = False) -> tuple[OrderRequest, Contract]:
    """The request to send (quantized when asked) and its contract, or InvalidPair / InvalidOrder."""
    contract = contracts.by_pair(request.pair)
    checked = check_order(request, contract.rule, order_types=ORDER_TYPES, connector=CONNECTOR, quantize=quantize)
    return checked, contract


def check_leverage(contract: Contract, leverage: Decimal) -> str:
    """The leverage as the venue takes it (a whole number, as a string) if inside the contract's range, else
    InvalidOrder naming `leverage`, `min_leverage` or `max_leverage`."""
    low, high = contract.rule.min_leverage or Decimal(1), contract.rule.max_leverage
    if leverage <= 0 or leverage != leverage.to_integral_value():
        raise InvalidOrder(f"leverage {leverage} for {contract.pair}: BitMart takes a whole number such as 10",
                           rule="leverage", allowed="whole number", connector=CONNECTOR)
    if leverage < low:
        raise InvalidOrder(f"leverage {leverage} is below {contract.pair}'s minimum {low}", rule="min_leverage",
                           allowed=low, connector=CONNECTOR)
    if high is not None and leverage > high:
        raise InvalidOrder(f"leverage {leverage} is above {contract.pair}'s maximum {high}", rule="max_leverage",
                           allowed=high, connector=CONNECTOR)
    return str(int(leverage))


def _mode(request: OrderRequest) -> int | None:
    kind, tif = request.order_type, request.time_in_force
    if kind is OrderType.MARKET:
        if tif not in (None, TimeInForce.IOC):
            raise InvalidOrder(f"a MARKET order executes at once; time in force {tif.value} does not apply to it",
                               rule="time_in_force", allowed=TimeInForce.IOC, connector=CONNECTOR)
        return None
    if kind is OrderType.LIMIT_MAKER:
        return MODE_MAKER_ONLY
    if kind is OrderType.IOC:
        return MODE_IOC
    return TIF_MODES[tif or TimeInForce.GTC]


def submit_body(request: OrderRequest, contracts: Contracts, mode: PositionMode, client_order_id: str, *,
                leverage: Decimal | None = None, margin_mode: MarginMode | None = None,
                quantize: bool = False) -> dict[str, Any]:
    """The submit-order body for `request` in the account's position `mode`."""
    checked, contract = validate(request, contracts, quantize=quantize)
    body: dict[str, Any] = {
        "symbol": contract.symbol,
        "client_order_id": check_client_order_id(client_order_id, connector=CONNECTOR),
        "side": side_code(checked.side, checked.position_action, checked.reduce_only, mode),
        "type": "market" if checked.order_type is OrderType.MARKET else "limit",
        "size": contract.to_contracts(checked.amount or Decimal(0)),
    }
    order_mode = _mode(checked)
    if order_mode is not None:
        body["price"] = f"{checked.price:f}"
        body["mode"] = order_mode
    if leverage is not None:
        body["leverage"] = check_leverage(contract, leverage)
    if margin_mode is not None:
        body["open_type"] = margin_mode_wire(margin_mode)
    return body


def leverage_body(contract: Contract, leverage: Decimal, margin_mode: MarginMode) -> dict[str, str]:
    """The submit-leverage body (checked against the contract's leverage range)."""
    return {"symbol": contract.symbol, "leverage": check_leverage(contract, leverage),
            "open_type": margin_mode_wire(margin_mode)}


def position_mode_body(mode: PositionMode) -> dict[str, str]:
    """The set-position-mode body."""
    return {"position_mode": position_mode_wire(mode)}


def confirm_position_mode(requested: PositionMode, data: object) -> PositionMode:
    """The mode the venue says is in force after set-position-mode; OrderRejected when it is not the one asked
    for (Hummingbot reported success while the account stayed in hedge mode)."""
    now = position_mode(data.get("position_mode") if isinstance(data, dict) else None)
    if now is not requested:
        raise OrderRejected(f"BitMart kept the account in {now.value} mode after the switch to {requested.value} "
                            "was requested (close every position and cancel every order first)", connector=CONNECTOR)
    return now
