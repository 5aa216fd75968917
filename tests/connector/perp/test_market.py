"""Public futures payloads -> base-unit depth, trades and tickers; topics and routing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from host_spec import L2Book, Side, SeqResult, TradingPair

from bitmart_plugin.fields import ParseError
from bitmart_plugin.perp.parse_market import (
    book_from_rest, depth_from_ws, ticker_from_ws, trades_from_rest, trades_from_ws,
)
from bitmart_plugin.perp.rules import contracts_from_details
from bitmart_plugin.perp.symbols import Contract, Contracts
from bitmart_plugin.perp.topics import route, split_group, subscribe_messages, topic

from .helpers import D, data, details_row, load

BTC = TradingPair("BTC", "USDT")


def test_depth_increase_snapshot_then_update_drive_an_l2_book_in_base_units(contracts: Contracts) -> None:
    snap = depth_from_ws("futures/depthIncrease20", data("ws_public/depthIncrease20_snapshot_doc.json"), contracts)
    update = depth_from_ws("futures/depthIncrease20", data("ws_public/depthIncrease20_update_doc.json"), contracts)
    assert snap.snapshot and not update.snapshot and (snap.version, update.version) == (980361, 980362)
    book = L2Book()
    book.apply_snapshot(snap.bids, snap.asks, snap.version, snap.timestamp_ms)
    assert book.apply_update(update.bids, update.asks, update.version, update.timestamp_ms) is SeqResult.APPLIED
    view = book.view(BTC, None, 5)
    # 1335 contracts at 70391.2 removed ("0"), 11435 contracts of 0.001 BTC added at 70353.4
    assert view.bids == ((D("70353.4"), D("11.435")),)
    assert view.asks == ((D("70391.6"), D("3.55")), (D("70395.3"), D("0.341")), (D("70395.4"), D("0.323")))
    assert book.apply_update(update.bids, update.asks, update.version, 0) is SeqResult.STALE  # version <= local


def test_depth_all_is_a_snapshot_versioned_by_time(contracts: Contracts) -> None:
    depth = depth_from_ws("futures/depthAll20", data("ws_public/depthAll20_doc.json"), contracts)
    assert depth.snapshot and depth.version == 1730399750402
    assert depth.bids == [("70293.9", "1.856")] and depth.asks == [("70294.4", "0.455")]  # exact strings: the book's fast path


@pytest.mark.parametrize("level", [{"price": "1", "vol": "1.5"}, {"price": "1", "vol": "-1"}, {"price": 1, "vol": "1"},
                                   ["1"], "1,1"])
def test_bad_depth_level_is_a_parse_error(contracts: Contracts, level: object) -> None:
    item = {"symbol": "BTCUSDT", "type": "update", "version": 2, "bids": [level], "asks": []}
    with pytest.raises(ParseError):
        depth_from_ws("futures/depthIncrease50", item, contracts)


@given(st.integers(0, 10**15), st.integers(0, 9), st.sampled_from(["1", "1.0", "1.00"]))
def test_ws_depth_sizes_are_exact_base_strings_the_book_stores_as_they_stand(vol: int, k: int, one: str) -> None:
    """Where the contract size is 10**-k (however written), a size sent as digits becomes the base size as a plain
    decimal string, the very value contracts x size: the book's C loop stores such a level without the exact
    Python path (before, sizes reached the book as Decimals, which only the Python path takes); other contract sizes:
    tests/connector/perp/test_depth_sizes.py."""
    size = str(D(one).scaleb(-k))
    listing = Contracts(contracts_of(size))
    item = {"symbol": "XUSDT", "type": "update", "version": 2, "bids": [{"price": "5.5", "vol": str(vol)}], "asks": []}
    (price, base_size), = depth_from_ws("futures/depthIncrease50", item, listing).bids
    assert base_size.__class__ is str and D(base_size) == vol * D(size)
    assert D(base_size) == 0 if vol == 0 else not base_size.startswith("0") or base_size.startswith("0.")
    if vol:  # a zero is a removal: the exact path takes it
        store = pytest.importorskip("host_spec._levels").store
        side = {"5.5": "1"}
        assert store(side, [(price, base_size)], 0) == 1 and side["5.5"] == base_size


def contracts_of(size: str) -> list[Contract]:
    return list(contracts_from_details({"symbols": [details_row("XUSDT", "X", size)]}))


def test_rest_depth_is_a_view_in_base_units(contracts: Contracts) -> None:
    view = book_from_rest(data("rest_public/depth_live_ccxt_2023-09.json"), contracts)
    assert view.pair == BTC and view.sequence == view.timestamp_ms == 1695264383999
    assert view.best_bid == (D("26938.2"), D("0.02")) and view.best_ask == (D("26938.3"), D("3.499"))
    assert [p for p, _ in view.bids] == sorted((p for p, _ in view.bids), reverse=True)


def test_ws_trades_all_elements_oldest_first_in_base_units(contracts: Contracts) -> None:
    push = load("ws_public/trade_live_ccxt_2023-12.json")["data"]
    newer = dict(push[0], trade_id=6798697638, m=False, way=5, created_at="2023-12-03T15:48:24.000000001Z")
    trades = trades_from_ws([newer, *push], contracts)  # the venue sends newest first
    assert [t.trade_id for t in trades] == ["6798697637", "6798697638"]
    first = trades[0]
    assert (first.price, first.amount, first.taker_side) == (D("39735.8"), D("0.002"), Side.SELL)
    assert first.timestamp_ms == 1701618503517
    assert trades[1].taker_side is Side.BUY


def test_string_trade_id_and_other_contract_size(contracts: Contracts) -> None:
    (trade,) = trades_from_ws([load("ws_public/trade_element_live_ccxt_2025-02.json")], contracts)
    assert trade.trade_id == "3000000245258661" and trade.pair == TradingPair("ETH", "USDT")
    assert trade.amount == D("18.58")  # 1858 contracts of 0.01 ETH


def test_m_decides_the_taker_side_over_way(contracts: Contracts) -> None:
    (doc,) = trades_from_ws(data("ws_public/trade_doc.json"), contracts)  # m true, no way (doc)
    assert doc.taker_side is Side.SELL and doc.amount == D("1.445")
    element = load("ws_public/trade_live_ccxt_2023-12.json")["data"][0] | {"m": False}
    assert trades_from_ws([element], contracts)[0].taker_side is Side.BUY  # way 1 alone would say sell


def test_trade_without_m_falls_back_to_way(contracts: Contracts) -> None:
    base = {"trade_id": 1, "symbol": "BTCUSDT", "deal_price": "1", "deal_vol": "1", "created_at": "2025-01-01T00:00:00Z"}
    sides = [trades_from_ws([dict(base, way=way)], contracts)[0].taker_side for way in range(1, 9)]
    assert sides == [Side.SELL] * 4 + [Side.BUY] * 4
    with pytest.raises(ParseError, match="no taker side"):
        trades_from_ws([base], contracts)


def test_rest_market_trades_are_base_coin_and_seconds(contracts: Contracts) -> None:
    trades = trades_from_rest(data("rest_public/market_trade_doc.json"), contracts)
    assert [t.timestamp_ms for t in trades] == [1750347972000, 1750347973000]
    assert trades[1].amount == D("0.037")  # qty is already base coin here, not contracts
    assert trades[1].taker_side is Side.SELL  # is_buyer_maker


def test_ticker_has_mark_index_and_base_volume(contracts: Contracts) -> None:
    tick = ticker_from_ws(data("ws_public/ticker_symbol_live_ccxt_eth_2025.json"), contracts, now_ms=5)
    assert (tick.mark_price, tick.index_price) == (D("2807.5"), D("2808.71047619"))
    assert tick.ticker.volume_24h == D("22270119.52") and tick.ticker.timestamp_ms == 5
    assert (tick.ticker.best_bid, tick.ticker.best_ask, tick.ticker.last) == (D("2807.28"), D("2808.04"), D("2807.73"))


def test_pre_2025_ticker_reads_fair_price() -> None:
    from .helpers import listing

    old = {"symbol": "BTCUSDT", "last_price": "1", "volume_24": "2", "fair_price": "1.5"}
    tick = ticker_from_ws(old, listing())
    assert tick.mark_price == D("1.5") and tick.index_price is None


def test_routing_strips_speed_and_skips_acks() -> None:
    assert split_group("futures/ticker:AXONUSDT@100ms") == ("futures/ticker", "AXONUSDT")
    assert split_group("futures/order") == ("futures/order", "")
    push = route(load("ws_public/depthIncrease50_hbtest.json"))
    assert push is not None and (push.channel, push.filter) == ("futures/depthIncrease50", "BTCUSDT")
    assert route(load("ws_public/ack_subscribe_doc.json")) is None
    assert route(load("ws_public/pong_shape_jkorf.json")) is None
    with pytest.raises(ParseError):
        route({"data": {}})
    assert topic("futures/depthIncrease50", "BTCUSDT", "200ms") == "futures/depthIncrease50:BTCUSDT@200ms"


def test_subscribe_messages_fit_the_args_limit() -> None:
    names = [topic("futures/depthIncrease50", f"COIN{i}USDT") for i in range(300)]
    messages = subscribe_messages(names + names[:5])
    assert [a for m in messages for a in m["args"]] == names
    assert len(messages) > 1 and all(len(",".join(f'"{a}"' for a in m["args"])) <= 4096 for m in messages)
