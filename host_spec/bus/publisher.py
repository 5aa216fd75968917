"""The publisher: follows a connector's pairs through the Host API and puts their books and trades on the bus.

Per pair, every book view becomes one message: a full snapshot first (and after any failed publish),
then the levels that changed since the previous view, with both views' sequences. JetStream message
ids name the transition (`<connector>.<PAIR>.<prev>.<seq>`), so a second publisher of the same shard
adds nothing the first has stored. After the first snapshot and then at most every
`snapshot_every_s`, the full book and the stream position of its message go to the key-value bucket,
where readers start and resync.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from host_spec.bus import names, schema
from host_spec.bus.client import StreamSettings, call, ensure_stream, open_bucket
from host_spec.errors import ConnectorError, InvalidPair
from host_spec.host import Connection
from host_spec.models import OrderBookView, PublicTrade, TradingPair

__all__ = ["Publisher"]

log = logging.getLogger("host_spec.bus.publisher")
RETRY_S = 1.0


@dataclass
class _Book:
    last: OrderBookView | None = None
    fresh: bool = True  # the next message must be a full snapshot
    stored_at: float = float("-inf")  # when the key-value snapshot was last written (monotonic)
    pending: tuple[OrderBookView, int] | None = None  # the newest view not yet stored, and its stream position


class _TradeIds:
    """Occurrence counts of identical trades (see names.trade_msg_id), forgotten after `keep_ms` of venue time."""

    def __init__(self, keep_ms: int = 120_000) -> None:
        self.keep_ms = keep_ms
        self.seen: dict[str, tuple[int, int]] = {}  # content -> (count, timestamp_ms)
        self._limit = 4096

    def next(self, trade: PublicTrade) -> tuple[str, int]:
        content = f"{trade.trade_id}.{trade.timestamp_ms}.{trade.price}.{trade.amount}.{trade.taker_side.value}"
        count, _ = self.seen.get(content, (0, 0))
        self.seen[content] = (count + 1, trade.timestamp_ms)
        if len(self.seen) > self._limit:
            horizon = trade.timestamp_ms - self.keep_ms
            self.seen = {k: v for k, v in self.seen.items() if v[1] >= horizon}
            self._limit = max(4096, 2 * len(self.seen))
        return content, count


@dataclass
class Publisher:
    """Publishes `pairs` of the open connection `conn` over the NATS connection `nc`. `run()` until cancelled."""

    conn: Connection
    nc: Any
    pairs: list[TradingPair]
    depth: int = 20
    snapshot_every_s: float = 1.0
    rules_every_s: float = 300.0
    timeout_s: float = 2.0
    settings: StreamSettings = field(default_factory=StreamSettings)
    stats: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self.id = self.conn.id
        self.js = self.nc.jetstream(timeout=self.timeout_s)
        self.kv: Any = None
        self._down = False
        self._books: dict[TradingPair, _Book] = {}
        self._ensure_lock = asyncio.Lock()
        self._ensured_at = float("-inf")
        self._rules_due = asyncio.Event()  # set when the bucket may have lost the rules

    async def run(self) -> None:
        await self._ensure()
        jobs = [self._rules(), self._sweep()]
        for pair in self.pairs:
            jobs += [self._book(pair), self._trades(pair)]
        tasks = [asyncio.create_task(job) for job in jobs]
        try:
            await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _ensure(self) -> None:
        """Create the stream and the bucket unless they exist (again, when a memory-storage server lost them)."""
        async with self._ensure_lock:
            if time.monotonic() - self._ensured_at < RETRY_S:
                return
            await ensure_stream(self.js, self.id, self.settings)
            self.kv = await open_bucket(self.js, self.id, self.settings)
            self._ensured_at = time.monotonic()
            self._rules_due.set()

    # -- outcomes ------------------------------------------------------------------------------------
    async def _failed(self, what: str, exc: BaseException) -> None:
        from nats.js.errors import NoStreamResponseError

        self.stats["failed"] += 1
        if not self._down:
            self._down = True
            log.warning("%s: publishing failed (%s: %s); books are sent whole again once NATS answers",
                        what, type(exc).__name__, str(exc)[:200])
        if isinstance(exc, NoStreamResponseError):  # the server answers but holds no stream for the subject
            try:
                await self._ensure()
            except Exception as again:  # still down: the next failure tries again
                log.debug("creating the stream again: %s", again)

    def _ok(self) -> None:
        if self._down:
            self._down = False
            log.warning("publishing to NATS again")

    async def _send(self, subject: str, payload: bytes, msg_id: str) -> Any:
        return await call(self.js.publish(subject, payload, timeout=self.timeout_s, headers={"Nats-Msg-Id": msg_id}))

    # -- rules ---------------------------------------------------------------------------------------
    async def publish_rules(self, rules: Iterable[Any]) -> None:
        await call(self.kv.put(names.RULES_KEY, schema.encode_rules(rules)))

    async def _rules(self) -> None:
        if "trading_rules" not in self.conn.info.capabilities:
            return
        while True:
            self._rules_due.clear()
            try:
                await self.publish_rules((await self.conn.trading_rules()).values())
                self.stats["rules"] += 1
                wait = self.rules_every_s
            except ConnectorError as exc:
                log.warning("%s: trading rules not published (%s); retrying", self.id, exc)
                wait = RETRY_S * 5
            except Exception as exc:  # a NATS error: the outage is reported by the book tasks
                await self._failed("rules", exc)
                wait = RETRY_S
            with contextlib.suppress(TimeoutError):  # until the next round, or sooner if the bucket was created again
                async with asyncio.timeout(wait):
                    await self._rules_due.wait()

    # -- books ---------------------------------------------------------------------------------------
    async def _book(self, pair: TradingPair) -> None:
        state = self._books[pair] = _Book()
        while True:
            try:
                async for view in self.conn.order_book(pair, self.depth):
                    await self._publish_view(pair, state, view)
                return
            except InvalidPair as exc:
                log.warning("%s: not published: %s", pair, exc)
                return
            except ConnectorError as exc:
                log.warning("%s: %s book stream failed (%s); following it again", pair, self.id, exc)
                state.fresh = True
                await asyncio.sleep(RETRY_S)

    async def _publish_view(self, pair: TradingPair, state: _Book, view: OrderBookView) -> None:
        last = state.last
        whole = state.fresh or last is None or view.sequence <= last.sequence
        if whole:
            payload, prev = schema.encode_snapshot(view), None
        else:
            assert last is not None
            payload, prev = schema.encode_diff(last, view), last.sequence
        state.last = view
        try:
            ack = await self._send(names.book_subject(self.id, pair), payload,
                                   names.book_msg_id(self.id, pair, prev, view.sequence))
        except Exception as exc:  # nats-py raises its own errors and asyncio timeouts
            state.fresh = True
            await self._failed(str(pair), exc)
            return
        self._ok()
        state.fresh = False
        self.stats["snapshots" if whole else "diffs"] += 1
        self.stats["duplicates"] += bool(ack.duplicate)
        state.pending = (view, ack.seq)
        if whole or time.monotonic() - state.stored_at >= self.snapshot_every_s:
            await self._store(pair, state)

    async def _store(self, pair: TradingPair, state: _Book) -> None:
        """Write the pending view to the bucket (a failure leaves it pending)."""
        if state.pending is None:
            return
        view, position = state.pending
        try:
            await call(self.kv.put(names.book_key(pair), schema.encode_entry(view, position, self.depth)))
        except Exception as exc:
            await self._failed(f"{pair} snapshot", exc)
            return
        if state.pending is not None and state.pending[0] is view:
            state.pending = None  # (a newer view that came meanwhile stays pending)
        state.stored_at = time.monotonic()
        self.stats["stored"] += 1

    async def _sweep(self) -> None:
        """Store the views that came less than `snapshot_every_s` after the last stored one, once the book is quiet,
        so the bucket ends on the newest book (late readers replay nothing, a gap in a still market heals)."""
        while True:
            await asyncio.sleep(self.snapshot_every_s)
            now = time.monotonic()
            for pair, state in list(self._books.items()):
                if state.pending is not None and now - state.stored_at >= self.snapshot_every_s:
                    await self._store(pair, state)

    # -- trades --------------------------------------------------------------------------------------
    async def _trades(self, pair: TradingPair) -> None:
        if "trades_stream" not in self.conn.info.capabilities:
            return
        subject = names.trades_subject(self.id, pair)
        ids = _TradeIds()
        while True:
            try:
                async for trade in self.conn.trades(pair):
                    await self._publish_trade(pair, subject, trade, ids.next(trade))
                return
            except InvalidPair:
                return  # the book task says so
            except ConnectorError as exc:
                log.warning("%s: %s trades stream failed (%s); following it again", pair, self.id, exc)
                await asyncio.sleep(RETRY_S)

    async def _publish_trade(self, pair: TradingPair, subject: str, trade: PublicTrade, key: tuple[str, int]) -> None:
        try:
            ack = await self._send(subject, schema.encode_trade(trade), names.trade_msg_id(self.id, pair, *key))
        except Exception as exc:
            await self._failed(f"{pair} trades", exc)
            return
        self._ok()
        self.stats["trades"] += 1
        self.stats["duplicates"] += bool(ack.duplicate)
