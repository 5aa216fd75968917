"""Figures of the paper-trade fidelity harness (benchmarks/paper_fidelity.py): per-model scores against the
live account, the printed table, the explanation of mismatching orders, and the summary across seeds.
Reads what a run recorded; does no I/O of its own."""

from __future__ import annotations

import asyncio
import statistics
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from host_spec import Order

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
    order_id: str = ""  # the live order's id on the sandbox
    cancel_sent: bool = False
    live_cancel_ms: int | None = None  # the sandbox's time of our cancel of the live order
    signals: dict[str, asyncio.Event] = field(default_factory=dict)
    ptrace: dict[str, list[str]] = field(default_factory=dict)  # model -> queue changes the paper made
    side: str = "buy"
    venue_cancel_ms: int | None = None  # the venue cancelled the live order before we asked (STP, a closer cut)


def outcome(order: Order | None) -> str:
    if order is None or order.filled_amount == 0:
        return "none"
    return "full" if order.amount is not None and order.filled_amount >= order.amount else "partial"


class Figures:
    """Scores and explanations over a run's `records`, `fills` (name -> cid -> fills), `rule`, `tape` and
    `names` (the paper sessions), as the Harness sets them."""

    records: list[Record]
    fills: dict[str, dict[str, list[Any]]]
    rule: Any
    tape: list[tuple[int, str, str, Decimal, Decimal, str, str]]
    names: tuple[str, ...]

    def _taker_part(self, name: str, cid: str) -> tuple[Decimal, Decimal | None]:
        fills = [f for f in self.fills[name].get(cid, []) if not f.is_maker]
        qty = sum((f.amount for f in fills), Decimal(0))
        return qty, (sum((f.amount * f.price for f in fills), Decimal(0)) / qty if qty else None)

    def _first_ms(self, name: str, cid: str) -> int | None:
        fills = self.fills[name].get(cid)
        return min(f.timestamp_ms for f in fills) if fills else None

    METRICS = ("taker qty =", "taker px", "maker outc.", "total qty", "1st fill ms", "in bounds", "|queue err|")
    TARGETS = {"taker qty =": (">=", 99.0), "taker px": (">=", 98.0), "maker outc.": (">=", 90.0),
               "total qty": ("abs<=", 5.0), "1st fill ms": ("<=", 100.0), "in bounds": (">=", 99.0)}

    def scores(self, m: str) -> dict[str, float]:
        """The issue's figures for one model: percentages, signed % quantity error, median ms, mean BTC."""
        half = self.rule.price_increment / 2
        takers = [r for r in self.records if r.kind == "taker"]
        makers = [r for r in self.records if r.kind.startswith("maker") or r.kind == "post_only"]
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
            lo, hi = r.paper.get("back"), r.paper.get("front")
            lf = r.live.filled_amount if r.live else Decimal(0)
            inb += (lo.filled_amount if lo else 0) <= lf <= (hi.filled_amount if hi else 0)
        qerr = [abs(r.est_ahead[m] - r.true_ahead) for r in makers if r.true_ahead is not None and m in r.est_ahead]
        nan = float("nan")
        pct = lambda n, d: 100 * n / d if d else nan  # noqa: E731
        return {"taker qty =": pct(q_ok, len(takers)), "taker px": pct(p_ok, len(takers)),
                "maker outc.": pct(agree, len(makers)),
                "total qty": float(100 * (paper_total - live_total) / live_total) if live_total else nan,
                "1st fill ms": float(statistics.median(errs)) if errs else nan, "in bounds": pct(inb, len(makers)),
                "|queue err|": float(statistics.mean(qerr)) if qerr else nan}

    def _overfilled(self) -> int:
        """A sanity count that must be 0: paper orders whose filled amount exceeds their size."""
        return sum(1 for r in self.records for o in r.paper.values()
                   if o is not None and o.amount is not None and o.filled_amount > o.amount)

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
            if r.kind.startswith("maker") and r.live_arrival_ms is not None:
                lines.append("   true tape at the price (ms kind qty, * = ahead of ours):")
                end = r.live.updated_ms if r.live else r.live_arrival_ms + 10000
                for ms, kind, side, price, qty, oid, cid in self.tape:
                    if price == r.price and side == r.side and r.live_arrival_ms - 200 <= ms <= end:
                        ahead = "*" if oid and r.order_id and int(oid) < int(r.order_id) else (" =" if oid == r.order_id else "")
                        lines.append(f"     {ms % 100000} {kind} {qty}{ahead}")
                for m in ("front", "default"):
                    lines.append(f"   paper {m} queue: " + " | ".join(r.ptrace.get(m, [])[:30]))
        lines.append(f"{len(lines) and len(self.mismatches())} mismatching orders of {len(self.records)}")
        return "\n".join(lines)


LEGEND = ("taker qty =: filled quantity exact; taker px: average within half a tick; maker outc.: none/partial/full "
          "agrees; total qty: maker filled quantity vs live, %; 1st fill ms: median |error|; in bounds: live fill "
          "between back and front bounds (same for every row), %; |queue err|: mean |estimated - true (admin) queue "
          "ahead| at placement, BTC.")


def _cell(metric: str, v: float) -> str:
    if v != v:  # nan
        return "-"
    if metric == "total qty":
        return f"{v:+.1f}%"
    if metric == "1st fill ms":
        return f"{v:.0f}"
    if metric == "|queue err|":
        return f"{v:.5f}"
    return f"{v:.1f}%"


def format_rows(rows: dict[str, dict[str, float]]) -> str:
    lines = [f"{'model':<17}" + "".join(f"{m:>13}" for m in Figures.METRICS)]
    for name, sc in rows.items():
        lines.append(f"{name:<17}" + "".join(f"{_cell(m, sc[m]):>13}" for m in Figures.METRICS))
    return "\n".join(lines)


def meets(metric: str, v: float) -> bool:
    op, target = Figures.TARGETS[metric]
    return {"<=": v <= target, ">=": v >= target, "abs<=": abs(v) <= target}[op]


def summary(runs: list[Any]) -> str:
    """Across seeds: per model and metric, worst / median / best, and how many runs met the issue's target."""
    lines = [f"across {len(runs)} seeds ({', '.join(str(h.args.seed) for h in runs)}): worst / median / best "
             f"[runs meeting the target]"]
    for m in runs[0].names:
        per = [h.scores(m) for h in runs]
        cells = []
        for metric in Figures.METRICS:
            vals = [sc[metric] for sc in per if sc[metric] == sc[metric]]
            if not vals:
                cells.append(f"{metric} -")
                continue
            worst_first = sorted(vals, key=(lambda v: -abs(v)) if metric in ("total qty", "1st fill ms", "|queue err|")
                                 else (lambda v: v))
            met = f" [{sum(meets(metric, v) for v in vals)}/{len(vals)}]" if metric in Figures.TARGETS else ""
            cells.append(f"{metric} {_cell(metric, worst_first[0])} / {_cell(metric, statistics.median(vals))} / "
                         f"{_cell(metric, worst_first[-1])}{met}")
        lines.append(f"  {m}: " + "; ".join(cells))
    return "\n".join(lines)
