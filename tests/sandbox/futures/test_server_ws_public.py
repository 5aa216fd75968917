"""Futures public WS over real sockets: acks and errors, keepalive forms, idle rules, book, trade, ticker,
klineBin and fundingRate pushes; every push checked against the real captures' field names and types."""
from __future__ import annotations

import asyncio
import json
from decimal import Decimal

import pytest
import websockets

from .ws_fixture import BTC, connect, fixture, group_is, recv, recv_until, same_shape, send, serve


async def test_acks_errors_and_duplicates() -> None:
    async with serve() as srv, connect(srv.public_url) as ws:
        args = ["futures/klineBin1m:BTCUSDT", "sfutures/depth50:BTCUSDT", "futures/trade:BTCUSDT"]
        await send(ws, "subscribe", *args)
        ack = fixture("ws_public/ack_subscribe_doc.json")
        seen = []
        while len(seen) < 3:
            m = await recv(ws)
            if "success" in m:
                seen.append(m)
        assert seen[0] == ack  # same topic as the doc's example: byte-equal as JSON
        assert seen[1] == fixture("ws_public/ack_subscribe_error_not_exist_doc.json")
        assert seen[2]["group"] == args[2] and seen[2]["request"] == {"action": "subscribe", "args": [args[2]]}
        await send(ws, "", "futures/trade:BTCUSDT")
        assert await recv_until(ws, lambda m: "success" in m) == fixture("ws_public/ack_invalid_action_live_ccxt.json")
        for bad in ("futures/trade:NOPEUSDT", "futures/depth7:BTCUSDT", "futures/trade:BTCUSDT@100ms",
                    "futures/depth5:BTCUSDT@300ms", "futures/klineBin12H:BTCUSDT", "futures/order"):
            await send(ws, "subscribe", bad)
            m = await recv_until(ws, lambda m: "success" in m)
            assert m["success"] is False and m["error"] == f"group [{bad}] not exist", bad
        await send(ws, "subscribe", "futures/trade:BTCUSDT")  # duplicate: acked again, still one stream
        assert (await recv_until(ws, lambda m: "success" in m))["success"] is True
        await send(ws, "unsubscribe", "futures/klineBin1m:BTCUSDT")
        got = await recv_until(ws, lambda m: "success" in m)
        assert got == fixture("ws_public/ack_unsubscribe_doc.json")
        await send(ws, "unsubscribe", "futures/fundingRate:BTCUSDT")  # never subscribed: still acked
        assert (await recv_until(ws, lambda m: "success" in m))["success"] is True
        srv.venue.submit_order("maker", BTC, 4, 2, price="60000")
        srv.venue.submit_order(srv.cred.account_id, BTC, 1, 2, price="60000")
        first = await recv_until(ws, group_is("futures/trade:BTCUSDT"))
        await ws.send(json.dumps({"action": "ping"}))
        assert len(first["data"]) == 1
        assert await recv_until(ws, lambda m: not (isinstance(m, dict) and "kline" in m.get("group", ""))) == \
            fixture("ws_public/pong_shape_jkorf.json")  # no second copy of the trade before the pong


async def test_keepalive_forms() -> None:
    async with serve() as srv, connect(srv.public_url) as ws:
        await ws.send(json.dumps({"action": "ping"}))
        assert await recv(ws) == {"group": "System", "data": "pong"}
        await ws.send("ping")
        assert await recv(ws) == "pong"
        pong = await ws.ping(b"hb")
        await asyncio.wait_for(pong, 5)  # a protocol PONG frame answered the PING


async def test_lifeless_and_idle_close() -> None:
    async with serve(ws_lifeless_s=0.3) as srv, connect(srv.public_url) as ws:
        await ws.send(json.dumps({"action": "ping"}))  # a ping does not make a connection alive
        await recv(ws)
        with pytest.raises(websockets.ConnectionClosed):
            await recv(ws)
    async with serve(ws_idle_timeout_s=0.4, ws_lifeless_s=0) as srv, connect(srv.public_url) as ws:
        await send(ws, "subscribe", "futures/trade:BTCUSDT")  # a silent topic: nothing flows either way
        await recv(ws)
        with pytest.raises(websockets.ConnectionClosed):
            await recv(ws)


async def test_server_pushes_keep_a_silent_client_connected() -> None:
    """HB-CANDLES never sends after subscribing (C19): the kline re-push counts as traffic."""
    async with serve(ws_idle_timeout_s=0.5, snapshot_push_ms=100) as srv, connect(srv.bare_url) as ws:
        await send(ws, "subscribe", "futures/klineBin1m:BTCUSDT")
        for _ in range(20):  # 2 s of pushes, four idle periods
            m = await recv(ws)
        assert m["group"] == "futures/klineBin1m:BTCUSDT"


def apply(book: dict[str, dict[Decimal, Decimal]], data: dict) -> None:
    for side in ("bids", "asks"):
        for lv in data[side]:
            if Decimal(lv["vol"]) == 0:
                book[side].pop(Decimal(lv["price"]), None)
            else:
                book[side][Decimal(lv["price"])] = Decimal(lv["vol"])


async def test_depth_increase_versions_and_request() -> None:
    async with serve() as srv, connect(srv.public_url) as ws:
        v = srv.venue
        for i in range(3):
            v.submit_order("maker", BTC, 1, 5 + i, price=str(59990 - i))
            v.submit_order("maker", BTC, 4, 5 + i, price=str(60010 + i))
        group = "futures/depthIncrease5:BTCUSDT@100ms"
        await send(ws, "subscribe", group)
        snap = await recv_until(ws, group_is(group))
        same_shape(snap["data"], fixture("ws_public/depthIncrease20_snapshot_doc.json")["data"])
        assert snap["data"]["type"] == "snapshot"
        book: dict[str, dict[Decimal, Decimal]] = {"bids": {}, "asks": {}}
        apply(book, snap["data"])
        version = snap["data"]["version"]
        for i in range(8):  # push levels in and out of the top 5, one change per update period
            v.submit_order("maker", BTC, 1, 1, price=str(59995 + i))
            upd = await recv_until(ws, group_is(group))
            same_shape(upd["data"], fixture("ws_public/depthIncrease20_update_doc.json")["data"])
            assert upd["data"]["type"] == "update" and upd["data"]["version"] == version + 1
            version += 1
            apply(book, upd["data"])
            bids, asks = v.depth(BTC, 5)
            assert sorted(book["bids"].items(), reverse=True) == bids and sorted(book["asks"].items()) == asks
        v.submit_order("maker", BTC, 4, 3, price="60020")  # outside the top 5: no update
        v.submit_order("maker", BTC, 4, 2, price="60005")
        await send(ws, "request", group)
        fresh = await recv_until(ws, lambda m: group_is(group)(m) and m["data"]["type"] == "snapshot")
        assert fresh["data"]["version"] == version + 1  # the pending change was flushed first
        assert [lv["price"] for lv in fresh["data"]["asks"]][:1] == ["60005"]


async def test_depth_one_side_per_message() -> None:
    async with serve() as srv, connect(srv.public_url) as ws:
        srv.venue.submit_order("maker", BTC, 1, 7, price="59990.5")
        srv.venue.submit_order("maker", BTC, 4, 9, price="60010")
        await send(ws, "subscribe", "futures/depth20:BTCUSDT")
        bids = await recv_until(ws, group_is("futures/depth20:BTCUSDT@200ms"))
        asks = await recv(ws)
        ref = fixture("ws_public/depth20_one_side_doc.json")["data"]
        same_shape(bids["data"], ref)
        same_shape(bids["data"]["depths"][0], ref["depths"][0])
        assert (bids["data"]["way"], asks["data"]["way"]) == (1, 2)
        assert bids["data"]["depths"] == [{"price": "59990.5", "vol": "7"}]
        srv.venue.submit_order("maker", BTC, 4, 1, price="60009")
        upd = await recv_until(ws, group_is("futures/depth20:BTCUSDT@200ms"))
        assert upd["data"]["way"] == 2 and upd["data"]["depths"][0] == {"price": "60009", "vol": "1"}


async def test_trade_push_from_a_crossing_order() -> None:
    async with serve() as srv, connect(srv.public_url) as ws:
        await send(ws, "subscribe", "futures/trade:BTCUSDT")
        await recv(ws)
        srv.venue.submit_order("maker", BTC, 1, 3, price="60000")  # maker buys (opens long)
        srv.venue.submit_order(srv.cred.account_id, BTC, 4, 2, price="59990")  # taker sells (opens short)
        m = await recv_until(ws, group_is("futures/trade:BTCUSDT"))
        ref = fixture("ws_public/trade_element_live_ccxt_2025-02.json")
        row = m["data"][0]
        same_shape(row, ref)
        assert row["m"] is True and row["way"] == 1  # buyer is maker, taker sold: way 1 (C1)
        assert (row["deal_price"], row["deal_vol"]) == ("60000", "2") and row["trade_id"].isdigit()
        assert row["created_at"].endswith("Z") and len(row["created_at"].split(".")[1]) == 10
        srv.venue.submit_order("maker", BTC, 3, 1, price="60100")  # maker closes its long (sell)
        srv.venue.submit_order(srv.cred.account_id, BTC, 2, 1, price="60100")  # taker closes its short (buy)
        row = (await recv_until(ws, group_is("futures/trade:BTCUSDT")))["data"][0]
        assert row["m"] is False and row["way"] == 8  # sell_close_long buy_close_short


async def test_trades_of_one_order_are_one_message_newest_first() -> None:
    async with serve() as srv, connect(srv.public_url) as ws:
        await send(ws, "subscribe", "futures/trade:BTCUSDT")
        await recv(ws)
        srv.venue.submit_order("maker", BTC, 4, 1, price="60010")
        srv.venue.submit_order("maker", BTC, 4, 1, price="60020")
        srv.venue.submit_order(srv.cred.account_id, BTC, 1, 2, price="60020")
        m = await recv_until(ws, group_is("futures/trade:BTCUSDT"))
        assert [r["deal_price"] for r in m["data"]] == ["60020", "60010"]
        assert int(m["data"][0]["trade_id"]) > int(m["data"][1]["trade_id"])


async def test_kline_ticker_and_funding() -> None:
    async with serve(ticker_push_s=0.2) as srv, connect(srv.public_url) as ws:
        srv.venue.submit_order("maker", BTC, 4, 4, price="60050")
        srv.venue.submit_order(srv.cred.account_id, BTC, 1, 4, price="60050")
        await send(ws, "subscribe", "futures/klineBin1m:BTCUSDT", "futures/ticker:BTCUSDT",
                   "futures/fundingRate:BTCUSDT")
        k = await recv_until(ws, group_is("futures/klineBin1m:BTCUSDT"))
        ref = fixture("ws_public/klineBin1m_live_ccxt_2023-12.json")["data"]
        same_shape(k["data"], ref)
        item = k["data"]["items"][0]
        same_shape(item, ref["items"][0])
        assert item["ts"] % 60 == 0 and (item["c"], item["v"]) == ("60050", "4")  # aligned open, contracts
        t = await recv_until(ws, group_is("futures/ticker:BTCUSDT@100ms"))
        same_shape(t["data"], fixture("ws_public/ticker_symbol_live_ccxt_eth_2025.json")["data"])
        assert t["data"]["last_price"] == "60050" and t["data"]["volume_24"] == "4"
        assert Decimal(t["data"]["mark_price"]) > 0 and Decimal(t["data"]["index_price"]) > 0
        f = await recv_until(ws, group_is("futures/fundingRate:BTCUSDT"))
        fref = fixture("ws_public/fundingRate_live_ccxt_2026-02.json")["data"]
        same_shape(f["data"], fref)
        assert f["data"]["fundingTime"] % 1000 == 0 and f["data"]["nextFundingTime"] > f["data"]["ts"]
        assert f["data"]["nextFundingTime"] == srv.venue.funding.next_time[BTC]
        await send(ws, "request", "futures/fundingRate:BTCUSDT")  # one-shot: a push, no ack
        assert (await recv_until(ws, lambda m: isinstance(m, dict) and ("success" in m or "fundingRate" in
                                                                        m.get("group", ""))))["data"]["symbol"] == BTC
        await send(ws, "subscribe", "futures/ticker")  # legacy all-symbol form: one message per symbol
        symbols = set()
        while len(symbols) < len(srv.venue.contract_list):
            m = await recv_until(ws, group_is("futures/ticker"))
            symbols.add(m["data"]["symbol"])


async def test_unsubscribe_stops_pushes() -> None:
    async with serve() as srv, connect(srv.public_url) as ws:
        await send(ws, "subscribe", "futures/trade:BTCUSDT")
        await recv(ws)
        await send(ws, "unsubscribe", "futures/trade:BTCUSDT")
        await recv(ws)
        srv.venue.submit_order("maker", BTC, 4, 1, price="60010")
        srv.venue.submit_order(srv.cred.account_id, BTC, 1, 1, price="60010")
        await asyncio.sleep(0.05)  # let a (wrong) push be queued before the ping
        await ws.send(json.dumps({"action": "ping"}))
        assert await recv(ws) == {"group": "System", "data": "pong"}


async def test_admin_faults_reach_the_futures_sockets() -> None:
    """depth_gap skips a depthIncrease version; drop_ws=public closes futures public sockets too."""
    async with serve() as srv, connect(srv.public_url) as ws:
        group = "futures/depthIncrease20:BTCUSDT@200ms"
        await send(ws, "subscribe", "futures/depthIncrease20:BTCUSDT")
        snap = await recv_until(ws, group_is(group))
        srv.sb.state.faults.set("depth_gap", "BTCUSDT:1")
        srv.venue.submit_order("maker", BTC, 1, 1, price="59000")
        upd = await recv_until(ws, group_is(group))
        assert upd["data"]["version"] == snap["data"]["version"] + 2
        srv.sb.state.faults.set("drop_ws", "public")
        with pytest.raises(websockets.ConnectionClosed):
            await recv(ws)


async def test_bookticker_depth_all_mark_klines_and_all_tickers_match_captures() -> None:
    async with serve() as srv, connect(srv.public_url) as ws:
        srv.venue.submit_order("maker", BTC, 1, 7, price="59990")
        srv.venue.submit_order("maker", BTC, 4, 9, price="60010")
        await send(ws, "subscribe", "futures/bookticker:BTCUSDT", "futures/depthAll20:BTCUSDT@100ms",
                   "futures/markPriceKlineBin5m:BTCUSDT", "futures/ticker")
        bt = await recv_until(ws, group_is("futures/bookticker:BTCUSDT"))
        same_shape(bt["data"], fixture("ws_public/bookticker_doc.json")["data"])
        assert (bt["data"]["best_bid_price"], bt["data"]["best_ask_vol"]) == ("59990", "9")
        da = await recv_until(ws, group_is("futures/depthAll20:BTCUSDT@100ms"))
        same_shape(da["data"], fixture("ws_public/depthAll20_doc.json")["data"])
        mk = await recv_until(ws, group_is("futures/markPriceKlineBin5m:BTCUSDT"))
        item = mk["data"]["items"][0]
        same_shape(item, fixture("ws_public/klineBin1m_live_ccxt_2023-12.json")["data"]["items"][0])
        assert item["ts"] % 300 == 0 and item["v"] == "0"
        tk = await recv_until(ws, group_is("futures/ticker"))
        same_shape(tk["data"], fixture("ws_public/ticker_all_symbols_hbtest.json")["data"])
        srv.venue.submit_order("maker", BTC, 1, 2, price="59995")  # a better bid: bookticker follows
        bt = await recv_until(ws, group_is("futures/bookticker:BTCUSDT"))
        assert (bt["data"]["best_bid_price"], bt["data"]["best_bid_vol"]) == ("59995", "2")
