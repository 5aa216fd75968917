"""Bad messages on the bus's subjects are ignored with one WARNING per stream, a gap re-reads the snapshot, and neither
ever makes a wrong book."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import msgpack
import pytest

from host_spec import Host, OrderBookView, PublicTrade
from host_spec.bus.client import connect
from tests.bus.conftest import DEPTH, PAIRS, Latest, NatsServer, assert_on_venue, follow, settle, true_book
from tests.bus.helpers import collect, publishing

pytestmark = pytest.mark.e2e
BTC = PAIRS[0]
BOOK, TRADES = "hs.bitmart.book.BTC-USDT", "hs.bitmart.trades.BTC-USDT"


def bad_book_messages(seq: int) -> list[bytes]:
    """Undecodable, unknown version or kind, wrong types, and well-formed changes with invalid levels."""
    pack = msgpack.packb
    return [
        b"\xc1 not msgpack",
        pack({"v": 1}),
        pack([2, "d", seq + 1, seq, 0, [["1", "1"]], []]),  # a version this reader does not know
        pack([1, "x", seq + 1, seq, 0, [], []]),
        pack([1, "d", str(seq + 1), seq, 0, [], []]),
        pack([1, "d", seq + 1, seq, 0, "bids", []]),
        pack([1, "d", seq + 1, seq, 0, [["NaN", "1"]], []]),  # next in sequence, but the price is not a number
        pack([1, "d", seq + 1, seq, 0, [], [["1", "-1"]]]),  # a negative size
        pack([1, "s", seq + 5, None, 0, [[1.5, "1"]], []]),  # a newer full book with a float price
    ]


async def test_bad_messages_are_skipped_with_one_warning_and_never_shown(
    nats_server: NatsServer, sandbox: Any, host: Host, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="host_spec.bus")
    async with publishing(host, sandbox, nats_server.url, PAIRS):
        reader = await host.open("bitmart_bus", {}, {"nats_url": nats_server.url})
        latest = Latest()
        seen: list[OrderBookView] = []
        trades: list[PublicTrade] = []

        async def watch() -> None:
            async for view in reader.order_book(BTC, DEPTH):
                seen.append(view)

        tasks = [asyncio.create_task(watch()), asyncio.create_task(collect(reader.trades(BTC), trades))]
        latest.follow(reader, BTC)
        await latest.first([BTC])
        await settle(sandbox, [latest], [BTC])  # a still market: every view from here must be this book
        quiet = len(seen)
        nc = await connect(nats_server.url, "intruder")
        js = nc.jetstream()
        for payload in bad_book_messages(latest.views[BTC].sequence):
            await js.publish(BOOK, payload)
        for payload in (b"junk", msgpack.packb([1, "t", "abc", "1", "BUY", 0, ""]), msgpack.packb([1, "t", "1"])):
            await js.publish(TRADES, payload)
        await nc.close()
        await asyncio.sleep(1.0)
        want = true_book(sandbox, BTC)
        assert all((list(v.bids), list(v.asks)) == want for v in seen[quiet:]), "a bad message changed a view"
        assert reader.session.stats[BTC]["bad"] >= 3, reader.session.stats  # the invalid levels reached the book
        sandbox.agents_paused = False
        await asyncio.sleep(1.0)
        await settle(sandbox, [latest], [BTC])
        assert (list(latest.views[BTC].bids), list(latest.views[BTC].asks)) == true_book(sandbox, BTC)
        assert trades and all(t.price > 0 for t in trades)
        warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and "bad message" in r.getMessage()]
        # one per stream: two book streams (watch and latest) and one trades stream of BTC-USDT
        assert sorted(w.split(":")[0] for w in warnings) == [BOOK, BOOK, TRADES], warnings
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await latest.stop()
        await reader.close()


async def test_a_gap_re_reads_the_snapshot_and_never_shows_a_book_the_venue_did_not_have(
    nats_server: NatsServer, sandbox: Any, host: Host
) -> None:
    async with publishing(host, sandbox, nats_server.url, [BTC]):
        reader, latest = await follow(host, nats_server.url, [BTC])
        await settle(sandbox, [latest], [BTC])
        quiet = len(latest.sequences[BTC])
        seq = latest.views[BTC].sequence
        nc = await connect(nats_server.url, "intruder")
        # a well-formed change from a book three changes ahead: the reader has missed changes, or so it must think
        await nc.jetstream().publish(BOOK, msgpack.packb([1, "d", seq + 4, seq + 3, 0, [["1", "1"]], []]))
        await nc.close()
        while reader.session.stats[BTC]["resyncs"] < 1:
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)
        assert len(latest.sequences[BTC]) == quiet, "nothing is shown while the gap is open"
        assert (list(latest.views[BTC].bids), list(latest.views[BTC].asks)) == true_book(sandbox, BTC)
        sandbox.agents_paused = False  # the market moves: newer snapshots bridge the gap
        await latest.moved(latest.marks([BTC]))
        await asyncio.sleep(1.0)
        await assert_on_venue(sandbox, latest, [BTC])
        await latest.stop()
        await reader.close()
