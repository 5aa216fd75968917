"""Private futures WS (``/futures/user``): ``access`` login and ``futures/order|position|asset:<CCY>``.

Login is the spot WS signature (HMAC of ``ts#memo#bitmart.WebSocket``, same keys as REST), the
timestamp within the REST window; any failure answers BitMart's one error form and closes (§3.2).
Events of one venue call are coalesced (one loop turn): changed position rows go out as one array,
the asset row once per account; order entries one per message unless ``batch_order_events``
(Hummingbot reads only ``data[0]``, §3.6). Every ``position_push_s`` each ``futures/position``
subscriber gets all open rows (``[]`` when none: a quiet private socket still hears something).
"""
from __future__ import annotations

import asyncio
from typing import Any, Callable, Mapping

from ..faults import FaultState
from ..signing import WS_PAYLOAD, verify
from ..state import Credentials
from ..ws_conn import Conn
from . import ws_proto as P
from . import ws_rows as R
from .accounts import USDT
from .events import AssetChanged, FuturesOrderChanged, PositionChanged
from .liquidation import reported_price
from .venue import FuturesVenue
from .ws_config import FuturesWsConfig
from .ws_endpoint import FuturesEndpoint

ORDER, POSITION = "futures/order", "futures/position"


class PrivateEndpoint(FuturesEndpoint):
    """User channels of §3.6."""

    kind = "futures-private"

    def __init__(self, venue: FuturesVenue, keys: Mapping[str, Credentials], ts_window_ms: int,
                 now_ms: Callable[[], int], config: FuturesWsConfig, faults: FaultState) -> None:
        super().__init__(config, faults, venue.engine.contracts)
        self.venue = venue
        self.keys = keys
        self.ts_window_ms = ts_window_ms
        self.now_ms = now_ms
        self._orders: dict[str, list[dict[str, Any]]] = {}
        self._positions: dict[str, dict[tuple[str, str], dict[str, Any]]] = {}
        self._assets: set[str] = set()
        self._flush: asyncio.Handle | None = None

    def serves(self, topic: P.Topic) -> bool:
        return topic.private

    # -- login --------------------------------------------------------------------------------
    def on_access(self, conn: Conn, args: list[Any]) -> bool:
        """``[api_key, ts_ms, sign, device]``; False (close) on any failure."""
        key, ts, sign = ([a if isinstance(a, str) else "" for a in args] + ["", "", ""])[:3]
        cred = self.keys.get(key)
        ok = (cred is not None and ts.isdigit() and abs(self.now_ms() - int(ts)) <= self.ts_window_ms
              and verify(cred.secret_key, ts, cred.memo, WS_PAYLOAD, sign))
        if not ok or cred is None:
            conn.send(P.access_failed(key))
            return False
        conn.account_id = cred.account_id
        conn.send(P.access_ok())
        return True

    def on_subscribe(self, conn: Conn, topic: P.Topic) -> None:
        """``asset:<CCY>`` answers with the current row [DECISION: JKORF's session shows one]."""
        if topic.kind == "asset" and conn.account_id is not None:
            conn.send(P.push(topic.group, self._asset(conn.account_id, topic.symbol)))

    # -- events -------------------------------------------------------------------------------
    def on_event(self, ev: object) -> None:
        """Venue listener: queue what subscribed accounts must hear, flushed once this loop turn ends."""
        if isinstance(ev, FuturesOrderChanged):
            acct = ev.order.account_id
            if self._subscribed(acct, ORDER):
                entry = R.order_entry(ev.order, ev.fill, ev.action, self.config.emit_approval_state)  # type: ignore[arg-type]
                self._orders.setdefault(acct, []).append(entry)
        elif isinstance(ev, PositionChanged):
            p = ev.position
            if self._subscribed(p.account_id, POSITION):
                rows = self._positions.setdefault(p.account_id, {})
                rows[(p.symbol, p.direction)] = R.position_row(p, ev.liquidate_price, ev.position_mode)
        elif isinstance(ev, AssetChanged):
            self._assets.add(ev.account_id)
        else:
            return
        if self._flush is None:
            self._flush = asyncio.get_running_loop().call_soon(self._flush_now)

    def _subscribed(self, account_id: str, group: str) -> bool:
        return any(c.account_id == account_id for c in self.topics.get(group))

    def _send(self, account_id: str, group: str, data: Any) -> None:
        frame = None
        for c in self.topics.get(group):
            if c.account_id == account_id:
                frame = frame or P.push(group, data)
                c.send(frame)

    def _flush_now(self) -> None:
        self._flush = None
        orders, self._orders = self._orders, {}
        positions, self._positions = self._positions, {}
        assets, self._assets = self._assets, set()
        for acct, entries in orders.items():
            batches = [entries] if self.config.batch_order_events else [[e] for e in entries]
            for batch in batches:
                self._send(acct, ORDER, batch)
        for acct, rows in positions.items():
            self._send(acct, POSITION, list(rows.values()))
        for acct in assets:
            self._send(acct, f"futures/asset:{USDT}", self._asset(acct, USDT))

    def _asset(self, account_id: str, currency: str) -> dict[str, Any]:
        """The account's row (Appendix A numbers, as assets-detail); BTC and ETH wallets are empty."""
        if currency != USDT:
            return R.asset_row(currency, R.ZERO, R.ZERO, R.ZERO)
        view = self.venue.account(account_id)
        return R.asset_row(currency, view.available_balance, view.position_deposit, view.frozen_balance)

    # -- timer --------------------------------------------------------------------------------
    async def pulse(self) -> None:
        while True:
            await asyncio.sleep(self.config.position_push_s)
            accounts = self.venue.accounts
            for c in list(self.topics.get(POSITION)):
                if c.account_id is None:
                    continue
                mode = accounts.mode(c.account_id)
                rows = [R.position_row(p, reported_price(p, self.venue.engine.contracts[p.symbol]), mode)
                        for p in accounts.of(c.account_id) if p.hold_volume]
                c.send(P.push(POSITION, rows))
