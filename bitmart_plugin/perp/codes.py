"""BitMart futures enumerations <-> host_spec: side codes, position and margin modes, order modes and states.

Side codes (bitmart_futures.md §1.4) mean different things in the two position modes:

| code | hedge mode        | one-way mode      | host (side, position_action, reduce_only)      |
|------|-------------------|-------------------|------------------------------------------------|
| 1    | buy, open long    | buy               | BUY, OPEN (one-way: None), False               |
| 2    | buy, close short  | buy, reduce-only  | BUY, CLOSE (one-way: None), True               |
| 3    | sell, close long  | sell, reduce-only | SELL, CLOSE (one-way: None), True              |
| 4    | sell, open short  | sell              | SELL, OPEN (one-way: None), False              |
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from host_spec import (
    InvalidOrder, MarginMode, OrderState, PositionAction, PositionMode, PositionSide, Side, TimeInForce,
)

from bitmart_plugin.fields import ParseError
from bitmart_plugin.perp.symbols import CONNECTOR

__all__ = [
    "MODE_FOK", "MODE_GTC", "MODE_IOC", "MODE_MAKER_ONLY", "TIF_MODES", "SideMeaning", "decode_side", "margin_mode",
    "margin_mode_wire", "order_state", "position_mode", "position_mode_wire", "position_side", "side_code",
]

MODE_GTC, MODE_FOK, MODE_IOC, MODE_MAKER_ONLY = 1, 2, 3, 4  # submit-order `mode` (§1.5)
TIF_MODES = {TimeInForce.GTC: MODE_GTC, TimeInForce.FOK: MODE_FOK, TimeInForce.IOC: MODE_IOC}

_POSITION_MODES = {"hedge_mode": PositionMode.HEDGE, "one_way_mode": PositionMode.ONE_WAY}
_MARGIN_MODES = {"cross": MarginMode.CROSS, "isolated": MarginMode.ISOLATED, 1: MarginMode.ISOLATED,
                 2: MarginMode.CROSS}  # REST strings (any case); WS position `open_type` ints
_POSITION_SIDES = {"long": PositionSide.LONG, "short": PositionSide.SHORT, 1: PositionSide.LONG,
                   2: PositionSide.SHORT}  # v2 `position_side`, position-risk (any case); WS `position_type`


@dataclass(frozen=True, slots=True)
class SideMeaning:
    """What a side code does: the host side, the hedge-mode position action, and whether it only reduces."""

    side: Side
    position_action: PositionAction | None
    reduce_only: bool


def side_code(side: Side, action: PositionAction | None, reduce_only: bool, mode: PositionMode) -> int:
    """The side code to send. Hedge mode needs OPEN or CLOSE (reduce_only alone means CLOSE); one-way orders
    net, so OPEN is refused there (a buy while short would close, not open) and CLOSE means reduce-only."""
    closing = action is PositionAction.CLOSE or reduce_only
    if mode is PositionMode.HEDGE and action is None and not reduce_only:
        raise InvalidOrder("the account is in hedge mode: say position_action=OPEN or CLOSE (which position the "
                           "order opens or closes)", rule="position_action", allowed="OPEN, CLOSE", connector=CONNECTOR)
    if mode is PositionMode.ONE_WAY and action is PositionAction.OPEN:
        raise InvalidOrder("the account is in one-way mode, where orders net into one position: leave "
                           "position_action None (or use reduce_only=True to only close)", rule="position_action",
                           allowed=None, connector=CONNECTOR)
    if side is Side.BUY:
        return 2 if closing else 1
    return 3 if closing else 4


def decode_side(code: object, mode: PositionMode) -> SideMeaning:
    """A side code read from the venue (int or digit string), in the position mode the order was placed in."""
    if isinstance(code, bool) or str(code) not in ("1", "2", "3", "4"):
        raise ParseError(f"side: expected a side code 1-4, got {code!r}")
    value = int(str(code))
    side = Side.BUY if value in (1, 2) else Side.SELL
    reduce_only = value in (2, 3)
    if mode is PositionMode.ONE_WAY:
        return SideMeaning(side, None, reduce_only)
    return SideMeaning(side, PositionAction.CLOSE if reduce_only else PositionAction.OPEN, reduce_only)


def position_mode(wire: object) -> PositionMode:
    """`hedge_mode` / `one_way_mode` -> PositionMode."""
    found = _POSITION_MODES.get(wire) if isinstance(wire, str) else None
    if found is None:
        raise ParseError(f"position_mode: expected hedge_mode or one_way_mode, got {wire!r}")
    return found


def position_mode_wire(mode: PositionMode) -> str:
    """PositionMode -> `hedge_mode` / `one_way_mode`."""
    return "hedge_mode" if mode is PositionMode.HEDGE else "one_way_mode"


def margin_mode(wire: object) -> MarginMode:
    """REST `open_type`/`margin_type` (`cross`, `Isolated`...) or WS `open_type` (1 isolated, 2 cross)."""
    key = wire.lower() if isinstance(wire, str) else wire
    found = _MARGIN_MODES.get(key) if isinstance(key, str | int) and not isinstance(key, bool) else None
    if found is None:
        raise ParseError(f"open_type: expected cross or isolated (WS: 2 or 1), got {wire!r}")
    return found


def margin_mode_wire(mode: MarginMode) -> str:
    """MarginMode -> the REST `open_type` string."""
    return "cross" if mode is MarginMode.CROSS else "isolated"


def position_side(wire: object) -> PositionSide | None:
    """`long`/`short` (v2, position-risk) or 1/2 (WS `position_type`) -> PositionSide; None for v2 `both`
    (one-way mode: the sign of `position_amount` gives the direction)."""
    if isinstance(wire, str) and wire.lower() == "both":
        return None
    key = wire.lower() if isinstance(wire, str) else wire
    found = _POSITION_SIDES.get(key) if isinstance(key, str | int) and not isinstance(key, bool) else None
    if found is None:
        raise ParseError(f"position side: expected long, short or both (WS: 1 or 2), got {wire!r}")
    return found


def order_state(state: object, size: Decimal, filled: Decimal) -> OrderState:
    """§1.7: 1 (approval) and 2 (open) are live, OPEN or PARTIALLY_FILLED by the filled size; 4 (finished) is
    FILLED when all of `size` filled, else CANCELED (cancelled, expired IOC/FOK, crossed post-only)."""
    if isinstance(state, bool) or str(state) not in ("1", "2", "4"):
        raise ParseError(f"state: expected 1, 2 or 4, got {state!r}")
    if size > 0 and filled >= size:
        return OrderState.FILLED
    if str(state) == "4":
        return OrderState.CANCELED
    return OrderState.PARTIALLY_FILLED if filled > 0 else OrderState.OPEN
