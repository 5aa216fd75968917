"""Optional SQLite persistence of a paper account: balances, orders, fills, so a session survives restarts.

The perpetual variant also keeps its positions, its orders' position legs and its funding payments here
(paper.perp.store); a spot account leaves those tables empty."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, fields, replace
from decimal import Decimal
from typing import Any

from host_spec.errors import ConfigError
from host_spec.models import Fill, Order, OrderEvent, OrderState, OrderType, Side, TradingPair
from host_spec.paper.balances import Wallet

__all__ = ["PaperStore", "fill_from_json", "order_from_json"]

TABLES = {
    "balances": "asset TEXT PRIMARY KEY, available TEXT, frozen TEXT, start TEXT, fees TEXT",
    "orders": "cid TEXT PRIMARY KEY, body TEXT, frozen_asset TEXT, frozen_left TEXT, quote_left TEXT",
    "fills": "trade_id TEXT PRIMARY KEY, ts INTEGER, body TEXT",
    "meta": "key TEXT PRIMARY KEY, value TEXT",
    "positions": "key TEXT PRIMARY KEY, body TEXT",
    "legs": "cid TEXT PRIMARY KEY, body TEXT",
    "funding": "payment_id TEXT PRIMARY KEY, ts INTEGER, body TEXT",
}
SCHEMA = "".join(f"CREATE TABLE IF NOT EXISTS {name} ({cols});\n" for name, cols in TABLES.items())


def _open(path: str) -> sqlite3.Connection:
    """Connect to `path` and check that it is empty or ours (ConfigError naming the file otherwise), then create
    any missing table. Nothing is written to a file that is not ours."""
    try:
        db = sqlite3.connect(path)
    except sqlite3.Error as exc:
        raise ConfigError(f"paper database {path}: cannot open it ({exc})") from None
    try:
        names = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for name in names:
            if name not in TABLES:
                raise ConfigError(f"{path} is not a host-spec paper database (it holds a table {name!r})")
            want = [col.split()[0] for col in TABLES[name].split(", ")]
            have = [row[1] for row in db.execute(f"PRAGMA table_info('{name}')")]  # one of our names
            if have != want:
                raise ConfigError(f"{path} is not a host-spec paper database (table {name} has columns {', '.join(have)})")
        db.executescript(SCHEMA)
    except sqlite3.DatabaseError as exc:
        db.close()
        if "unable to open" in str(exc):
            raise ConfigError(f"paper database {path}: cannot open it ({exc})") from None
        raise ConfigError(f"{path} is not a host-spec paper database ({exc})") from None
    except ConfigError:
        db.close()
        raise
    return db


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, Decimal):
        return format(obj, "f")
    if isinstance(obj, TradingPair):
        return str(obj)
    if hasattr(obj, "value"):
        return obj.value
    return obj


def _dump(model: Any) -> str:
    return json.dumps({k: _jsonable(v) for k, v in asdict(model).items() if not isinstance(v, dict)} |
                      {"pair": str(model.pair)})


_DEC = {"price", "amount", "filled_amount", "filled_quote", "quote_amount", "fee", "realized_pnl"}


def _load(cls: Any, text: str) -> Any:
    raw = json.loads(text)
    kw: dict[str, Any] = {}
    for f in fields(cls):
        v = raw.get(f.name)
        if f.name == "pair":
            v = TradingPair.parse(v)
        elif f.name in _DEC and v is not None:
            v = Decimal(v)
        elif f.name == "side":
            v = Side(v)
        elif f.name == "order_type":
            v = OrderType(v)
        elif f.name == "state":
            v = OrderState(v)
        if v is not None or f.name in raw:
            kw[f.name] = v
    return cls(**kw)


def _number(exchange_order_id: str | None) -> int:
    digits = "".join(ch for ch in exchange_order_id or "" if ch.isdigit())
    return int(digits) if digits else 0


def order_from_json(text: str) -> Order:
    return _load(Order, text)  # type: ignore[no-any-return]


def fill_from_json(text: str) -> Fill:
    return _load(Fill, text)  # type: ignore[no-any-return]


class PaperStore:
    """One SQLite file per paper account; writes are small upserts after every batch of events."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.db = _open(path)
        self._saved_fills = {row[0] for row in self.db.execute("SELECT trade_id FROM fills")}

    def close(self) -> None:
        self.db.close()

    def load_wallet(self, wallet: Wallet) -> None:
        """Replace the starting balances with the stored ones, if there are any."""
        rows = self.db.execute("SELECT asset, available, frozen, start, fees FROM balances").fetchall()
        if not rows:
            self._save_wallet(wallet)
            self.db.commit()
            return
        wallet.available = {a: Decimal(av) for a, av, _, _, _ in rows}
        wallet.frozen = {a: Decimal(fr) for a, _, fr, _, _ in rows}
        wallet.start = {a: Decimal(st) for a, _, _, st, _ in rows if st}
        wallet.fees_paid = {a: Decimal(fe) for a, _, _, _, fe in rows if fe and Decimal(fe)}

    def orders(self) -> list[tuple[Order, str, Decimal, Decimal | None]]:
        rows = self.db.execute("SELECT body, frozen_asset, frozen_left, quote_left FROM orders").fetchall()
        out = [(order_from_json(b), fa, Decimal(fl), Decimal(ql) if ql else None) for b, fa, fl, ql in rows]
        return sorted(out, key=lambda r: (r[0].created_ms, _number(r[0].exchange_order_id)))

    def fills(self) -> list[Fill]:
        return [fill_from_json(b) for (b,) in self.db.execute("SELECT body FROM fills ORDER BY ts, rowid")]

    def load_engine(self, engine: Any) -> None:
        """Restore orders and fills into a fresh engine; open orders rejoin the queue at the back."""
        from host_spec.paper.engine import Working
        from host_spec.paper.matching import MakerSlot, book_side_of

        for n, (order, asset, frozen_left, quote_left) in enumerate(self.orders(), 1):
            rule = engine.rules.get(order.pair)
            if rule is None:
                continue
            remaining = (order.amount or Decimal(0)) - order.filled_amount
            slot = MakerSlot(order.client_order_id, book_side_of(order.side), order.price or Decimal(0), remaining,
                             Decimal(0), n)
            if order.state is OrderState.PENDING_CREATE:
                order = replace(order, state=OrderState.OPEN)
            w = Working(order, rule, slot, asset, frozen_left, quote_left, arrived=True, needs_queue=True)
            engine.orders[order.client_order_id] = w
        engine.fills.extend(self.fills())
        engine.restore_counters(self._last_id(), max([len(engine.fills), *(_number(f.trade_id) for f in engine.fills)]))

    def _last_id(self) -> int:
        """The highest order number ever handed out: the stored counter (it counts failed submits too), the
        orders' numbers and any auto-style client id (`paper%08d`) a caller picked."""
        row = self.db.execute("SELECT value FROM meta WHERE key = 'last_id'").fetchone()
        used = [int(row[0]) if row else 0]
        for order, *_ in self.orders():
            used.append(_number(order.exchange_order_id))
            cid = order.client_order_id
            if len(cid) == 13 and cid.startswith("paper") and cid[5:].isdigit():
                used.append(int(cid[5:]))
        return max(used)

    def save_counter(self, engine: Any) -> None:
        """Keep the order counter (a failed submit uses a number but leaves no order to save)."""
        self.db.execute("INSERT OR REPLACE INTO meta VALUES ('last_id', ?)", (str(engine.last_id),))
        self.db.commit()

    def _save_wallet(self, wallet: Wallet) -> None:
        assets = set(wallet.available) | set(wallet.frozen) | set(wallet.start)
        self.db.executemany(
            "INSERT OR REPLACE INTO balances VALUES (?, ?, ?, ?, ?)",
            [(a, str(wallet.available.get(a, 0)), str(wallet.frozen.get(a, 0)), str(wallet.start.get(a, 0)),
              str(wallet.fees_paid.get(a, 0))) for a in sorted(assets)])

    def save(self, engine: Any, events: list[Any]) -> None:
        """Upsert the orders these events touched (all orders if none given), new fills, and balances."""
        cids = {ev.order.client_order_id for ev in events if isinstance(ev, OrderEvent)} or set(engine.orders)
        rows = []
        for cid in cids:
            w = engine.orders.get(cid)
            if w is not None:
                rows.append((cid, _dump(w.order), w.frozen_asset, str(w.frozen_left),
                             str(w.quote_left) if w.quote_left is not None else None))
        self.db.executemany("INSERT OR REPLACE INTO orders VALUES (?, ?, ?, ?, ?)", rows)
        new = [f for f in engine.fills if f.trade_id not in self._saved_fills]
        self.db.executemany("INSERT OR REPLACE INTO fills VALUES (?, ?, ?)", [(f.trade_id, f.timestamp_ms, _dump(f)) for f in new])
        self._saved_fills.update(f.trade_id for f in new)
        self._save_wallet(engine.wallet)
        self.save_counter(engine)
