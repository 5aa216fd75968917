"""BusSession: the `<id>_bus` connector. Books, trades and trading rules read from NATS JetStream.

A book stream starts from the key-value snapshot of the pair, then follows the book subject from the
stream position the snapshot names (an ordered consumer: nats-py recreates it after a reconnect,
from the last position it delivered). BookFollower decides what applies; on a missed change the
stream re-reads the snapshot and starts again from there. Bad messages are skipped, with one WARNING
per stream; the book is never changed by one.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

from host_spec.bus import names
from host_spec.bus.client import call, connect
from host_spec.bus.follow import BookFollower, Step
from host_spec.bus.schema import BadMessage, BookEntry, decode_book, decode_entry, decode_rules, decode_trade
from host_spec.errors import ConfigError, InvalidPair, StreamError
from host_spec.models import OrderBookView, PublicTrade, TradingPair, TradingRule

__all__ = ["BusSession"]

log = logging.getLogger("host_spec.bus")
T = TypeVar("T")
POLL_S = 0.2
HEARTBEAT_S = 1.0
RULES_REFRESH_S = 5.0
MAX_BACKOFF_S = 2.0


class _Warn:
    """One WARNING per stream for bad messages; later ones are counted and logged at DEBUG."""

    def __init__(self, subject: str) -> None:
        self.subject = subject
        self.count = 0

    def __call__(self, reason: object) -> None:
        self.count += 1
        level = logging.WARNING if self.count == 1 else logging.DEBUG
        log.log(level, "%s: ignored a bad message (%s)%s", self.subject, reason,
                "; later ones are counted, not logged" if self.count == 1 else "")


class BusSession:
    """One reader's NATS connection; every stream of the session shares it."""

    def __init__(self, connector_id: str, base_id: str, url: str, wait_s: float = 30.0, *, rules: bool = True) -> None:
        self.connector_id = connector_id
        self.base_id = base_id
        self.rules = rules  # the base connector has trading rules, so publishers put them on the bus
        self.url = url
        self.wait_s = wait_s
        self.stats: dict[TradingPair, dict[str, int]] = {}
        self._nc: Any = None
        self._kv: Any = None
        self._lock = asyncio.Lock()
        self._rules_lock = asyncio.Lock()
        self._rules: dict[TradingPair, TradingRule] | None = None
        self._rules_at = 0.0
        self._closed = False

    async def _js(self) -> Any:
        async with self._lock:
            if self._closed:
                raise StreamError("session closed", connector=self.connector_id)
            if self._nc is None:
                self._nc = await call(connect(self.url, f"{self.connector_id} reader"))
            return self._nc.jetstream()

    async def _wait(self, what: str, attempt: Callable[[], Awaitable[T]]) -> T:
        """`attempt()` again while NATS says not found (no publisher yet) or does not answer in time (busy,
        reconnecting), for at most `wait_s`; then StreamError."""
        from nats.errors import NoRespondersError, TimeoutError
        from nats.js.errors import NotFoundError, ServiceUnavailableError

        deadline = time.monotonic() + self.wait_s
        while True:
            try:
                return await call(attempt())
            except NotFoundError:
                if time.monotonic() >= deadline:
                    raise StreamError(f"no {what} on NATS at {self.url} after {self.wait_s:g} s; "
                                      f"is `host-spec publish {self.base_id}` running?", connector=self.connector_id) from None
            except (TimeoutError, NoRespondersError, ServiceUnavailableError) as exc:
                if time.monotonic() >= deadline:
                    raise StreamError(f"NATS at {self.url} did not answer for {what} within {self.wait_s:g} s "
                                      f"({type(exc).__name__})", connector=self.connector_id) from None
                log.debug("%s: %s, asking again", what, type(exc).__name__)
            await asyncio.sleep(POLL_S)

    async def _bucket(self) -> Any:
        if self._kv is None:
            js = await self._js()
            self._kv = await self._wait(f"bucket {names.bucket_name(self.base_id)}",
                                        lambda: js.key_value(names.bucket_name(self.base_id)))
        return self._kv

    # -- rules ---------------------------------------------------------------------------------------
    async def trading_rules(self) -> dict[TradingPair, TradingRule]:
        kv = await self._bucket()
        entry = await self._wait("trading rules", lambda: kv.get(names.RULES_KEY))
        try:
            rules = decode_rules(entry.value)
        except BadMessage as exc:
            raise StreamError(f"the trading rules on the bus are unreadable: {exc}",
                              connector=self.connector_id) from None
        self._rules, self._rules_at = rules, time.monotonic()
        return dict(rules)

    async def _check_pair(self, pair: TradingPair) -> None:
        """InvalidPair when the published rules do not list `pair` (no check for a base without rules).

        The rules are read once and shared by the session's streams (a thousand streams must not each fetch
        and decode them); a pair they lack makes a fresh read, at most every RULES_REFRESH_S.
        """
        if not self.rules:
            return
        async with self._rules_lock:
            stale = time.monotonic() - self._rules_at > RULES_REFRESH_S
            if self._rules is None or (pair not in self._rules and stale):
                await self.trading_rules()
            rules = self._rules
        if rules is not None and pair not in rules:
            raise InvalidPair(f"{pair} is not listed by {self.base_id} (rules published on the bus)",
                              connector=self.connector_id)

    # -- books ---------------------------------------------------------------------------------------
    def order_book(self, pair: TradingPair, depth: int) -> AsyncIterator[OrderBookView]:
        return self._book(pair, depth)

    async def _entry(self, pair: TradingPair, warn: _Warn) -> BookEntry:
        kv = await self._bucket()
        key = names.book_key(pair)
        while True:
            entry = await self._wait(f"book of {pair}", lambda: kv.get(key))
            try:
                return decode_entry(entry.value)
            except BadMessage as exc:
                warn(f"key {key}: {exc}")
            await asyncio.sleep(POLL_S)

    async def _book(self, pair: TradingPair, depth: int) -> AsyncIterator[OrderBookView]:
        from nats.js import api

        js = await self._js()
        await self._check_pair(pair)
        subject = names.book_subject(self.base_id, pair)
        follower, warn = BookFollower(pair), _Warn(subject)
        self.stats[pair] = follower.stats
        bad: set[int] = set()  # stream positions of messages found bad: skipped when replayed
        shown: int | None = None
        unbridged: BookEntry | None = None  # the snapshot a replay from which ran into a gap
        while True:
            entry = await self._entry(pair, warn)
            waits = 0
            while entry == unbridged:  # it would run into the same gap: wait for a newer one, backing off
                await asyncio.sleep(min(MAX_BACKOFF_S, POLL_S * 2**waits))
                waits += 1
                entry = await self._entry(pair, warn)
            unbridged = None
            if depth > entry.depth:
                raise ConfigError(f"{pair} is published {entry.depth} levels deep; asked for {depth} "
                                  f"(run the publisher with --depth {depth})", connector=self.connector_id)
            if not follower.load(entry):
                warn(f"key {names.book_key(pair)}: invalid levels")
                await asyncio.sleep(POLL_S)
                continue
            if _newer(follower.sequence, shown):
                shown = follower.sequence
                yield follower.view(depth)
            start = entry.stream_seq + 1
            sub = await self._wait(f"consumer of {subject}", lambda: js.subscribe(  # a fresh config each try
                subject, stream=names.stream_name(self.base_id), ordered_consumer=True, idle_heartbeat=HEARTBEAT_S,
                config=api.ConsumerConfig(deliver_policy=api.DeliverPolicy.BY_START_SEQUENCE, opt_start_seq=start)))
            try:
                async for msg in sub.messages:
                    position = msg.metadata.sequence.stream
                    if position in bad:
                        continue
                    try:
                        step = follower.offer(decode_book(msg.data))
                    except BadMessage as exc:
                        step = Step.BAD
                        warn(exc)
                    else:
                        if step is Step.BAD:
                            warn("invalid levels")
                    if step is Step.APPLIED:
                        if _newer(follower.sequence, shown):  # never back: a replay after a resync may pass older books
                            shown = follower.sequence
                            yield follower.view(depth)
                    elif step is Step.BAD:
                        bad.add(position)
                        if follower.sequence is None:
                            break  # the book was dropped: read the snapshot again
                    elif step is Step.RESYNC:
                        unbridged = entry
                        break
                else:
                    self._ended(subject)
                    return
            finally:
                await _unsubscribe(sub)

    def _ended(self, subject: str) -> None:
        """A subscription ended: fine when the session was closed, else StreamError."""
        if not self._closed:
            raise StreamError(f"the subscription to {subject} ended", connector=self.connector_id)

    # -- trades --------------------------------------------------------------------------------------
    def trades(self, pair: TradingPair) -> AsyncIterator[PublicTrade]:
        return self._trades(pair)

    async def _trades(self, pair: TradingPair) -> AsyncIterator[PublicTrade]:
        from nats.js import api

        js = await self._js()
        await self._check_pair(pair)
        subject = names.trades_subject(self.base_id, pair)
        warn = _Warn(subject)
        sub = await self._wait(f"stream {names.stream_name(self.base_id)}", lambda: js.subscribe(
            subject, stream=names.stream_name(self.base_id), ordered_consumer=True, deliver_policy=api.DeliverPolicy.NEW,
            idle_heartbeat=HEARTBEAT_S))
        try:
            async for msg in sub.messages:
                try:
                    trade = decode_trade(msg.data, pair)
                except BadMessage as exc:
                    warn(exc)
                    continue
                yield trade
            self._ended(subject)
        finally:
            await _unsubscribe(sub)

    async def close(self) -> None:
        self._closed = True
        nc, self._nc = self._nc, None
        if nc is not None:
            try:
                await nc.close()
            except Exception as exc:  # closing must not raise
                log.debug("closing the NATS connection: %s", exc)


def _newer(sequence: int | None, shown: int | None) -> bool:
    return sequence is not None and (shown is None or sequence > shown)


async def _unsubscribe(sub: Any) -> None:
    try:
        await sub.unsubscribe()
    except Exception as exc:  # the connection may be closed or reconnecting
        log.debug("unsubscribe: %s", exc)
