"""Positions and balances -> host models, base units. Pure.

Positions (bitmart_futures.md §5): REST position-v2 is the source of truth. Its direction is
`position_side` (`long`/`short`; `both` in one-way mode, where the sign of `position_amount` says it);
there is no `position_type` in v2 (ccxt reads it anyway and makes every position short). v1 rows are
refused: live v1 `mark_price` holds a value, not a price (§0 C2). Sizes are contracts x contract size.
The WS `futures/position` row has no mark, PnL or leverage: it becomes a `PositionUpdate` that the
connector completes with the ticker's mark and the pair's leverage (`position_from_update`); unrealized
PnL is then money, `dir x (mark - entry) x amount`, not Hummingbot's price ratio. A liquidation price
of "0" (cross positions) means none and becomes None.

Balances (§2.2, §3.6): `available = available_balance` and `frozen = position_deposit + frozen_balance`
(margin held by positions plus margin and fees held by orders), on REST and WS alike, so the total never
jumps between the two (the WS push has no equity; Hummingbot's WS total drops the position margin).
Unrealized PnL belongs to positions, not to the balance.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from host_spec import Balance, BalanceEvent, MarginMode, Position, PositionMode, PositionSide, TradingPair

from bitmart_plugin.fields import ParseError, dec, opt_dec, opt_int, text
from bitmart_plugin.perp.codes import margin_mode, position_mode, position_side
from bitmart_plugin.perp.symbols import Contracts
from bitmart_plugin.perp.units import base, contracts as whole_contracts, opt_base

__all__ = [
    "PositionUpdate", "balance_from_ws", "balances_from_rest", "position_from_update", "position_from_v2",
    "position_updates_from_ws", "positions_from_v2",
]


def _object(row: object, what: str) -> dict[str, Any]:
    if not isinstance(row, dict):
        raise ParseError(f"{what}: expected an object, got {type(row).__name__}")
    return row


def _liquidation(row: dict[str, Any], key: str) -> Decimal | None:
    value = opt_dec(row, key)
    return value if value else None  # "0": none (cross positions)


def position_from_v2(row: object, contracts: Contracts) -> Position | None:
    """One position-v2 row -> Position, or None for a flat row (v2 lists flat sides when asked by symbol)."""
    row = _object(row, "position-v2 row")
    if "position_side" not in row:
        raise ParseError("not a position-v2 row (no position_side): read /contract/private/position-v2; v1 rows "
                         "carry a value in mark_price")
    contract = contracts.by_symbol(text(row, "symbol"))
    held = whole_contracts(row, "current_amount")
    if not held:
        return None
    side = position_side(row["position_side"])
    if side is None:  # one-way mode: the signed amount gives the direction
        signed = dec(row, "position_amount")
        if not signed:
            raise ParseError(f"{contract.symbol}: one-way row holds {held} contracts but position_amount is 0")
        side = PositionSide.LONG if signed > 0 else PositionSide.SHORT
    margin = opt_dec(row, "initial_margin")
    return Position(
        pair=contract.pair,
        side=side,
        amount=contract.to_base(held),
        entry_price=dec(row, "entry_price"),
        mark_price=dec(row, "mark_price"),
        unrealized_pnl=dec(row, "unrealized_pnl"),
        leverage=dec(row, "leverage"),
        margin_mode=margin_mode(row.get("open_type")),
        liquidation_price=_liquidation(row, "liquidation_price"),
        margin=margin if margin is not None else opt_dec(row, "position_cross") or Decimal(0),
        updated_ms=opt_int(row, "timestamp") or 0,
    )


def positions_from_v2(rows: object, contracts: Contracts) -> list[Position]:
    """position-v2 data -> the open positions (flat rows left out)."""
    if not isinstance(rows, list):
        raise ParseError("position-v2: data is not a list")
    return [p for p in (position_from_v2(row, contracts) for row in rows) if p is not None]


@dataclass(frozen=True, slots=True)
class PositionUpdate:
    """One futures/position row: the position's size and entry as the venue holds them now (amount 0: closed)."""

    pair: TradingPair
    side: PositionSide
    amount: Decimal
    entry_price: Decimal
    liquidation_price: Decimal | None
    margin_mode: MarginMode
    closing_amount: Decimal  # reserved by our open close orders (`frozen_volume`)
    updated_ms: int
    position_mode: PositionMode | None = None


def position_updates_from_ws(data: object, contracts: Contracts) -> list[PositionUpdate]:
    """futures/position data (every row of the push) -> PositionUpdates in base units."""
    if not isinstance(data, list):
        raise ParseError("futures/position: data is not a list")
    out = []
    for row in data:
        row = _object(row, "futures/position row")
        contract = contracts.by_symbol(text(row, "symbol"))
        side = position_side(row.get("position_type"))
        if side is None:
            raise ParseError(f"{contract.symbol}: futures/position row without position_type 1 or 2")
        mode = text(row, "position_mode")
        out.append(PositionUpdate(
            contract.pair, side, base(row, "hold_volume", contract), dec(row, "hold_avg_price"),
            _liquidation(row, "liquidate_price"), margin_mode(row.get("open_type")),
            opt_base(row, "frozen_volume", contract) or Decimal(0), opt_int(row, "update_time") or 0,
            position_mode(mode) if mode else None))
    return out


def position_from_update(update: PositionUpdate, mark_price: Decimal, leverage: Decimal) -> Position:
    """A WS update completed with the mark (ticker) and the pair's leverage: unrealized PnL in quote money,
    margin estimated as the initial margin `entry x amount / leverage` (the push carries neither)."""
    if leverage <= 0:
        raise ValueError(f"leverage must be positive, not {leverage}")
    direction = 1 if update.side is PositionSide.LONG else -1
    pnl = direction * (mark_price - update.entry_price) * update.amount
    return Position(update.pair, update.side, update.amount, update.entry_price, mark_price, pnl, leverage,
                    update.margin_mode, update.liquidation_price, update.entry_price * update.amount / leverage,
                    update.updated_ms)


def _balance(row: dict[str, Any]) -> Balance:
    currency = text(row, "currency")
    if not currency:
        raise ParseError("asset row without currency")
    held = dec(row, "position_deposit") + dec(row, "frozen_balance")
    return Balance(currency, dec(row, "available_balance"), held)


def balances_from_rest(rows: object) -> dict[str, Balance]:
    """`/contract/private/assets-detail` data -> balances per asset."""
    if not isinstance(rows, list):
        raise ParseError("assets-detail: data is not a list")
    return {b.asset: b for b in (_balance(_object(row, "assets-detail row")) for row in rows)}


def balance_from_ws(data: object, now_ms: int = 0) -> BalanceEvent:
    """futures/asset:<CCY> data -> BalanceEvent (the push has no time: the caller stamps it)."""
    balance = _balance(_object(data, "futures/asset"))
    return BalanceEvent(balance.asset, balance.available, balance.frozen, now_ms)
