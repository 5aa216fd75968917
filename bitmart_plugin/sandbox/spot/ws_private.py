"""Private WebSocket `/user?protocol=1.1`: login (api §3.5) and user channels (api §8.5)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from ..deflate import encode_push
from ..core.events import BalanceChanged, Fill, OrderChanged
from .formatting import money, order_ws
from ..signing import verify
from ..state import State
from ..ws_conn import Conn
from .ws_public import WsEndpoint, error_text

ORDER = "spot/user/order"
ORDERS_ALL = "spot/user/orders"
BALANCE = "spot/user/balance"


class PrivateWs(WsEndpoint):
    """Login plus spot/user/order:<SYM>, spot/user/orders:ALL_SYMBOLS, spot/user/balance:BALANCE_UPDATE."""

    kind = "private"
    max_topics = 100
    max_connections = 10

    def __init__(self, state: State) -> None:
        super().__init__(state)
        self._last_fill: dict[str, Fill] = {}
        self._balances: dict[str, dict[str, tuple[str, str, int]]] = {}
        self._bal_flush: asyncio.Handle | None = None

    def ops(self) -> tuple[str, ...]:
        return ("login", "subscribe", "unsubscribe")

    def login(self, conn: Conn, args: Any) -> bool:
        """Check `[key, ts, sign]`; on failure send the error and close."""
        def fail(code: str, msg: str) -> bool:
            conn.send(error_text("login", code, msg))
            return False
        if conn.account_id is not None:
            conn.send(error_text("login", "91005", "Already logged in"))
            return True
        if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
            return fail("90003", "Invalid args param")
        key, ts, sign = (list(args) + ["", "", ""])[:3]
        if not key:
            return fail("91001", "API KEY is empty")
        cred = self.state.keys.get(key)
        if cred is None:
            return fail("91002", "API KEY not found")
        if not ts:
            return fail("91021", "Param timestamp is empty")
        try:
            ts_ms = int(ts)
        except ValueError:
            return fail("91023", "Param timestamp invalid format")
        if abs(self.state.now_ms() - ts_ms) > self.state.config.ts_window_ms:
            return fail("91022", "Param timestamp range. Within a minute")
        if not sign:
            return fail("91010", "Param sign is empty")
        if not verify(cred.secret_key, ts, cred.memo, b"bitmart.WebSocket", sign):
            return fail("91011", "Param sign is wrong")
        conn.account_id = cred.account_id
        conn.send(json.dumps({"event": "login"}, separators=(",", ":")))
        return True

    def check_topic(self, conn: Conn, channel: str, arg: str) -> tuple[str, str] | None:
        if channel == ORDER:
            if arg not in self.state.exchange.rules:
                return ("92001", "Invalid symbol param")
        elif channel == ORDERS_ALL:
            if arg != "ALL_SYMBOLS":
                return ("92001", "Invalid symbol param")
        elif channel == BALANCE:
            if arg != "BALANCE_UPDATE":
                return ("90003", "Invalid args param")
        else:
            return ("90004", "Invalid channel param")
        if conn.account_id is None:
            return ("91006", "User not logged in")
        return None

    def on_subscribe(self, conn: Conn, channel: str, arg: str) -> None:
        """No snapshot on private channels."""

    # ---- events -----------------------------------------------------------------------------
    KINDS = (OrderChanged, BalanceChanged)

    def on_event(self, ev: Any) -> None:
        """Listener for core events."""
        if isinstance(ev, OrderChanged):
            self._order(ev)
        elif isinstance(ev, BalanceChanged):
            acct = self._balances.setdefault(ev.account_id, {})
            acct[ev.currency] = (money(ev.available), money(ev.frozen), ev.time_ms)
            if self._bal_flush is None:
                self._bal_flush = asyncio.get_running_loop().call_soon(self._flush_balances)

    def _conns(self, account: str) -> list[Conn]:
        return [c for c in self.topics.conns if c.account_id == account and c.topics]

    def _order(self, ev: OrderChanged) -> None:
        o = ev.order
        if ev.fill is not None:
            self._last_fill[o.order_id] = ev.fill
        last = self._last_fill.get(o.order_id)
        if not o.is_open:
            self._last_fill.pop(o.order_id, None)
        conns = self._conns(o.account_id)
        if not conns:
            return
        item = order_ws(o, last, self.state.fmt(o.symbol))
        one = f"{ORDER}:{o.symbol}"
        frames: dict[str, bytes] = {}
        for c in conns:
            for table, topic in ((ORDER, one), (ORDERS_ALL, f"{ORDERS_ALL}:ALL_SYMBOLS")):
                if topic in c.topics:
                    frame = frames.get(table)
                    if frame is None:
                        frame = frames[table] = encode_push({"table": table, "data": [item]})
                    c.send(frame)

    def _flush_balances(self) -> None:
        self._bal_flush = None
        pending, self._balances = self._balances, {}
        for account, ccys in pending.items():
            subs = [c for c in self._conns(account) if f"{BALANCE}:BALANCE_UPDATE" in c.topics]
            if not subs:
                continue
            t = max(v[2] for v in ccys.values())
            frame = encode_push({"table": BALANCE, "data": [{
                "event_type": "TRANSACTION_COMPLETED", "event_time": str(t),
                "balance_details": [{"ccy": k, "av_bal": v[0], "fz_bal": v[1]} for k, v in ccys.items()]}]})
            for c in subs:
                c.send(frame)
