"""Parsers on the payload shapes of bitmart_api.md §8.4/§8.5, and fuzzing: bad input = ParseError, never a crash."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from host_spec import Side, TradingPair
from bitmart_plugin.spot.parsing import (
    ParseError,
    decode,
    iter_items,
    parse_balance,
    parse_depth,
    parse_kline,
    parse_order,
    parse_ticker,
    parse_trade,
    to_pair,
    to_symbol,
)
from tests.connector.ws_replay import load_cassette

D = Decimal


def test_symbol_mapping() -> None:
    assert to_symbol(TradingPair("BTC", "USDT")) == "BTC_USDT"
    assert to_pair("ETH_USDT") == TradingPair("ETH", "USDT")
    for bad in ("BTCUSDT", "BTC_", "_USDT", "A_B_C", "btc-usdt"):
        with pytest.raises(ParseError):
            to_pair(bad)


def test_depth_increase_snapshot_and_update() -> None:
    snap = {"symbol": "BTC_USDT", "type": "snapshot", "version": 4, "ms_t": 1698292343610,
            "asks": [["23200", "0.69959"], ["28000.00", "0.20000"]], "bids": [["23105", "1.80114"]]}
    d = parse_depth("spot/depth/increase100", snap)
    assert d.snapshot and d.version == 4 and d.timestamp_ms == 1698292343610 and d.asks[1] == ["28000.00", "0.20000"]
    upd = dict(snap, type="update", version=5, asks=[["23200", "0.59959"]], bids=[])
    assert not parse_depth("spot/depth/increase100", upd).snapshot
    with pytest.raises(ParseError):
        parse_depth("spot/depth/increase100", dict(snap, type="weird"))
    full = parse_depth("spot/depth5", {"symbol": "ETH_USDT", "asks": [["161.96", "7.37567"]],
                                       "bids": [["161.94", "4.552355"]], "ms_t": 1542337219120})
    assert full.snapshot and full.version == 1542337219120


def test_trade_ticker_kline() -> None:
    t = parse_trade({"symbol": "ETH_USDT", "price": "162.12", "side": "buy", "size": "11.085", "s_t": 1542337219, "ms_t": 1542337219120})
    assert (t.pair, t.price, t.amount, t.taker_side, t.timestamp_ms) == (TradingPair("ETH", "USDT"), D("162.12"), D("11.085"), Side.BUY, 1542337219120)
    tk = parse_ticker({"symbol": "BTC_USDT", "last_price": "35000.00", "open_24h": "35003.03", "high_24h": "35003.04",
                       "low_24h": "35000.00", "base_volume_24h": "2.02000", "quote_volume_24h": "70700.00",
                       "fluctuation": "-0.0001", "bid_px": "35000", "bid_sz": "11", "ask_px": "36000", "ask_sz": "1.021",
                       "s_t": 1709024652, "ms_t": 1709024652967})
    assert tk.best_ask == D("36000") and tk.volume_24h == D("2.02000")
    c = parse_kline("spot/kline1m", {"symbol": "BTC_USDT", "candle": [1709025360, "162.01", "162.02", "162.03", "162.04", "336.452694"]})
    assert c.open_time_s == 1709025360 and c.close == D("162.04") and c.interval == "1m"
    with pytest.raises(ParseError):
        parse_kline("spot/kline7m", {"symbol": "BTC_USDT", "candle": [1, "1", "1", "1", "1", "1"]})


def _cassette_item(table: str) -> dict[str, object]:
    for line in load_cassette("ws_spot_user_login_ok.jsonl"):
        if isinstance(line.get("data"), dict) and line["data"].get("table") == table:
            return line["data"]["data"][0]  # type: ignore[no-any-return]
    raise AssertionError(table)


def test_order_push_all_fields() -> None:
    o = parse_order(_cassette_item("spot/user/orders"))
    assert o.order_id == "2147857398" and o.client_order_id == "order4872191" and o.side is Side.BUY
    assert o.notional is None and o.size == D("1") and o.price == D("46100")
    assert o.last_fill_price == D("46100") and o.last_fill_count == D("1") and o.last_fill_time == 1609926039226
    assert o.exec_type == "M" and o.is_maker and o.detail_id == "256348632" and o.has_fill
    assert o.deal_fee == D("10.00") and o.deal_fee_coin_name == "BMX" and o.order_state == "partially_filled"
    assert o.entrust_type == "normal" and o.state == "4" and o.order_type == "0" and o.order_mode == "spot"
    legacy = dict(_cassette_item("spot/user/orders"), order_state="", state="12", dealFee="", last_fill_count="0")
    lo = parse_order(legacy)
    assert lo.order_state == "partially_canceled" and lo.deal_fee is None and not lo.has_fill


def test_balance_push() -> None:
    rows = parse_balance(_cassette_item("spot/user/balance"))
    assert [(r.asset, r.available, r.frozen, r.event_time_ms) for r in rows] == [("BTC", D("123.22"), D("12.56"), 1693364237000)]


def test_routing() -> None:
    msg = decode(json.dumps({"table": "spot/trade", "data": [{"symbol": "A_B"}, {"symbol": "C_D"}]}))
    assert [(t, s) for t, s, _ in iter_items(msg)] == [("spot/trade", "A_B"), ("spot/trade", "C_D")]
    for bad in (b"\xff\xfe", "[1]", "nope"):
        with pytest.raises(ParseError):
            decode(bad)


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8) | st.floats(allow_nan=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(
        ["symbol", "side", "price", "size", "type", "version", "asks", "bids", "ms_t", "s_t", "candle", "order_id",
         "order_state", "state", "balance_details", "ccy", "av_bal", "fz_bal", "last_price", "filled_size"]), inner, max_size=8),
    max_leaves=20,
)
PARSERS = [
    lambda x: parse_trade(x), lambda x: parse_ticker(x), lambda x: parse_order(x), lambda x: parse_balance(x),
    lambda x: parse_depth("spot/depth/increase100", x), lambda x: parse_depth("spot/depth20", x),
    lambda x: parse_kline("spot/kline1m", x), lambda x: list(iter_items(x)),
]


@settings(max_examples=400, deadline=None)
@given(JSONISH, st.sampled_from(range(len(PARSERS))))
def test_fuzz_parsers_raise_only_parse_error(obj: object, which: int) -> None:
    if not isinstance(obj, dict):
        obj = {"data": obj}
    try:
        PARSERS[which](obj)
    except ParseError:
        pass


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=64) | st.text(max_size=64))
def test_fuzz_decode(frame: bytes | str) -> None:
    try:
        decode(frame)
    except ParseError:
        pass
