"""After `order place ... MARKET`: wait, bounded, for the order's final state and describe its fills."""

from __future__ import annotations

import asyncio
import logging
from decimal import Decimal

from host_spec.errors import CapabilityMissing, ConnectorError
from host_spec.host import Connection
from host_spec.models import Fill, Order

__all__ = ["SETTLE_S", "describe_fills", "settle"]

log = logging.getLogger(__name__)

SETTLE_S = 10.0  # a MARKET order on a live book is done in well under a second; this only bounds a stuck one
_DELAYS = (0.05, 0.1, 0.2, 0.4, 0.8)


async def _poll(deadline: float, attempt: int) -> bool:
    """Sleep before the next look; False once the deadline has passed."""
    left = deadline - asyncio.get_running_loop().time()
    if left <= 0:
        return False
    await asyncio.sleep(min(_DELAYS[min(attempt, len(_DELAYS) - 1)], left))
    return True


def _ours(fills: list[Fill], order: Order) -> list[Fill]:
    return [f for f in fills if f.client_order_id == order.client_order_id
            or (order.exchange_order_id is not None and f.exchange_order_id == order.exchange_order_id)]


async def settle(conn: Connection, order: Order, timeout_s: float = SETTLE_S) -> tuple[Order, list[Fill] | None]:
    """The order once done with its fills (None if the connector cannot list fills), or what is known at timeout."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    attempt = 0
    while not order.state.is_done and await _poll(deadline, attempt):
        attempt += 1
        try:
            order = await conn.query_order(order.pair, order.client_order_id)
        except CapabilityMissing:
            break
        except ConnectorError as exc:  # not visible yet, or a blip: keep the last known state and look again
            log.info("waiting for %s: %s", order.client_order_id, exc)
    since = order.created_ms - 60_000 if order.created_ms else None
    fills: list[Fill] = []
    attempt = 0
    while True:  # fills may trail the order's state by a moment
        try:
            fills = _ours(await conn.fills(order.pair, since), order)
        except CapabilityMissing:
            return order, None
        except ConnectorError as exc:
            log.info("listing fills of %s: %s", order.client_order_id, exc)
        if sum((f.amount for f in fills), Decimal(0)) >= order.filled_amount or not await _poll(deadline, attempt):
            return order, fills
        attempt += 1


def describe_fills(order: Order, fills: list[Fill] | None, timeout_s: float = SETTLE_S) -> list[str]:
    """One line per fill, then the average price; a note on what is known when the order is not done."""
    lines = [f"  fill {f.amount:f} @ {f.price:f}  fee {f.fee:f} {f.fee_asset}" for f in fills or []]
    amount = sum((f.amount for f in fills or []), Decimal(0))
    average = (sum((f.price * f.amount for f in fills or []), Decimal(0)) / amount) if amount else order.average_price
    if average is not None:
        places = max([-f.price.as_tuple().exponent for f in fills or []] + [2]) + 4  # type: ignore[operator]
        count = f"over {len(fills)} fill{'s' if len(fills) != 1 else ''}" if fills else "(from the order)"
        lines.append(f"  average price {average.quantize(Decimal(1).scaleb(-places)).normalize():f} {count}")
    realized = [f.realized_pnl for f in fills or [] if f.realized_pnl is not None]
    if any(realized):  # a contract venue's close
        lines.append(f"  realized PnL {sum(realized, Decimal(0)):f} {order.pair.quote}")
    if not order.state.is_done:
        lines.append(f"  still {order.state.value} after {timeout_s:g} s with {order.filled_amount:f} filled; "
                     f"see `host-spec order list` for what follows")
    return lines
