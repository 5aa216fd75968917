"""BitmartStreams over loopback replays: depth gap -> request -> rebuild, trades, errors, login, fan-out, sharding."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal

import pytest

from host_spec import AuthError, InvalidPair, OrderBookView, TradingPair
from bitmart_plugin.spot.parsing import WsBalanceUpdate, WsOrderUpdate
from bitmart_plugin.settings import BitmartSettings
from bitmart_plugin.ws.streams import BitmartStreams, Reconnected
from tests.connector.ws_replay import LoopbackServer, load_cassette

BTC = TradingPair("BTC", "USDT")
D = Decimal
FAST = {"backoff_base": 0.01, "backoff_cap": 0.05, "open_timeout": 2.0}


def settings(url: str, **kw: str) -> BitmartSettings:
    return BitmartSettings(ws_public_url=url, ws_private_url=url, _env_file=None, **kw)  # type: ignore[call-arg]


async def take(it: object, n: int, timeout: float = 5.0) -> list[object]:
    out = []
    for _ in range(n):
        out.append(await asyncio.wait_for(it.__anext__(), timeout))  # type: ignore[attr-defined]
    return out


async def test_depth_gap_requests_snapshot_and_rebuilds() -> None:
    async with LoopbackServer([load_cassette("ws_spot_depth_increase100_gap.jsonl")]) as srv:
        streams = BitmartStreams(settings(srv.url), **FAST)
        books = streams.order_book(BTC, depth=5)
        views: list[OrderBookView] = await take(books, 4)  # type: ignore[assignment]
        assert [v.sequence for v in views] == [4, 5, 6, 9] or [v.sequence for v in views][:3] == [4, 5, 6]
        if views[-1].sequence != 10:
            views += await take(books, 1)  # type: ignore[arg-type]
        last = views[-1]
        assert last.sequence == 10
        assert last.asks == ((D("23300"), D("1")),)
        assert last.bids == ((D("23120"), D("3")), (D("23110"), D("0.1")), (D("23105"), D("1.80114")))
        assert views[1].asks[0] == (D("23200"), D("0.59959"))
        assert srv.sent_ops(0, "request") == [["spot/depth/increase100:BTC_USDT"]]
        feed = streams.public.books["BTC_USDT"]
        await srv.wait_for(lambda: feed.stats["heartbeats"] == 2)
        assert feed.stats["gaps"] == 1 and feed.stats["stale"] == 1 and feed.stats["snapshots"] == 2
        assert not srv.errors
        await books.aclose()  # type: ignore[attr-defined]
        await srv.wait_for(lambda: srv.sent_ops(0, "unsubscribe") == [["spot/depth/increase100:BTC_USDT"]])
        await streams.close()


async def test_trades_skip_malformed_frame() -> None:
    async with LoopbackServer([load_cassette("ws_spot_trade_basic.jsonl")]) as srv:
        streams = BitmartStreams(settings(srv.url), **FAST)
        trades = await take(streams.trades(TradingPair("ETH", "USDT")), 2)
        assert [t.price for t in trades] == [D("162.12"), D("162.13")]  # type: ignore[attr-defined]
        assert streams.public.bad_frames == 1
        await streams.close()


async def test_invalid_symbol_raises_invalid_pair() -> None:
    async with LoopbackServer([load_cassette("ws_spot_trade_badsymbol.jsonl")]) as srv:
        streams = BitmartStreams(settings(srv.url), **FAST)
        with pytest.raises(InvalidPair):
            await take(streams.trades(TradingPair("NOPE", "USDT")), 1)
        await streams.close()


CREDS = {"api_key": "k3y", "secret_key": "s3cr3t", "memo": "wrong-memo"}


async def test_private_login_ok_then_events_and_reconnected() -> None:
    ok = load_cassette("ws_spot_user_login_ok.jsonl")
    async with LoopbackServer([ok]) as srv:
        streams = BitmartStreams(settings(srv.url, **CREDS), **FAST)
        events = streams.private_events()
        got = await take(events, 2)
        assert isinstance(got[0], WsOrderUpdate) and got[0].detail_id == "256348632"
        assert isinstance(got[1], WsBalanceUpdate) and got[1].asset == "BTC"
        login = json.loads(srv.received[0][0])
        assert login["op"] == "login" and login["args"][0] == "k3y" and "s3cr3t" not in srv.received[0][0]
        await srv.drop(0)
        again = await take(events, 1)
        assert isinstance(again[0], Reconnected)
        assert json.loads(srv.received[1][0])["op"] == "login"  # login precedes the resubscription
        await streams.close()


async def test_private_login_failure_mentions_memo(caplog: pytest.LogCaptureFixture) -> None:
    async with LoopbackServer([load_cassette("ws_spot_user_login_badmemo.jsonl")]) as srv:
        streams = BitmartStreams(settings(srv.url, **CREDS), **FAST)
        with pytest.raises(AuthError) as info:
            await take(streams.private_events(), 1)
        assert "MEMO" in str(info.value) and info.value.code == "91011"
        assert "s3cr3t" not in caplog.text and "wrong-memo" not in caplog.text
        await streams.close()


def test_private_without_credentials_is_auth_error() -> None:
    with pytest.raises(AuthError):
        BitmartStreams(settings("ws://127.0.0.1:9/api")).private_events()


def _snapshot(symbol: str, version: int, bid: str = "100") -> dict[str, object]:
    return {"table": "spot/depth/increase100", "data": [{"symbol": symbol, "type": "snapshot", "version": version,
            "ms_t": 1, "asks": [["101", "1"]], "bids": [[bid, "1"]]}]}


async def _serve_snapshots(srv: LoopbackServer, i: int, ws: object, text: str) -> None:
    msg = json.loads(text) if text.startswith("{") else {}
    if msg.get("op") in ("subscribe", "request"):
        for t in msg["args"]:
            if t.startswith("spot/depth/increase100:"):
                await srv.push(i, _snapshot(t.split(":")[1], 10 * len(srv.conns)))


async def test_fan_out_shares_one_subscription_and_reconnect_discards_book() -> None:
    async with LoopbackServer(on_message=_serve_snapshots) as srv:
        streams = BitmartStreams(settings(srv.url), **FAST)
        a, b = streams.order_book(BTC, 1), streams.order_book(BTC, 3)
        (va,), (vb,) = await take(a, 1), await take(b, 1)
        assert va.sequence == vb.sequence == 10  # type: ignore[attr-defined]
        assert srv.sent_ops(0, "subscribe") == [["spot/depth/increase100:BTC_USDT"]]
        await srv.push(0, {"table": "spot/depth/increase100", "data": [{"symbol": "BTC_USDT", "type": "update",
                           "version": 11, "ms_t": 2, "asks": [], "bids": [["99", "2"]]}]})
        (va,), (vb,) = await take(a, 1), await take(b, 1)
        assert len(va.bids) == 1 and len(vb.bids) == 2  # type: ignore[attr-defined]
        await srv.drop(0)
        (va,) = await take(a, 1)
        assert va.sequence == 20 and va.bids == ((D("100"), D("1")),)  # type: ignore[attr-defined]
        await a.aclose()  # type: ignore[attr-defined]
        assert not srv.sent_ops(1, "unsubscribe")
        await b.aclose()  # type: ignore[attr-defined]
        await srv.wait_for(lambda: srv.sent_ops(1, "unsubscribe") == [["spot/depth/increase100:BTC_USDT"]])
        await streams.close()


async def test_topics_shard_over_connections_with_small_caps() -> None:
    async with LoopbackServer(on_message=_serve_snapshots, auto_ack=True) as srv:
        streams = BitmartStreams(settings(srv.url), public_cap=2, **FAST)
        pairs = [TradingPair(f"C{i}", "USDT") for i in range(5)]
        its = [streams.order_book(p) for p in pairs]
        for it in its:
            await take(it, 1)
        pool = streams.public.pool
        assert len(pool.connections) == 3 and all(len(c.topics) <= 2 for c in pool.connections)
        await srv.wait_for(lambda: len(srv.conns) == 3)
        for it in its[:2]:
            await it.aclose()  # type: ignore[attr-defined]
        assert len(pool.connections) == 2
        await streams.close()


async def test_pairs_followed_at_once_on_a_live_socket_share_subscribe_messages() -> None:
    """50 books followed in one go on a socket already up: 3 subscribe messages (20 topics each), not 50;
    BitMart closes a socket past 100 messages in 10 s. Leaving them together: 3 unsubscribes."""
    async with LoopbackServer(on_message=_serve_snapshots, auto_ack=True) as srv:
        streams = BitmartStreams(settings(srv.url), **FAST)
        first = streams.order_book(BTC)
        await take(first, 1)
        its = [streams.order_book(TradingPair(f"C{i}", "USDT")) for i in range(50)]
        for it in its:
            await take(it, 1)
        subscribes = srv.sent_ops(0, "subscribe")
        assert sorted(len(args) for args in subscribes) == [1, 10, 20, 20]  # BTC first, then the 50 together
        assert len(srv.conns) == 1
        for it in its:
            await it.aclose()  # type: ignore[attr-defined]
        await srv.wait_for(lambda: sum(len(a) for a in srv.sent_ops(0, "unsubscribe")) == 50)
        assert len(srv.sent_ops(0, "unsubscribe")) == 3
        await streams.close()


async def test_conflated_order_book_reads_the_newest_book() -> None:
    """conflate=True: every update is applied, a consumer that falls behind gets one view of the newest book."""
    from bitmart_plugin.ws.public import PublicStreams

    def frame(kind: str, version: int, bids: list[list[str]]) -> bytes:
        item = {"symbol": "BTC_USDT", "type": kind, "version": version, "ms_t": version, "bids": bids, "asks": [["200", "1"]]}
        return json.dumps({"table": "spot/depth/increase100", "data": [item]}).encode()

    streams = PublicStreams("ws://127.0.0.1:9/api", backoff_base=5.0)
    try:
        books = streams.order_book(BTC, 5, conflate=True)
        streams.on_payload(frame("snapshot", 1, [["100", "1"]]))
        first = await asyncio.wait_for(books.__anext__(), 2)
        assert first.sequence == 1 and first.bids == ((D("100"), D("1")),)
        for v in range(2, 50):
            streams.on_payload(frame("update", v, [["100", str(v)], [str(90 + v % 5), "0" if v % 2 else "1"]]))
        view = await asyncio.wait_for(books.__anext__(), 2)
        assert view.sequence == 49 and view.bids[0] == (D("100"), D("49"))
        feed = streams.books["BTC_USDT"]
        assert feed.stats["applied"] == 48 and feed.latest[0].skipped == 47
        await books.aclose()  # type: ignore[attr-defined]
        assert "BTC_USDT" not in streams.books
    finally:
        await streams.close()
