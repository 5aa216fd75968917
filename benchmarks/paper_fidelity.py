"""Paper-trade fidelity harness: the same scripted order flow, at the same moments, to a live account on the
BitMart sandbox's real matching engine and to `bitmart_paper_trade` (one session per queue model) fed by that
sandbox's public streams. Loopback only, bounded time. Prints the per-model table.

Run: .venv/bin/python benchmarks/paper_fidelity.py [--orders 150] [--agent-rate 30] [--seed 11] [--explain]
     [--calibrate 1,2,3] [--lookahead-ms 100] [--no-shadow]
--explain prints every mismatching order: live and paper fills, the paper book it decided on vs the true
book at the live arrival (a read-only listener on the in-process sandbox engine), and the timestamps.
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
    price: Decimal | None = None
    sent_ms: int = 0  # venue clock when the harness sent the order
    live_arrival_ms: int | None = None  # the sandbox's create time of the live order
    true_book: Any = None  # (bids, asks) top 5 of the true book just before the live order was matched
    decisions: dict[str, dict[str, Any]] = field(default_factory=dict)  # model -> what the paper saw at arrival


def outcome(order: Order | None) -> str:
    if order is None or order.filled_amount == 0:
        return "none"
    return "full" if order.amount is not None and order.filled_amount >= order.amount else "partial"


class Harness:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.rng = random.Random(args.seed)
        self.records: list[Record] = []
        self.ks = [float(k) for k in args.calibrate.split(",")] if args.calibrate else []
        self.names = (*MODELS, *(f"default@{k}" for k in self.ks))
        self.fills: dict[str, dict[str, list[Any]]] = {name: {} for name in ("live", *self.names)}

    async def run(self) -> None:
        a = self.args
        host = Host.discover(env={"HOST_SPEC_PLUGINS": "bitmart,paper"}, warn=io.StringIO())
        venue = await host.start_sandbox("bitmart", {"pairs": 2, "agent_rate": a.agent_rate, "seed": a.seed,
                                                     "depth_flush_ms": a.depth_flush_ms, "rate_limits": False})
        self.sandbox = venue.sandbox  # type: ignore[attr-defined]
        self.by_cid: dict[str, Record] = {}
        self.sandbox.exchange.add_listener(self._venue_event)  # read-only observer of the true engine
        try:
            self.live = await host.open("bitmart", venue.credentials, venue.options)
            common = {**venue.options, "balance": "USDT=1000000,BTC=100", "maker_fee": "0.0006",
                      "taker_fee": "0.0008", "entry_latency_ms": 0, "reorder_ms": a.reorder_ms,
                      "lookahead_ms": a.lookahead_ms, "shadow": not a.no_shadow}
            self.papers = {m: await host.open("bitmart_paper_trade", {}, {**common, "queue_model": m}) for m in MODELS}
            for k in self.ks:  # calibration candidates: the default model with another k
                self.papers[f"default@{k}"] = await host.open(
                    "bitmart_paper_trade", {}, {**common, "queue_model": "default", "queue_k": k})
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
            for m, conn in self.papers.items():
                self._spy(m, conn.session)  # type: ignore[attr-defined]
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

    def _venue_event(self, ev: Any) -> None:
        """Sandbox listener (synchronous, in engine order): the true book when our live order is accepted."""
        from bitmart_plugin.sandbox.events import OrderChanged

        if isinstance(ev, OrderChanged) and ev.fill is None and ev.order.state == "new" and ev.order.symbol == "BTC_USDT":
            rec = self.by_cid.get(ev.order.client_order_id)
            if rec is not None and rec.live_arrival_ms is None:
                rec.live_arrival_ms = ev.order.create_time_ms
                bids, asks = self.sandbox.exchange.depth("BTC_USDT", 5)
                rec.true_book = (list(bids), list(asks))
                if rec.kind.startswith("maker"):
                    rec.true_ahead = dict(bids).get(ev.order.price, Decimal(0))

    def _spy(self, model: str, session: Any) -> None:
        """Wrap the paper engine's `arrive` to note the book it decided against."""
        engine = session.engine
        inner = engine.arrive

        def arrive(cid: str, ts: int, peek: Any = None) -> Any:
            book = engine.book(PAIR).at_arrival(peek)
            rec = self.by_cid.get(cid)
            if rec is not None and model not in rec.decisions:
                v = book.view
                rec.decisions[model] = {
                    "ts": ts, "view_ms": v.timestamp_ms if v else None, "view_seq": v.sequence if v else None,
                    "bids": book.sorted_levels("bid")[:5], "asks": book.sorted_levels("ask")[:5],
                    "taken": {k: q for k, q in book.taken.items() if q}, "decided_at": session.venue_now(),
                    "extra": {"peek_view_ms": peek[0].timestamp_ms % 100000 if peek and peek[0] else None,
                              "peek_trades": len(peek[1]) if peek else 0}}
            out = inner(cid, ts, peek)
            w = engine.orders.get(cid)
            if rec is not None and w is not None and rec.kind.startswith("maker"):
                rec.est_ahead.setdefault(model, w.slot.ahead)
            return out

        engine.arrive = arrive

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
        rec = Record(cid, kind, req.amount or Decimal(0), price=req.price)
        rec.sent_ms = self.papers[MODELS[0]].session.venue_now()  # type: ignore[attr-defined]
        self.records.append(rec)
        self.by_cid[cid] = rec
        conns = {"live": self.live, **self.papers}
        placed = await asyncio.gather(*(c.place_order(req) for c in conns.values()), return_exceptions=True)
        if kind.startswith("maker") and isinstance(placed[0], Order):
            if rec.true_ahead is None:
                rec.true_ahead = await self._true_ahead(placed[0])
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
                 f"{'model':<17}{'taker qty =':>12}{'taker px':>10}{'maker outc.':>12}{'total qty':>11}"
                 f"{'1st fill ms':>12}{'in bounds':>10}{'|queue err|':>12}"]
        for m in self.names:
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
            lines.append(f"{m:<17}{pct(q_ok, len(takers)):>12}{pct(p_ok, len(takers)):>10}{pct(agree, len(makers)):>12}"
                         f"{diff:>11}{(statistics.median(errs) if errs else float('nan')):>12.0f}"
                         f"{pct(inb, len(makers)):>10}{(float(statistics.mean(qerr)) if qerr else float('nan')):>12.5f}")
        lines.append("taker qty = : filled quantity exact; taker px: average within half a tick; maker outc.: none/"
                     "partial/full agrees; total qty: maker filled quantity vs live; 1st fill ms: median |error|; "
                     "in bounds: live fill between back and front bounds (same for every row); |queue err|: mean "
                     "|estimated - true (admin) queue ahead| at placement, BTC.")
        return "\n".join(lines)


    def mismatches(self) -> list[tuple[Record, list[str]]]:
        half = self.rule.price_increment / 2
        out = []
        for r in self.records:
            why = []
            if r.kind == "taker":
                lq, lp = self._taker_part("live", r.cid)
                for m in MODELS:
                    pq, pp = self._taker_part(m, r.cid)
                    if lq != pq:
                        why.append(f"{m}: taker qty {pq} vs live {lq}")
                    elif lp is not None and pp is not None and abs(lp - pp) > half:
                        why.append(f"{m}: taker px {pp:.4f} vs live {lp:.4f}")
            else:
                for m in MODELS:
                    if outcome(r.live) != outcome(r.paper.get(m)):
                        why.append(f"{m}: outcome {outcome(r.paper.get(m))} vs live {outcome(r.live)}")
                lo, hi = r.paper.get("back"), r.paper.get("front")
                lf = r.live.filled_amount if r.live else Decimal(0)
                lo_q, hi_q = (lo.filled_amount if lo else 0), (hi.filled_amount if hi else 0)
                if not lo_q <= lf <= hi_q:
                    why.append(f"bounds: live {lf} not in [back {lo_q}, front {hi_q}]")
            if why:
                out.append((r, why))
        return out

    def explain(self) -> str:
        def fills(name: str, cid: str) -> str:
            fs = self.fills[name].get(cid, [])
            return ", ".join(f"{f.timestamp_ms % 100000}:{f.amount}@{f.price}{'m' if f.is_maker else 't'}" for f in fs) or "-"

        def levels(lv: Any) -> str:
            return " ".join(f"{p}x{q}" for p, q in lv)

        lines = []
        for r, why in self.mismatches():
            lines.append(f"== {r.cid} {r.kind} {r.amount}@{r.price}  sent {r.sent_ms % 100000} live arrival "
                         f"{(r.live_arrival_ms or 0) % 100000}  live {outcome(r.live)} {r.live.filled_amount if r.live else '-'}"
                         f"  true ahead {r.true_ahead} est {dict((m, str(v)) for m, v in r.est_ahead.items())}")
            lines += [f"   ! {w}" for w in why]
            lines.append(f"   live fills: {fills('live', r.cid)}")
            for m in MODELS:
                d = r.decisions.get(m, {})
                po = r.paper.get(m)
                lines.append(f"   {m:<12} {outcome(po)} {po.filled_amount if po else '-'} fills: {fills(m, r.cid)}  "
                             f"decided ts {d.get('ts', 0) % 100000} at {d.get('decided_at', 0) % 100000} view "
                             f"{(d.get('view_ms') or 0) % 100000} seq {d.get('view_seq')} {d.get('extra') or ''}")
            if r.true_book:
                lines.append(f"   true  bids {levels(r.true_book[0])} | asks {levels(r.true_book[1])}")
            d = r.decisions.get("default")
            if d:
                lines.append(f"   paper bids {levels(d['bids'])} | asks {levels(d['asks'])} taken {d['taken']}")
        lines.append(f"{len(lines) and len(self.mismatches())} mismatching orders of {len(self.records)}")
        return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--orders", type=int, default=150)
    p.add_argument("--interval-s", type=float, default=0.8)
    p.add_argument("--agent-rate", type=float, default=30.0)
    p.add_argument("--depth-flush-ms", type=int, default=50)
    p.add_argument("--reorder-ms", type=int, default=30)
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("--lookahead-ms", type=int, default=100, help="paper option lookahead_ms (0: decide on the last view)")
    p.add_argument("--no-shadow", action="store_true", help="do not tell the paper that its live twins are in the public data")
    p.add_argument("--calibrate", default="", help="comma-separated k values: extra `default` sessions with queue_k=k")
    p.add_argument("--explain", action="store_true", help="print every mismatching order: fills, books, times")
    args = p.parse_args()
    h = Harness(args)
    asyncio.run(h.run())
    if args.explain:
        print(h.explain())
    print(h.table())


if __name__ == "__main__":
    main()
