"""The two BitMart WebSocket dialects the shared transport speaks: spot and USDT-M futures.

A dialect says how control frames look, never what a channel carries: the request key (`op` on spot,
`action` on futures), the keepalive ping and the pongs that answer it, and how to read an ack, a
refusal or a login answer (`reply`). Everything else is handed to the payload handler.

- Spot (bitmart_api.md §4.4, §8): text `ping` / `pong`; `{"event": ..., "errorCode": ...}` events; an error
  does not name its topic, so the transport blames the topics still unacknowledged.
- Futures (bitmart_futures.md §3.2, §3.3): `{"action":"ping"}` answered by `{"group":"System","data":"pong"}`
  (protocol pings are answered by the websockets library); one ack or refusal per topic, naming it
  (`{"action","group","success","error"}`); login is `access`, answered `{"action":"access","success":..}`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from host_spec import AuthError, ConnectorError, InvalidPair, StreamError

__all__ = ["FUTURES", "SPOT", "Dialect", "FuturesDialect", "Reply", "SpotDialect", "error_from_event"]

# api §4.4: the venue's refusals of a connection (as opposed to a topic): wait before trying again.
_CONNECTION_REFUSALS = frozenset({"94001", "94002", "90007"})
_FUTURES_CONNECTOR = "bitmart_perpetual"


@dataclass(frozen=True, slots=True)
class Reply:
    """A control frame read: `kind` is "ack", "error" (of `topic`, or of the pending topics when None),
    "refused" (the connection itself; wait longer before reconnecting) or "login" (`error` None: accepted)."""

    kind: str
    topic: str | None = None
    error: ConnectorError | None = None


class Dialect(Protocol):
    """Control-frame forms of one venue; see the module docstring."""

    action_key: str
    ping: str
    pongs: frozenset[str]

    def maybe_control(self, text: str) -> bool:
        """A cheap test on a text frame: could it be a control frame (worth decoding for `reply`)?"""

    def reply(self, event: dict[str, Any]) -> Reply | None:
        """The control frame `event` says, or None when it is data for the payload handler."""


def error_from_event(event: dict[str, Any]) -> ConnectorError:
    """Map a BitMart spot `{"event":..,"errorCode":..}` frame to a host_spec error."""
    code = str(event.get("errorCode", ""))
    text = str(event.get("errorMessage", "")) or "error"
    op = str(event.get("event", ""))
    if code.startswith("91") or op == "login":
        return AuthError(
            f"BitMart refused the WebSocket login ({text}): check the API key, secret key and MEMO "
            "(the memo is the name given when the API key was created)",
            code=code or None,
            connector="bitmart",
        )
    if code == "92001":
        return InvalidPair(f"BitMart rejected a {op or 'stream'} request: {text}", code=code, connector="bitmart")
    return StreamError(f"BitMart WebSocket {op or 'request'} failed: {text}", code=code or None, connector="bitmart")


class SpotDialect:
    """BitMart spot: `{"op": ...}` requests, text ping/pong, `event`/`errorCode` control frames."""

    action_key = "op"
    ping = "ping"
    pongs = frozenset({"pong"})

    def maybe_control(self, text: str) -> bool:
        return text.startswith('{"event"') or '"errorCode"' in text[:200]

    def reply(self, event: dict[str, Any]) -> Reply | None:
        if "table" in event:
            return None
        code = event.get("errorCode")
        if code is not None and str(code) in _CONNECTION_REFUSALS:
            return Reply("refused", error=StreamError(f"BitMart refused the connection ({code} "
                                                      f"{event.get('errorMessage', '')})", code=str(code),
                                                      connector="bitmart"))
        if event.get("event") == "login":
            return Reply("login", error=error_from_event(event) if code is not None else None)
        if code is not None:
            return Reply("error", error=error_from_event(event))
        if "event" in event:
            topic = event.get("topic")
            return Reply("ack", topic if isinstance(topic, str) else None)
        return None


def futures_error(event: dict[str, Any]) -> ConnectorError:
    """A futures refusal (`success: false`) -> a host_spec error that says what to change."""
    text = str(event.get("error") or "refused")
    action = str(event.get("action") or "request")
    group = str(event.get("group") or "")
    if action == "access" or "authenication" in text or "authentication" in text:  # the venue spells it "authenication"
        return AuthError(f"BitMart futures refused the WebSocket {action or 'request'} ({text}): check the API key, "
                         "secret key and MEMO", connector=_FUTURES_CONNECTOR)
    if text.endswith("not exist"):
        return InvalidPair(f"BitMart futures has no stream {group!r} ({text}): check the contract is listed",
                           connector=_FUTURES_CONNECTOR)
    return StreamError(f"BitMart futures WebSocket {action} of {group or 'a topic'} failed: {text}",
                       connector=_FUTURES_CONNECTOR)


class FuturesDialect:
    """BitMart USDT-M futures: `{"action": ...}` requests, JSON ping/pong, per-topic acks with `success`."""

    action_key = "action"
    ping = '{"action":"ping"}'
    pongs = frozenset({'{"group":"System","data":"pong"}', '{"data":"pong","group":"System"}', "pong"})

    def maybe_control(self, text: str) -> bool:
        return '"success"' in text[:512]  # acks and refusals are short; no data push carries the key

    def reply(self, event: dict[str, Any]) -> Reply | None:
        if "data" in event or "success" not in event:
            return None
        ok = event["success"] is True
        group = event.get("group")
        topic = group if isinstance(group, str) else None
        if event.get("action") == "access":
            return Reply("login", error=None if ok else futures_error(event))
        return Reply("ack", topic) if ok else Reply("error", topic, futures_error(event))


SPOT: Dialect = SpotDialect()
FUTURES: Dialect = FuturesDialect()
