"""Paper-trade fidelity harness: the same scripted order flow, at the same moments, to a live account on the
BitMart sandbox's real matching engine and to `bitmart_paper_trade` (one session per queue model) fed by that
sandbox's public streams. Loopback only, bounded time. Prints the per-model table.

Run: .venv/bin/python benchmarks/paper_fidelity.py [--orders 150] [--agent-rate 30] [--seed 11]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import random
import statistics
import time
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from typing import Any

from host_spec import (
    ConnectorError,
    Host,
    Order,
    OrderEvent,
    OrderRequest,
    OrderType,
    Side,
    TradingPair,
)

PAIR = TradingPair("BTC", "USDT")
MODELS = ("back", "front", "proportional", "default")


@dataclass
class Record:
    cid: str
    kind: str  # taker | maker_touch | maker_behind | post_only
    amount: Decimal
    live: Order | None = None
    paper: dict[str, Order | None] = field(default_factory=dict)
    true_ahead: Decimal | None = None
    est_ahead: dict[str, Decimal] = field(default_factory=dict)


def outcome(order: Order | None) -> str:
    if order is None or order.filled_amount == 0:
        return "none"
    return "full" if order.amount is not None and order.filled_amount >= order.amount else "partial"


class Harness:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.rng = random.Random(args.seed)
        self.records: list[Record] = []
        self.fills: dict[str, dict[str, list[Any]]] = {name: {} for name in ("live", *MODELS)}

    async def run(self) -> None:
        a = self.args
        host = Host.discover(env={"HOST_SPEC_PLUGINS": "bitmart,paper"}, warn=io.StringIO())
        venue = await host.start_sandbox("bitmart", {"pairs": 2, "agent_rate": a.agent_rate, "seed": a.seed,
                                                     "depth_flush_ms": a.depth_flush_ms, "rate_limits": False})
        self.sandbox = venue.sandbox  # type: ignore[attr-defined]
        try:
            self.live = await host.open("bitmart", venue.credentials, venue.options)
            common = {**venue.options, "balance": "USDT=1000000,BTC=100", "maker_fee": "0.0006",
                      "taker_fee": "0.0008", "entry_latency_ms": 0, "reorder_ms": a.reorder_ms}
            self.papers = {m: await host.open("bitmart_paper_trade", {}, {**common, "queue_model": m}) for m in MODELS}
            self.rule = (await self.live.trading_rules())[PAIR]
            tasks = [asyncio.create_task(self._collect(name, conn)) for name, conn in
                     (("live", self.live), *self.papers.items())]
            self.book: Any = None
            tasks.append(asyncio.create_task(self._watch_book()))
            for _ in range(100):
                if self.book is not None:
                    break
                await asyncio.sleep(0.05)
            await asyncio.gather(*(p.place_order(OrderRequest(PAIR, Side.BUY, OrderType.LIMIT_MAKER, self.rule.min_size * 10,
                                                              self.book.bids[-1][0])) for p in self.papers.values()),
                                 return_exceptions=True)  # warm the paper feeds
            started = time.monotonic()
            flows = []
            for i in range(a.orders):
                flows.append(asyncio.create_task(self._one(i)))
                await asyncio.sleep(a.interval_s)
            await asyncio.gather(*flows, return_exceptions=True)
            self.elapsed = time.monotonic() - started
            await asyncio.sleep(1.0)
            for t in tasks:
                t.cancel()
        finally:
            for conn in (getattr(self, "live", None), *getattr(self, "papers", {}).values()):
                if conn is not None:
                    await conn.close()
            await venue.close()

    async def _collect(self, name: str, conn: Any) -> None:
        async for ev in conn.user_stream():
            if isinstance(ev, OrderEvent) and ev.fill is not None:
                self.fills[name].setdefault(ev.order.client_order_id, []).append(ev.fill)

    async def _watch_book(self) -> None:
        async for view in self.live.order_book(PAIR, 20):
            self.book = view

    async def _true_ahead(self, order: Order) -> Decimal | None:
        import aiohttp

        sb = self.sandbox
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{sb.rest_url}/admin/book", params={"symbol": "BTC_USDT"},
                                headers={"X-Admin-Token": sb.admin_token}) as resp:
                data = await resp.json()
        for level in data["bids"]:
            if Decimal(level["price"]) == order.price:
                ahead = Decimal(0)
                for o in level["orders"]:
                    if str(o["order_id"]) == str(order.exchange_order_id):
                        return ahead
                    ahead += Decimal(o["remaining"])
        return None

    def _size(self, lo: int, hi: int) -> Decimal:
        return self.rule.min_size * self.rng.randint(lo, hi)

    async def _one(self, i: int) -> None:
        book, tick = self.book, self.rule.price_increment
        r = self.rng.random()
        cid = f"fid{self.args.seed}x{i}"
        if r < 0.3:
            depth = sum(a for _, a in book.asks[:2])
            amount = max(self.rule.min_size, (depth * Decimal("0.8")).quantize(self.rule.size_increment, ROUND_DOWN))
            amount = min(amount, self._size(1, 400))
            req = OrderRequest(PAIR, Side.BUY, OrderType.LIMIT, amount, book.asks[0][0] + tick * self.rng.randint(0, 2),
                               client_order_id=cid)
            kind, life = "taker", 0.3
        elif r < 0.9:
            behind = self.rng.random() < 0.4
            price = book.bids[0][0] - (tick * 6 * self.rng.randint(1, 3) if behind else 0)
            req = OrderRequest(PAIR, Side.BUY, OrderType.LIMIT_MAKER, self._size(50, 300), price, client_order_id=cid)
            kind, life = ("maker_behind" if behind else "maker_touch"), self.rng.uniform(2, 6)
        else:
            req = OrderRequest(PAIR, Side.BUY, OrderType.LIMIT_MAKER, self._size(10, 50), book.asks[0][0],
                               client_order_id=cid)
            kind, life = "post_only", 0.3
        rec = Record(cid, kind, req.amount or Decimal(0))
        self.records.append(rec)
        conns = {"live": self.live, **self.papers}
        placed = await asyncio.gather(*(c.place_order(req) for c in conns.values()), return_exceptions=True)
        if kind.startswith("maker") and isinstance(placed[0], Order):
            rec.true_ahead = await self._true_ahead(placed[0])
            for m in MODELS:
                w = self.papers[m].session.engine.orders.get(cid)  # type: ignore[attr-defined]
                if w is not None:
                    rec.est_ahead[m] = w.slot.ahead
        await asyncio.sleep(life)
        await asyncio.gather(*(c.cancel_order(PAIR, cid) for c in conns.values()), return_exceptions=True)
        await asyncio.sleep(0.5)
        for name, conn in conns.items():
            try:
                order = await conn.query_order(PAIR, cid)
            except ConnectorError:
                order = None
            if name == "live":
                rec.live = order
            else:
                rec.paper[name] = order

    # -- figures ---------------------------------------------------------------------------------
    def _taker_part(self, name: str, cid: str) -> tuple[Decimal, Decimal | None]:
        fills = [f for f in self.fills[name].get(cid, []) if not f.is_maker]
        qty = sum((f.amount for f in fills), Decimal(0))
        return qty, (sum((f.amount * f.price for f in fills), Decimal(0)) / qty if qty else None)

    def _first_ms(self, name: str, cid: str) -> int | None:
        fills = self.fills[name].get(cid)
        return min(f.timestamp_ms for f in fills) if fills else None

    def table(self) -> str:
        half = self.rule.price_increment / 2
        takers = [r for r in self.records if r.kind == "taker"]
        makers = [r for r in self.records if r.kind.startswith("maker") or r.kind == "post_only"]
        lines = [f"orders {len(self.records)} (takers {len(takers)}, makers {sum(r.kind.startswith('maker') for r in makers)}, "
                 f"post-only {sum(r.kind == 'post_only' for r in makers)}), {self.elapsed:.0f} s, agent rate "
                 f"{self.args.agent_rate}/s, depth flush {self.args.depth_flush_ms} ms, seed {self.args.seed}",
                 f"{'model':<13}{'taker qty =':>12}{'taker px':>10}{'maker outc.':>12}{'total qty':>11}"
                 f"{'1st fill ms':>12}{'in bounds':>10}{'|queue err|':>12}"]
        for m in MODELS:
            q_ok = p_ok = 0
            for r in takers:
                lq, lp = self._taker_part("live", r.cid)
                pq, pp = self._taker_part(m, r.cid)
                q_ok += lq == pq
                p_ok += (lp is None and pp is None) or (lp is not None and pp is not None and abs(lp - pp) <= half)
            agree = sum(outcome(r.live) == outcome(r.paper.get(m)) for r in makers)
            live_total = sum((r.live.filled_amount for r in makers if r.live), Decimal(0))
            paper_total = sum((r.paper[m].filled_amount for r in makers if r.paper.get(m)), Decimal(0))
            errs = []
            for r in self.records:
                a, b = self._first_ms("live", r.cid), self._first_ms(m, r.cid)
                if a is not None and b is not None:
                    errs.append(abs(a - b))
            inb = 0
            for r in makers:
                lo = r.paper.get("back")
                hi = r.paper.get("front")
                lf = r.live.filled_amount if r.live else Decimal(0)
                inb += (lo.filled_amount if lo else 0) <= lf <= (hi.filled_amount if hi else 0)
            qerr = [abs(r.est_ahead[m] - r.true_ahead) for r in makers if r.true_ahead is not None and m in r.est_ahead]
            pct = lambda n, d: f"{100 * n / d:.1f}%" if d else "-"  # noqa: E731
            diff = f"{100 * (paper_total - live_total) / live_total:+.1f}%" if live_total else "-"
            lines.append(f"{m:<13}{pct(q_ok, len(takers)):>12}{pct(p_ok, len(takers)):>10}{pct(agree, len(makers)):>12}"
                         f"{diff:>11}{(statistics.median(errs) if errs else float('nan')):>12.0f}"
                         f"{pct(inb, len(makers)):>10}{(float(statistics.mean(qerr)) if qerr else float('nan')):>12.5f}")
        lines.append("taker qty = : filled quantity exact; taker px: average within half a tick; maker outc.: none/"
                     "partial/full agrees; total qty: maker filled quantity vs live; 1st fill ms: median |error|; "
                     "in bounds: live fill between back and front bounds (same for every row); |queue err|: mean "
                     "|estimated - true (admin) queue ahead| at placement, BTC.")
        return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--orders", type=int, default=150)
    p.add_argument("--interval-s", type=float, default=0.8)
    p.add_argument("--agent-rate", type=float, default=30.0)
    p.add_argument("--depth-flush-ms", type=int, default=50)
    p.add_argument("--reorder-ms", type=int, default=30)
    p.add_argument("--seed", type=int, default=11)
    args = p.parse_args()
    h = Harness(args)
    asyncio.run(h.run())
    print(h.table())


if __name__ == "__main__":
    main()
