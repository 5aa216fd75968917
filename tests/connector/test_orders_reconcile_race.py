"""A reconciliation that runs while an order is still being placed cannot ask about it; once the placing ends,
the session must ask (the venue may have filled it meanwhile, with the push lost). Shared session machinery
(bitmart_plugin.trading), shown with the spot session and a fake REST; the perp chaos test meets it for real.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal as D

from host_spec import OrderEvent, OrderEventKind, OrderState

from bitmart_plugin.settings import load_settings
from bitmart_plugin.spot.connector import BitmartSpotSession

from .test_orders_resolution import REQ, FakeRest, QuietStreams, wait_for


class GatedRest(FakeRest):
    """The submit is held until `release` is set (the order exists at the venue from the start)."""

    def __init__(self, rules) -> None:
        super().__init__(rules)
        self.sent = asyncio.Event()
        self.release = asyncio.Event()

    async def submit_order(self, params):
        order_id = await super().submit_order(params)
        self.sent.set()
        await self.release.wait()
        return order_id


async def test_an_order_placing_during_a_reconciliation_is_asked_about_afterwards(btc_rules) -> None:
    rest = GatedRest(btc_rules)
    s = BitmartSpotSession(load_settings(api_key="k", secret_key="s", memo="m"), rest=rest,  # type: ignore[arg-type]
                           streams_factory=QuietStreams)
    s.settle_interval_s = 0.01
    s.settle_s = 3600  # no second start-up reconciliation to find it by chance
    events: list[OrderEvent] = []

    async def consume() -> None:
        async for ev in s.user_stream():
            if isinstance(ev, OrderEvent):
                events.append(ev)

    reader = asyncio.create_task(consume())
    try:
        placing = asyncio.create_task(s.place_order(REQ))
        await rest.sent.wait()
        await s.reconcile()  # the order is placing: the reconciliation passes over it
        cid = rest.submits[0]["client_order_id"]
        rest.venue[cid].update(state="filled", filledSize="0.001", filledNotional="30")  # filled, push lost
        rest.release.set()
        order = await placing
        assert order.state is OrderState.OPEN  # what the submit's answer said
        await wait_for(lambda: any(e.kind is OrderEventKind.FILLED for e in events), "the fill")
        assert s.tracker.get(cid).state is OrderState.FILLED and s.tracker.get(cid).filled_amount == D("0.001")
    finally:
        reader.cancel()
        await s.close()
