"""BookFeed: rejected frames, venue restarts vs stale answers, resyncs that cannot loop, stale books.

Unit tests drive one BookFeed with a hand clock (pure logic); the loopback tests run the real
PublicStreams over real sockets against a scripted server.
"""

from __future__ import annotations

import asyncio
import json
import logging
from decimal import Decimal
from typing import Any

import pytest

from host_spec import TradingPair
from bitmart_plugin.spot.parsing import Depth
from bitmart_plugin.settings import BitmartSettings
from bitmart_plugin.ws.book_feed import BookFeed
from bitmart_plugin.ws.public import PublicStreams
from bitmart_plugin.ws.streams import BitmartStreams
from tests.connector.ws_replay import LoopbackServer

BTC = TradingPair("BTC", "USDT")
D = Decimal
TOPIC = "spot/depth/increase100:BTC_USDT"
FAST = {"backoff_base": 0.01, "backoff_cap": 0.05, "open_timeout": 2.0}


def snap(version: int, bid: str = "100", size: str = "1") -> Depth:
    return Depth("BTC_USDT", True, version, version, [[bid, size]], [["200", "1"]])


def upd(version: int, bids: list[list[str]] | None = None) -> Depth:
    return Depth("BTC_USDT", False, version, version, bids or [["100", str(version)]], [])


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def feed(**kw: Any) -> tuple[BookFeed, list[str], Clock]:
    calls: list[str] = []
    clock = Clock()
    f = BookFeed("BTC_USDT", BTC, lambda: calls.append("request"), resubscribe=lambda: calls.append("resubscribe"),
                 reconnect=lambda: calls.append("reconnect"), clock=clock, **kw)
    return f, calls, clock


def frame(kind: str, version: int, bids: list[list[Any]], asks: list[list[Any]] | None = None) -> bytes:
    item = {"symbol": "BTC_USDT", "type": kind, "version": version, "ms_t": version, "bids": bids, "asks": asks or [["200", "1"]]}
    return json.dumps({"table": "spot/depth/increase100", "data": [item]}).encode()


# ---- 10.3: a rejected frame --------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["NaN", "-1", "", ".", "Infinity", "-0", 1.5, True])
async def test_conflating_consumer_never_gets_book_data_error(bad: object, caplog: pytest.LogCaptureFixture) -> None:
    """An invalid level is refused when applied: the consumer never sees an error, the feed resyncs, once."""
    streams = PublicStreams("ws://127.0.0.1:9/api", backoff_base=5.0)
    try:
        books = streams.order_book(BTC, 5, conflate=True)
        streams.on_payload(frame("snapshot", 1, [["100", "1"], ["99", "1"]]))
        assert (await asyncio.wait_for(books.__anext__(), 2)).sequence == 1
        with caplog.at_level(logging.WARNING, logger="bitmart_plugin"):
            streams.on_payload(frame("update", 2, [["99", "5"], ["100", bad]]))
        feed = streams.books["BTC_USDT"]
        assert feed.stats["bad"] == 1 and feed.view(5) is None and feed.book.sequence is None
        warnings = [r for r in caplog.records if r.levelno == logging.WARNING and "rejected depth v2" in r.getMessage()]
        assert len(warnings) == 1 and "resyncing" in warnings[0].getMessage()
        streams.on_payload(frame("update", 3, [["100", "2"]]))  # buffered while resyncing, not applied
        streams.on_payload(frame("snapshot", 3, [["100", "3"]]))
        streams.on_payload(frame("update", 4, [["100", "4"]]))
        view = await asyncio.wait_for(books.__anext__(), 2)
        assert view.sequence == 4 and view.bids == ((D("100"), D("4")),)
        await books.aclose()  # type: ignore[attr-defined]
    finally:
        await streams.close()


# ---- 10.4 / 15.2: which snapshots replace the book ---------------------------------------------------


def test_unsolicited_lower_snapshot_replaces_the_book() -> None:
    """The venue restarted (versions start again lower) and re-sent its snapshot: it replaces the book."""
    f, calls, _ = feed()
    f.on_depth(snap(100))  # the subscription's snapshot
    f.on_depth(upd(101))
    f.on_depth(snap(5, bid="90"))  # nothing of ours is unanswered: the venue's own
    assert f.book.sequence == 5 and f.stats["restarts"] == 1
    f.on_depth(upd(6, [["90", "2"]]))
    assert f.view(5).bids == ((D("90"), D("2")),) and not calls  # type: ignore[union-attr]


def test_late_answer_older_than_the_book_is_not_adopted() -> None:
    """15.2 (stale-snapshot guard): an answer to our request that the book has already passed is dropped."""
    f, calls, clock = feed(resync_timeout=3.0)
    f.on_depth(snap(10))
    f.on_depth(upd(12))  # gap: request #1
    clock.now += 3.5
    f.tick()  # no answer in time: request #2
    assert calls == ["request", "request"]
    f.on_depth(snap(12, size="7"))  # answer #1 adopted (resyncing)
    f.on_depth(upd(13))
    f.on_depth(upd(14))
    f.on_depth(snap(13, size="9"))  # answer #2, late: older than the book
    assert f.book.sequence == 14 and f.view(5).bids == ((D("100"), D("14")),)  # type: ignore[union-attr]
    assert f.stats["stale_snapshots"] == 1
    f.on_depth(upd(15))
    assert f.book.sequence == 15


def test_after_a_reconnect_any_snapshot_is_taken() -> None:
    f, _, _ = feed()
    f.on_depth(snap(100))
    f.on_depth(upd(101))
    f.reset()
    f.on_depth(snap(3))
    assert f.book.sequence == 3 and not f.awaiting


# ---- 10.4: resyncs are paced and escalate ------------------------------------------------------------


def test_failing_resyncs_are_paced_then_resubscribe_then_reconnect() -> None:
    """A bogus far-future version never connects to any snapshot: requests are spaced, then escalate."""
    sent: list[tuple[str, float]] = []
    clock = Clock()
    f = BookFeed("BTC_USDT", BTC, lambda: sent.append(("request", clock.now)), resubscribe=lambda: sent.append(("resubscribe", clock.now)),
                 reconnect=lambda: sent.append(("reconnect", clock.now)), clock=clock, spacing=0.5, resync_timeout=3.0, max_requests=3)
    far = 10**12
    f.on_depth(snap(10))
    f.on_depth(upd(far))
    answered = 0
    for _ in range(400):  # 40 s; the venue answers each request at once with its snapshot and the bogus version
        clock.now += 0.1  # again, and never answers a resubscription
        if len(sent) > answered:
            answered = len(sent)
            if sent[-1][0] == "request":
                f.on_depth(snap(10))
                f.on_depth(upd(far))
        f.tick()
    kinds = [k for k, _ in sent]
    assert kinds[:4] == ["request", "request", "request", "resubscribe"]
    times = [t for _, t in sent]
    assert times[1] - times[0] >= 0.5 and times[2] - times[1] >= 1.5 and times[3] - times[2] >= 3.5  # backs off 0.5, 1.5, 3.5 s
    assert len(sent) <= 40 and kinds.count("resubscribe") >= 3  # ~1 message a second at worst, far inside 100 per 10 s


def test_a_silent_venue_gets_requests_then_a_resubscription_then_a_reconnect() -> None:
    sent: list[str] = []
    clock = Clock()
    f = BookFeed("BTC_USDT", BTC, lambda: sent.append("request"), resubscribe=lambda: sent.append("resubscribe"),
                 reconnect=lambda: sent.append("reconnect"), clock=clock, spacing=0.5, resync_timeout=3.0, max_requests=3)
    f.on_depth(snap(10))
    f.on_depth(upd(12))  # a gap; nothing answers any more
    for _ in range(600):
        clock.now += 0.1
        f.tick()
    assert sent[:7] == ["request"] * 3 + ["resubscribe"] + ["request"] * 2 + ["reconnect"]  # the unanswered resubscription is a failure too
    assert len(sent) <= 60 / 3  # one message per resync_timeout at most


def test_counters_restart_once_an_update_applies() -> None:
    f, calls, clock = feed(spacing=0.5, max_requests=3)
    f.on_depth(snap(10))
    for round_ in range(6):  # six separate gaps, each healed by one snapshot and then an applied update
        version = 20 * (round_ + 1)
        f.on_depth(upd(version))
        clock.now += 10
        f.on_depth(snap(version))
        f.on_depth(upd(version + 1))
    assert calls == ["request"] * 6


def test_quiet_book_is_resynced_and_heartbeats_keep_it() -> None:
    """Nothing valid for stale_after seconds (socket up) -> resync; heartbeats at its version count as valid."""
    f, calls, clock = feed(stale_after=15.0)
    f.on_depth(snap(10))
    for _ in range(5):  # a heartbeat every 10 s: fine
        clock.now += 10
        f.on_depth(Depth("BTC_USDT", False, 10, 0, [], []))
        f.tick()
    assert not calls
    for _ in range(4):  # updates the book cannot use (a restarted venue's low versions) are not valid
        clock.now += 5
        f.on_depth(upd(3))
        f.tick()
    assert calls == ["request"] and f.stats["stale_books"] == 1 and f.awaiting
    clock.now += 100
    f.tick(connected=False)  # a socket that is down is the transport's business
    f.on_depth(snap(4))
    assert f.book.sequence == 4


# ---- 10.4 over real sockets ------------------------------------------------------------------------


def _settings(url: str) -> BitmartSettings:
    return BitmartSettings(ws_public_url=url, _env_file=None)  # type: ignore[call-arg]


async def test_far_future_version_does_not_loop_over_a_socket(caplog: pytest.LogCaptureFixture) -> None:
    """Every answer is below a bogus far-future version: a few requests, then the topic is resubscribed."""
    state = {"subscribes": 0}

    async def venue(srv: LoopbackServer, i: int, ws: Any, text: str) -> None:
        msg = json.loads(text) if text.startswith("{") else {}
        if msg.get("op") == "subscribe":
            state["subscribes"] += 1
            await srv.push(i, json.loads(frame("snapshot", 10, [["100", "1"]])))
            if state["subscribes"] == 1:
                await srv.push(i, json.loads(frame("update", 10**12, [["100", "2"]])))
        elif msg.get("op") == "request":
            await srv.push(i, json.loads(frame("snapshot", 10, [["100", "1"]])))
            await srv.push(i, json.loads(frame("update", 10**12, [["100", "2"]])))

    async with LoopbackServer(on_message=venue, auto_ack=True) as srv:
        streams = BitmartStreams(_settings(srv.url), resync_spacing=0.05, resync_timeout=0.5, tick=0.02, **FAST)
        books = streams.order_book(BTC, 5)
        try:
            with caplog.at_level(logging.WARNING, logger="bitmart_plugin"):
                await srv.wait_for(lambda: bool(srv.received) and len(srv.sent_ops(0, "unsubscribe")) == 1, timeout=5)
                assert len(srv.sent_ops(0, "request")) == 3
                await srv.push(0, json.loads(frame("update", 11, [["100", "5"]])))
                view = None
                while view is None or view.sequence != 11:
                    view = await asyncio.wait_for(books.__anext__(), 5)  # type: ignore[attr-defined]
            assert view.bids == ((D("100"), D("5")),)
            assert len(srv.sent_ops(0, "request")) == 3  # and no more once it holds
            assert any("resubscribing" in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)
        finally:
            await books.aclose()  # type: ignore[attr-defined]
            await streams.close()


async def test_quiet_book_on_a_live_socket_is_resynced() -> None:
    """The venue stops sending anything valid (only low, restarted versions) while the socket stays up."""
    async def venue(srv: LoopbackServer, i: int, ws: Any, text: str) -> None:
        msg = json.loads(text) if text.startswith("{") else {}
        if msg.get("op") == "subscribe":
            await srv.push(i, json.loads(frame("snapshot", 100, [["100", "1"]])))
            await srv.push(i, json.loads(frame("update", 3, [["90", "1"]])))  # the venue restarted: v3 < v100
        elif msg.get("op") == "request":
            await srv.push(i, json.loads(frame("snapshot", 4, [["90", "2"]])))

    async with LoopbackServer(on_message=venue, auto_ack=True) as srv:
        streams = BitmartStreams(_settings(srv.url), stale_after=0.4, tick=0.05, ping_interval=0.1, ping_max=0.1, **FAST)
        books = streams.order_book(BTC, 5)
        try:
            first = await asyncio.wait_for(books.__anext__(), 5)  # type: ignore[attr-defined]
            assert first.sequence == 100
            again = await asyncio.wait_for(books.__anext__(), 5)  # type: ignore[attr-defined]
            assert again.sequence == 4 and again.bids == ((D("90"), D("2")),)
            assert len(srv.conns) == 1 and srv.sent_ops(0, "request") == [[TOPIC]]
        finally:
            await books.aclose()  # type: ignore[attr-defined]
            await streams.close()


def test_the_first_snapshot_is_awaited_from_the_connection_not_from_the_feed() -> None:
    """A socket that takes long to open (connect limiter, slow venue) does not make the feed give up on the
    subscription's snapshot before it could come: the wait starts when the socket is up."""
    f, calls, clock = feed(resync_timeout=3.0)
    for _ in range(10):
        clock.now += 1
        f.tick(connected=False)
    clock.now += 2.5
    f.tick()
    assert not calls
    clock.now += 1
    f.tick()
    assert calls == ["request"]


def test_the_first_snapshot_is_awaited_from_the_subscriptions_ack() -> None:
    """A venue slow to take a subscription in (1,000 at once) acknowledges it late: a request before the
    ack would only queue behind it (the venue answers in order) and add to its load, so the snapshot's
    timeout counts from the ack; a subscription never acknowledged is resynced after `stale_after`."""
    f, calls, clock = feed(resync_timeout=3.0, stale_after=15.0)
    for _ in range(8):  # 4 s unacknowledged
        clock.now += 0.5
        f.tick(acked=False)
    assert not calls
    clock.now += 0.5
    f.tick()  # acknowledged now
    clock.now += 2.5
    f.tick()
    assert not calls  # 2.5 s after the ack
    clock.now += 1
    f.tick()
    assert calls == ["request"]

    silent, calls, clock = feed(resync_timeout=3.0, stale_after=15.0)
    for _ in range(30):
        clock.now += 0.5
        silent.tick(acked=False)
    assert not calls
    clock.now += 0.5
    silent.tick(acked=False)  # 15.5 s without an ack
    clock.now += 3.5
    silent.tick(acked=False)
    assert calls == ["request"]
    for _ in range(20):  # from here the usual timers: requests, then the resubscription
        clock.now += 0.5
        silent.tick(acked=False)
    assert calls == ["request", "request", "resubscribe"]
