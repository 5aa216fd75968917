"""Private spot streams: login, spot/user/orders:ALL_SYMBOLS and spot/user/balance, with reconnect notices."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from pydantic import SecretStr

from bitmart_plugin.auth import ws_login_message
from bitmart_plugin.spot.parsing import WsBalanceUpdate, WsOrderUpdate, parse_balance, parse_order
from bitmart_plugin.ws.user import Reconnected, UserStreams

__all__ = ["PRIVATE_TOPICS", "PrivateEvent", "PrivateStreams", "Reconnected"]

PRIVATE_TOPICS = ("spot/user/orders:ALL_SYMBOLS", "spot/user/balance:BALANCE_UPDATE")
_ORDER_TABLES = ("spot/user/order", "spot/user/orders")

PrivateEvent = WsOrderUpdate | WsBalanceUpdate | Reconnected


class PrivateStreams(UserStreams):
    """One logged-in spot private connection (pooled) shared by every events() consumer."""

    topics = PRIVATE_TOPICS

    def __init__(self, url: str, api_key: SecretStr, secret_key: SecretStr, memo: SecretStr, *, cap: int = 100, **conn_options: Any) -> None:
        def login() -> dict[str, object]:
            # Secrets are unwrapped only here, at the moment of signing.
            return ws_login_message(api_key.get_secret_value(), secret_key.get_secret_value(), memo.get_secret_value())

        super().__init__(url, login, cap=cap, **conn_options)

    def events(self) -> AsyncIterator[PrivateEvent]:
        return super().events()

    def parse(self, message: Any) -> Iterator[PrivateEvent]:
        table = message["table"]
        data = message["data"]
        if not isinstance(data, list):
            return  # e.g. {"data":"","table":"spot/user/order"}
        if table in _ORDER_TABLES:
            for item in data:
                yield parse_order(item)
        elif table == "spot/user/balance":
            for item in data:
                yield from parse_balance(item)
