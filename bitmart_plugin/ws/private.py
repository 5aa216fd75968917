"""Private spot streams: login, spot/user/orders:ALL_SYMBOLS and spot/user/balance, with reconnect notices."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr

from host_spec import AuthError, ConnectorError

from bitmart_plugin.auth import ws_login_message
from bitmart_plugin.spot.parsing import ParseError, WsBalanceUpdate, WsOrderUpdate, parse_balance, parse_order
from bitmart_plugin.ws.connection import Payload, WsConnection
from bitmart_plugin.ws.fanout import Mailbox, drain
from bitmart_plugin.ws.pool import TopicPool

__all__ = ["PRIVATE_TOPICS", "PrivateEvent", "PrivateStreams", "Reconnected"]

log = logging.getLogger(__name__)
PRIVATE_TOPICS = ("spot/user/orders:ALL_SYMBOLS", "spot/user/balance:BALANCE_UPDATE")
_ORDER_TABLES = ("spot/user/order", "spot/user/orders")


@dataclass(frozen=True, slots=True)
class Reconnected:
    """The private socket came back and logged in again: events may have been missed, reconcile via REST."""

    attempt: int


PrivateEvent = WsOrderUpdate | WsBalanceUpdate | Reconnected


class PrivateStreams:
    """One logged-in private connection (pooled) shared by every private_events() consumer."""

    def __init__(self, url: str, api_key: SecretStr, secret_key: SecretStr, memo: SecretStr, *, cap: int = 100, **conn_options: Any) -> None:
        def login() -> dict[str, object]:
            # Secrets are unwrapped only here, at the moment of signing.
            return ws_login_message(api_key.get_secret_value(), secret_key.get_secret_value(), memo.get_secret_value())

        self.pool = TopicPool(url, self.on_payload, cap=cap, on_error=self._on_error, on_connected=self._on_connected, login=login, name="private", **conn_options)
        self.subscribers: list[Mailbox[PrivateEvent]] = []
        self.bad_frames = 0

    def events(self) -> AsyncIterator[PrivateEvent]:
        box: Mailbox[PrivateEvent] = Mailbox(maxlen=100_000)
        self.subscribers.append(box)
        if len(self.subscribers) == 1:
            for name in PRIVATE_TOPICS:
                self.pool.add(name)

        def leave() -> None:
            if box in self.subscribers:
                self.subscribers.remove(box)
            if not self.subscribers:
                for name in PRIVATE_TOPICS:
                    self.pool.remove(name)

        return drain(box, leave)

    async def close(self) -> None:
        for box in self.subscribers:
            box.close()
        await self.pool.close()

    def _publish(self, event: PrivateEvent) -> None:
        for box in self.subscribers:
            box.put(event)

    def on_payload(self, payload: Payload, conn: WsConnection | None = None) -> None:
        try:
            msg = json.loads(payload)
            table = msg["table"]
            data = msg["data"]
            if not isinstance(data, list):
                return  # e.g. {"data":"","table":"spot/user/order"}
            if table in _ORDER_TABLES:
                for item in data:
                    self._publish(parse_order(item))
            elif table == "spot/user/balance":
                for item in data:
                    for row in parse_balance(item):
                        self._publish(row)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            self.bad_frames += 1
            kind = "malformed" if isinstance(exc, ParseError) else "unparseable"
            log.warning("skipped a %s private frame (%s)", kind, type(exc).__name__)

    def _on_connected(self, conn: WsConnection, reconnected: bool) -> None:
        if reconnected:
            self._publish(Reconnected(conn.connects))

    def _on_error(self, error: ConnectorError, topics: tuple[str, ...]) -> None:
        if isinstance(error, AuthError) or not topics or set(topics) & set(PRIVATE_TOPICS):
            for box in self.subscribers:
                box.fail(error)
