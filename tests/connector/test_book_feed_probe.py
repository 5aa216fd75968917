"""BookFeed with `heartbeats=False` (the futures venue sends nothing on a quiet book, bitmart_futures.md C10):
a quiet book is probed with a request and kept; the answer proves it current, replaces it when updates were
lost, or (when none comes) leads to the ordinary resync. Pure logic with a hand clock."""

from __future__ import annotations

from typing import Any

from bitmart_plugin.ws.book_feed import BookFeed
from tests.connector.test_book_feed import Clock, snap, upd
from tests.connector.test_book_feed import feed as spot_feed


def feed(**kw: Any) -> tuple[BookFeed, list[str], Clock]:
    return spot_feed(heartbeats=False, stale_after=15.0, resync_timeout=3.0, **kw)


def test_a_quiet_book_is_probed_and_kept() -> None:
    f, calls, clock = feed()
    f.on_depth(snap(10))
    f.tick()  # the watchdog sees the snapshot: the quiet period starts
    for _ in range(3):  # three quiet periods: one probe each, each answered at the book's version
        clock.now += 16
        f.tick()
        assert calls[-1] == "request" and not f.awaiting and f.view(5) is not None  # still usable while asked
        clock.now += 1
        f.on_depth(snap(10))
        f.tick()
    assert calls == ["request"] * 3
    assert f.stats["probes"] == 3 and f.stats["heartbeats"] == 3 and f.stats["stale_books"] == 0
    assert f.stats["snapshots"] == 1 and f.book.sequence == 10


def test_a_probe_answer_ahead_of_the_book_replaces_it() -> None:
    """Updates were lost without a gap showing (e.g. the last ones before the market went quiet)."""
    f, calls, clock = feed()
    f.on_depth(snap(10))
    f.tick()  # the watchdog sees the snapshot: the quiet period starts
    clock.now += 16
    f.tick()
    f.on_depth(snap(14, bid="101"))
    assert f.book.sequence == 14 and f.stats["snapshots"] == 2 and not f.awaiting
    f.on_depth(upd(15))
    assert f.book.sequence == 15 and calls == ["request"]


def test_an_unanswered_probe_resyncs() -> None:
    f, calls, clock = feed()
    f.on_depth(snap(10))
    f.tick()  # the watchdog sees the snapshot: the quiet period starts
    clock.now += 16
    f.tick()
    clock.now += 2
    f.tick()
    assert not f.awaiting  # still within resync_timeout
    clock.now += 2
    f.tick()
    assert f.awaiting and f.view(5) is None and f.stats["stale_books"] == 1 and calls == ["request", "request"]
    f.on_depth(snap(12))
    assert f.book.sequence == 12 and not f.awaiting


def test_an_update_after_the_probe_ends_it_and_the_late_answer_is_dropped() -> None:
    f, calls, clock = feed()
    f.on_depth(snap(10))
    f.tick()  # the watchdog sees the snapshot: the quiet period starts
    clock.now += 16
    f.tick()
    f.on_depth(upd(11))
    f.tick()
    f.on_depth(snap(10))  # the answer, late: the book is past it
    assert f.book.sequence == 11 and f.stats["stale_snapshots"] == 1 and not f.awaiting
    clock.now += 10
    f.tick()
    assert calls == ["request"]  # the update restarted the quiet period


def test_with_heartbeats_a_quiet_book_is_dropped_and_resynced() -> None:
    """The spot rule is unchanged: the venue's heartbeat is missing, so the book is not trusted."""
    f, calls, clock = spot_feed(stale_after=15.0)
    f.on_depth(snap(10))
    f.tick()  # the watchdog sees the snapshot: the quiet period starts
    clock.now += 16
    f.tick()
    assert f.awaiting and f.stats["stale_books"] == 1 and f.stats["probes"] == 0 and calls == ["request"]
