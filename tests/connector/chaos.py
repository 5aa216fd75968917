"""The chaos run both venues' chaos tests share: orders placed in batches under lost responses, 503s and
private-socket drops, then everything cancelled, then the session's view checked against the venue's truth.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from host_spec import NetworkError, OrderEventKind as K, OrderRequest, OrderState

BATCH = 10


class Chaos:
    """One session's user stream recorded while `run` places `n` orders through the sandbox's faults."""

    def __init__(self, session: Any, sandbox: Any) -> None:
        self.session, self.sandbox = session, sandbox
        self.faults = sandbox.state.faults
        self.events: list[Any] = []
        self.errors: Counter[str] = Counter()
        self._task: asyncio.Task[None] | None = None

    async def _consume(self) -> None:
        async for ev in self.session.user_stream():
            self.events.append(ev)

    async def run(self, n: int, request: Callable[[], OrderRequest]) -> None:
        """Listen, then place `n` orders (`request()` makes each) in batches, each batch under 3 lost answers and
        one 503, every other one after a private-socket drop; then cancel everything and let it settle."""
        self._task = asyncio.create_task(self._consume())
        await asyncio.sleep(0.5)
        for batch in range(n // BATCH):
            self.faults.set("lose_response", 3)
            self.faults.set("http_5xx", 1)
            if batch % 2 == 1:
                self.faults.set("drop_ws", "private")
            results = await asyncio.gather(*(self.session.place_order(request()) for _ in range(BATCH)),
                                           return_exceptions=True)
            for r in results:
                if isinstance(r, BaseException):
                    self.errors[type(r).__name__] += 1
                    assert isinstance(r, NetworkError), r
            await asyncio.sleep(0.2)
        self.faults.set("clear", 1)
        await asyncio.sleep(0.5)
        self.sandbox.agents_paused = True
        await self.session.cancel_all_orders(None)
        for _ in range(200):
            if not self.session.tracker.active():
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    def check(self, n: int, truth: Iterable[tuple[str, OrderState]], venue_fill_ids: Iterable[str]) -> None:
        """`truth`: (client id, state) of each order the venue holds for us; `venue_fill_ids` its fills' ids.
        No order lost or doubled, each in the venue's state, those not placed FAILED, every venue fill seen
        exactly once, and one terminal event per order, last."""
        truth = list(truth)
        ours = {o.client_order_id: o for o in self.session.tracker.orders()}
        per_cid = Counter(cid for cid, _ in truth)
        doubled = sum(1 for k in per_cid.values() if k > 1)
        lost = [cid for cid, _ in truth if cid not in ours]
        wrong = [(ours[cid], state) for cid, state in truth if cid in ours and ours[cid].state is not state]
        not_placed = [c for c in ours if c not in per_cid]
        venue_ids = set(venue_fill_ids)
        fill_ids = Counter(e.fill.trade_id for e in self.events if getattr(e, "fill", None) is not None)
        print(f"\nchaos: requested={n} placed_at_venue={len(truth)} not_placed={len(not_placed)} lost={len(lost)} "
              f"doubled={doubled} wrong_state={len(wrong)} errors={dict(self.errors)} fills_made={len(venue_ids)} "
              f"fills_seen={sum(fill_ids.values())} faults={self.faults.fired} reconciles={self.session.reconciles}")
        assert doubled == 0 and lost == [] and wrong == [], wrong
        assert all(ours[c].state is OrderState.FAILED for c in not_placed)
        assert len(truth) + len(not_placed) == n
        assert set(fill_ids) == venue_ids and all(k == 1 for k in fill_ids.values())
        assert self.faults.fired.get("lose_response", 0) >= 6 and self.faults.fired.get("drop_ws", 0) >= 1
        for cid in ours:
            kinds = [e.kind for e in self.events
                     if getattr(e, "order", None) is not None and e.order.client_order_id == cid]
            terminal = [k for k in kinds if k in (K.FILLED, K.CANCELED, K.FAILED)]
            assert len(terminal) == 1 and kinds[-1] == terminal[0], (cid, kinds)
            assert kinds.count(K.CREATED) <= 1
