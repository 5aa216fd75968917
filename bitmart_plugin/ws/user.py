"""Logged-in user streams shared by spot and futures: one pooled private connection, many consumers.

`UserStreams` logs in (its `login` factory signs at connect time), subscribes the venue's private
topics while anyone listens, hands every consumer every event, and after each re-login (not the
first) publishes `Reconnected` so the session reconciles through REST: pushes sent while the
socket was down are lost. A venue subclass names the topics and turns a decoded frame into events
(`parse`, a generator: the events before a bad entry are still delivered).
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from typing import Any

from host_spec import AuthError, ConnectorError

from bitmart_plugin.fields import ParseError
from bitmart_plugin.ws.connection import LoginFactory, Payload, WsConnection
from bitmart_plugin.ws.fanout import Mailbox, drain
from bitmart_plugin.ws.pool import TopicPool

__all__ = ["Reconnected", "UserStreams"]

log = logging.getLogger("bitmart_plugin.ws.private")


@dataclass(frozen=True, slots=True)
class Reconnected:
    """The private socket came back and logged in again: events may have been missed, reconcile via REST."""

    attempt: int


class UserStreams:
    """One logged-in private connection (pooled) shared by every `events()` consumer."""

    topics: tuple[str, ...] = ()

    def __init__(self, url: str, login: LoginFactory, *, cap: int = 100, name: str = "private", **conn_options: Any) -> None:
        self.pool = TopicPool(url, self.on_payload, cap=cap, on_error=self._on_error, on_connected=self._on_connected,
                              login=login, name=name, **conn_options)
        self.subscribers: list[Mailbox[Any]] = []
        self.bad_frames = 0

    def parse(self, message: Any) -> Iterable[Any]:
        """The events one decoded frame carries (none for acks and other frames)."""
        raise NotImplementedError

    def events(self) -> AsyncIterator[Any]:
        box: Mailbox[Any] = Mailbox(maxlen=100_000)
        self.subscribers.append(box)
        if len(self.subscribers) == 1:
            for name in self.topics:
                self.pool.add(name)

        def leave() -> None:
            if box in self.subscribers:
                self.subscribers.remove(box)
            if not self.subscribers:
                for name in self.topics:
                    self.pool.remove(name)

        return drain(box, leave)

    async def close(self) -> None:
        for box in self.subscribers:
            box.close()
        await self.pool.close()

    def publish(self, event: Any) -> None:
        for box in self.subscribers:
            box.put(event)

    def skipped(self, exc: Exception, what: str = "frame") -> None:
        """Count and log a push (or one entry of it) that could not be read; never the payload (it is ours)."""
        self.bad_frames += 1
        kind = "malformed" if isinstance(exc, ParseError) else "unparseable"
        log.warning("skipped a %s private %s (%s: %s)", kind, what, type(exc).__name__,
                    str(exc)[:200] if isinstance(exc, ParseError) else "")

    def on_payload(self, payload: Payload, conn: WsConnection | None = None) -> None:
        try:
            for event in self.parse(json.loads(payload)):
                self.publish(event)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:  # ParseError is a ValueError
            self.skipped(exc)

    def _on_connected(self, conn: WsConnection, reconnected: bool) -> None:
        if reconnected:
            self.publish(Reconnected(conn.connects))

    def _on_error(self, error: ConnectorError, topics: tuple[str, ...]) -> None:
        if isinstance(error, AuthError) or not topics or set(topics) & set(self.topics):
            for box in self.subscribers:
                box.fail(error)
