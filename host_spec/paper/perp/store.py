"""Persistence of a perpetual paper account: the spot store's balances, orders and fills, plus positions,
the open orders' position legs, funding payments and the account's settings and totals.

A position's reserved volume is not stored: it is summed again from the restored closing orders.
"""

from __future__ import annotations

import itertools
import json
from decimal import Decimal
from typing import Any

from host_spec.models import FundingPayment, LeverageSetting, MarginMode, PositionMode, PositionSide, Side, TradingPair
from host_spec.paper.perp.ledger import Legs, Liquidation, PerpLedger
from host_spec.paper.perp.positions import Holding, closing_side
from host_spec.paper.store import PaperStore

__all__ = ["PerpStore"]


def _s(value: Decimal) -> str:
    return format(value, "f")


def _holding(h: Holding) -> dict[str, Any]:
    return {"pair": str(h.pair), "side": h.side.value, "leverage": _s(h.leverage), "margin_mode": h.margin_mode.value,
            "amount": _s(h.amount), "cost": _s(h.cost), "margin": _s(h.margin), "updated_ms": h.updated_ms}


def _load_holding(raw: dict[str, Any]) -> Holding:
    return Holding(TradingPair.parse(raw["pair"]), PositionSide(raw["side"]), Decimal(raw["leverage"]),
                   MarginMode(raw["margin_mode"]), Decimal(raw["amount"]), Decimal(raw["cost"]), Decimal(raw["margin"]),
                   updated_ms=int(raw["updated_ms"]))


def _legs(legs: Legs) -> dict[str, Any]:
    return {"pair": str(legs.pair), "side": legs.side.value, "closing": legs.closing, "hedge": legs.hedge,
            "close_left": _s(legs.close_left), "frozen_left": _s(legs.frozen_left)}


def _load_legs(raw: dict[str, Any]) -> Legs:
    return Legs(TradingPair.parse(raw["pair"]), Side(raw["side"]), bool(raw["closing"]), bool(raw["hedge"]),
                Decimal(raw["close_left"]), Decimal(raw["frozen_left"]))


def _payment(p: FundingPayment) -> dict[str, Any]:
    return {"pair": str(p.pair), "amount": _s(p.amount), "asset": p.asset,
            "rate": None if p.rate is None else _s(p.rate), "ts": p.timestamp_ms, "id": p.payment_id}


def _load_payment(raw: dict[str, Any]) -> FundingPayment:
    rate = Decimal(raw["rate"]) if raw["rate"] is not None else None
    return FundingPayment(TradingPair.parse(raw["pair"]), Decimal(raw["amount"]), raw["asset"], rate,
                          int(raw["ts"]), raw["id"])


def _liquidation(r: Liquidation) -> dict[str, Any]:
    return {"pair": str(r.pair), "side": r.side.value, "amount": _s(r.amount), "entry": _s(r.entry_price),
            "mark": _s(r.mark_price), "loss": _s(r.loss), "ts": r.timestamp_ms}


def _load_liquidation(raw: dict[str, Any]) -> Liquidation:
    return Liquidation(TradingPair.parse(raw["pair"]), PositionSide(raw["side"]), Decimal(raw["amount"]),
                       Decimal(raw["entry"]), Decimal(raw["mark"]), Decimal(raw["loss"]), int(raw["ts"]))


class PerpStore(PaperStore):
    """One SQLite file per perpetual paper account."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self._saved_payments = {row[0] for row in self.db.execute("SELECT payment_id FROM funding")}

    def has_ledger(self) -> bool:
        """Whether the file holds a perpetual account (a spot account's file does not)."""
        return self.db.execute("SELECT 1 FROM meta WHERE key = 'perp'").fetchone() is not None

    def saved_maintenance(self) -> dict[TradingPair, Decimal]:
        """The maintenance rate each held pair had when last saved (for a report read from the file alone)."""
        row = self.db.execute("SELECT value FROM meta WHERE key = 'perp'").fetchone()
        saved = json.loads(row[0]).get("maintenance", {}) if row else {}
        return {TradingPair.parse(p): Decimal(v) for p, v in saved.items()}

    def load_ledger(self, ledger: PerpLedger) -> dict[TradingPair, int]:
        """Restore positions, settings, totals, marks, liquidations and payments into `ledger`; returns the newest
        funding settlement applied per pair."""
        row = self.db.execute("SELECT value FROM meta WHERE key = 'perp'").fetchone()
        state = json.loads(row[0]) if row else {}
        if state:
            ledger.mode = PositionMode(state["mode"])
            ledger.settings = {TradingPair.parse(p): LeverageSetting(TradingPair.parse(p), Decimal(lev), MarginMode(mode))
                               for p, (lev, mode) in state["settings"].items()}
            ledger.realized = {a: Decimal(v) for a, v in state["realized"].items()}
            ledger.funding = {a: Decimal(v) for a, v in state["funding"].items()}
            ledger.marks = {TradingPair.parse(p): Decimal(v) for p, v in state["marks"].items()}
            ledger.liquidations = [_load_liquidation(r) for r in state["liquidations"]]
        for (body,) in self.db.execute("SELECT body FROM positions"):
            h = _load_holding(json.loads(body))
            ledger.holdings[(h.pair, h.side)] = h
        ledger.payments = [_load_payment(json.loads(b)) for (b,) in self.db.execute("SELECT body FROM funding ORDER BY ts, rowid")]
        return {TradingPair.parse(p): int(t) for p, t in state.get("funding_settled", {}).items()}

    def load_engine(self, engine: Any) -> None:
        """Restore orders and fills (PaperStore), the ledger, and the restored open orders' legs, with each
        position's reserved volume summed from its closing orders."""
        super().load_engine(engine)
        ledger = engine.ledger
        engine.funding_settled = self.load_ledger(ledger)
        for cid, body in self.db.execute("SELECT cid, body FROM legs"):
            w = engine.orders.get(cid)
            if w is None or w.order.state.is_done:
                continue
            w.legs = _load_legs(json.loads(body))
            w.frozen_left = w.legs.frozen_left
            if w.legs.close_left:
                h = ledger.holdings.get((w.legs.pair, closing_side(w.legs.side)))
                if h is not None:
                    h.reserved += w.legs.close_left
        engine.payment_ids = itertools.count(len(ledger.payments) + 1)

    def save(self, engine: Any, events: list[Any]) -> None:
        """Write the ledger's state, then what PaperStore saves (which commits it all)."""
        ledger = engine.ledger
        state = {
            "mode": ledger.mode.value,
            "settings": {str(p): [_s(s.leverage), s.margin_mode.value] for p, s in ledger.settings.items()},
            "realized": {a: _s(v) for a, v in ledger.realized.items()},
            "funding": {a: _s(v) for a, v in ledger.funding.items()},
            "marks": {str(p): _s(m) for p, m in ledger.marks.items()},
            "maintenance": {str(h.pair): _s(ledger.maintenance_rate(h.pair)) for h in ledger.held()},
            "liquidations": [_liquidation(r) for r in ledger.liquidations],
            "funding_settled": {str(p): t for p, t in engine.funding_settled.items()},
        }
        self.db.execute("INSERT OR REPLACE INTO meta VALUES ('perp', ?)", (json.dumps(state),))
        self.db.execute("DELETE FROM positions")
        self.db.executemany("INSERT INTO positions VALUES (?, ?)",
                            [(f"{h.pair}|{h.side.value}", json.dumps(_holding(h))) for h in ledger.holdings.values()
                             if h.amount or h.margin])
        cids = {ev.order.client_order_id for ev in events if hasattr(ev, "order")} or set(engine.orders)
        self.db.executemany("INSERT OR REPLACE INTO legs VALUES (?, ?)",
                            [(cid, json.dumps(_legs(engine.orders[cid].legs))) for cid in cids
                             if cid in engine.orders and engine.orders[cid].legs is not None])
        new = [p for p in ledger.payments if p.payment_id not in self._saved_payments]
        self.db.executemany("INSERT INTO funding VALUES (?, ?, ?)",
                            [(p.payment_id, p.timestamp_ms, json.dumps(_payment(p))) for p in new])
        self._saved_payments.update(p.payment_id for p in new)
        super().save(engine, events)

