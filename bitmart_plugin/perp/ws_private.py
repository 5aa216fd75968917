"""Private futures streams: `access` login, futures/order, futures/position, futures/asset:USDT (§3.6).

The login signs like the spot socket (HMAC of `ts#memo#bitmart.WebSocket`, `auth.sign`) and is sent as
`{"action":"access","args":[key, ts, sign, "web"]}`; the transport reads its answer before subscribing.
Events: a `FuturesOrder` for every entry of an order push (with its fill, fee sign made right), a
`PositionUpdate` for every position row (the 10 s repeats included), a `BalanceEvent` per asset push, and
`Reconnected` after every re-login, so the session reconciles through REST (positions, open orders,
balances). An entry that cannot be read is skipped and counted; the rest of its push is still delivered.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

from pydantic import SecretStr

from host_spec import BalanceEvent, FeeRates, PositionMode

from bitmart_plugin.auth import WS_LOGIN_MESSAGE, now_ms, sign
from bitmart_plugin.fields import ParseError
from bitmart_plugin.perp.parse_account import PositionUpdate, balance_from_ws, position_updates_from_ws
from bitmart_plugin.perp.parse_orders import FuturesOrder, orders_from_ws
from bitmart_plugin.perp.symbols import SETTLE_ASSET, Contracts
from bitmart_plugin.perp.topics import route
from bitmart_plugin.ws.dialect import FUTURES
from bitmart_plugin.ws.user import Reconnected, UserStreams

__all__ = ["ASSET", "ORDER", "POSITION", "PerpPrivateEvent", "PerpPrivateStreams", "Reconnected", "ws_access_message"]

ORDER = "futures/order"
POSITION = "futures/position"
ASSET = f"futures/asset:{SETTLE_ASSET}"

PerpPrivateEvent = FuturesOrder | PositionUpdate | BalanceEvent | Reconnected


def ws_access_message(api_key: str, secret: str, memo: str, timestamp_ms: str | None = None) -> dict[str, object]:
    """The futures private-socket login: `{"action":"access","args":[key, ts, sign, "web"]}`."""
    ts = timestamp_ms or now_ms()
    return {"action": "access", "args": [api_key, ts, sign(secret, memo, ts, WS_LOGIN_MESSAGE), "web"]}


class PerpPrivateStreams(UserStreams):
    """One logged-in futures private connection shared by every events() consumer.

    `contracts`, `position_mode` and `fee_rates` return the session's current listing, the account's
    position mode (side codes are read in it when a row does not say) and its fee rates (to tell maker
    fills from taker ones; None: taken as taker).
    """

    topics = (ORDER, POSITION, ASSET)

    def __init__(self, url: str, api_key: SecretStr, secret_key: SecretStr, memo: SecretStr, *,
                 contracts: Callable[[], Contracts], position_mode: Callable[[], PositionMode],
                 fee_rates: Callable[[], FeeRates | None] = lambda: None, cap: int = 100, **conn_options: Any) -> None:
        def login() -> dict[str, object]:
            # Secrets are unwrapped only here, at the moment of signing.
            return ws_access_message(api_key.get_secret_value(), secret_key.get_secret_value(), memo.get_secret_value())

        super().__init__(url, login, cap=cap, name="futures-private", dialect=FUTURES, **conn_options)
        self.contracts, self.position_mode, self.fee_rates = contracts, position_mode, fee_rates

    def events(self) -> AsyncIterator[PerpPrivateEvent]:
        return super().events()

    def parse(self, message: Any) -> Iterator[PerpPrivateEvent]:
        push = route(message) if isinstance(message, dict) else None
        if push is None:
            return
        if push.channel == ORDER:
            yield from self._each(push.data, "futures/order entry", lambda entry: orders_from_ws(
                [entry], self.contracts(), self.position_mode(), self.fee_rates()))
        elif push.channel == POSITION:
            yield from self._each(push.data, "futures/position row",
                                  lambda row: position_updates_from_ws([row], self.contracts()))
        elif push.channel == ASSET.partition(":")[0]:
            yield balance_from_ws(push.data, int(time.time() * 1000))

    def _each(self, data: Any, what: str, parse: Callable[[Any], list[Any]]) -> Iterator[Any]:
        """Every entry of a list push parsed on its own: a bad one is skipped, the others delivered."""
        if not isinstance(data, list):
            raise ParseError(f"{what}: data is not a list")
        for entry in data:
            try:
                parsed = parse(entry)
            except (ParseError, KeyError, TypeError, AttributeError) as exc:
                self.skipped(exc, what)
                continue
            yield from parsed
