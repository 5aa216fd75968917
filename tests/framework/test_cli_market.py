"""`order place ... MARKET` follows the order: pure logic of the bounded wait, on a fake connection."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from host_spec import CapabilityMissing, Fill, Order, OrderState, OrderType, Side, TradingPair
from host_spec.cli.market import describe_fills, settle

PAIR = TradingPair("BTC", "USDT")
PLACED = Order("cid1", "x-cid1", PAIR, Side.BUY, OrderType.MARKET, None, Decimal("0.003"), OrderState.OPEN)


def fill(n: int, price: str, amount: str, cid: str = "cid1") -> Fill:
    return Fill(f"t{n}", cid, f"x-{cid}", PAIR, Side.BUY, Decimal(price), Decimal(amount), Decimal(0), "BTC", False, 0)


class FakeConnection:
    """Answers query_order with `states` in turn (the last one repeats) and fills once the order is done."""

    def __init__(self, *states: Order, fills: list[Fill] | None = None) -> None:
        self.states, self._fills, self.queries = list(states), fills, 0

    async def query_order(self, pair: TradingPair, client_order_id: str) -> Order:
        self.queries += 1
        return self.states.pop(0) if len(self.states) > 1 else self.states[0]

    async def fills(self, pair: TradingPair | None, since_ms: int | None) -> list[Fill]:
        if self._fills is None:
            raise CapabilityMissing("no fills")
        return [*self._fills, fill(9, "1", "1", cid="another")]  # not ours: left out


async def test_waits_until_done_then_prints_each_fill_and_the_average() -> None:
    done = dataclasses.replace(PLACED, state=OrderState.FILLED, filled_amount=Decimal("0.003"))
    conn = FakeConnection(PLACED, PLACED, done, fills=[fill(1, "100", "0.001"), fill(2, "103", "0.002")])
    order, fills = await settle(conn, PLACED, timeout_s=30)  # type: ignore[arg-type]
    assert order.state is OrderState.FILLED and conn.queries == 3
    assert describe_fills(order, fills) == ["  fill 0.001 @ 100  fee 0 BTC", "  fill 0.002 @ 103  fee 0 BTC",
                                            "  average price 102 over 2 fills"]


async def test_an_order_not_done_in_time_says_what_is_known() -> None:
    partly = dataclasses.replace(PLACED, state=OrderState.PARTIALLY_FILLED, filled_amount=Decimal("0.001"),
                                 filled_quote=Decimal("0.1"))
    order, fills = await settle(FakeConnection(partly), PLACED, timeout_s=0.3)  # type: ignore[arg-type]
    assert order.state is OrderState.PARTIALLY_FILLED and fills is None
    lines = describe_fills(order, fills, timeout_s=0.3)
    assert lines == ["  average price 100 (from the order)",
                     "  still PARTIALLY_FILLED after 0.3 s with 0.001 filled; see `host-spec order list` for what follows"]
