"""Perp candles wire forms on real payloads: REST kline rows, klineBin pushes (items and flat forms),
open-time flooring (C5), contract-size scaling, intervals, symbols, mark-price candles, the details lookup."""

from __future__ import annotations

import json
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest

from host_spec import Candle, InvalidPair, StreamError, TradingPair

from bitmart_plugin.candles.intervals import PERP_INTERVALS, UnsupportedInterval
from bitmart_plugin.candles.perp_klines import PERP, PERP_MARK, details_contract_size, perp_candles_feed
from bitmart_plugin.candles.ws import KlineStreams

DATA = Path(__file__).resolve().parents[1] / "data" / "bitmart_futures_payloads"  # the in-repo copy
BTC = TradingPair("BTC", "USDT")
SIZE = D("0.001")  # BTCUSDT contract size (details fixture)


def load(name: str) -> Any:
    folder = "ws_public" if name.startswith("klineBin") else "rest_public"
    return json.loads((DATA / folder / name).read_text())


def rows(name: str, interval: str, pair: TradingPair = BTC, scale: D = SIZE) -> list[Candle]:
    iv = PERP.parse_interval(interval)
    return [PERP.parse_row(r, pair, iv, scale) for r in load(name)["data"]]


# ---- REST rows ------------------------------------------------------------------------------------

def test_rest_rows_of_the_hummingbot_capture() -> None:
    got = rows("kline_hbtest_btcusdt_5m_2025-05.json", "5m")
    assert [c.open_time_s for c in got] == [1747267200, 1747267500, 1747267800, 1747268100]
    first = got[0]
    assert (first.open, first.high, first.low, first.close) == (D("103457.8"), D("103509.9"), D("103442.5"),
                                                                  D("103504.3"))
    assert first.volume == D("147.548")  # 147548 contracts x 0.001 BTC
    assert first.quote_volume == 0 and not first.closed and first.interval == "5m" and first.pair == BTC


def test_live_row_stamped_one_second_after_its_open_is_floored() -> None:
    [c] = rows("kline_live_ccxt_2022-10.json", "1m")  # keys in another order, timestamp 1665002281
    assert c.open_time_s == 1665002280
    assert (c.open, c.high, c.low, c.close, c.volume) == (D("20092.6"), D("20095.5"), D("20090.3"), D("20091.4"),
                                                          D("8.748"))


def test_doc_rows_with_the_plus_one_artefact_land_in_one_minute() -> None:
    got = rows("kline_doc.json", "1m", scale=D(1))
    assert [c.open_time_s for c in got] == [1662518160, 1662518160]  # the pager keeps one of them
    assert got[0].volume == D(941008)


@pytest.mark.parametrize("bad", [
    {"timestamp": 1662518160, "open_price": "1", "high_price": "1", "low_price": "1", "close_price": "1"},
    {"timestamp": "1662518160.5", "open_price": "1", "high_price": "1", "low_price": "1", "close_price": "1",
     "volume": "1"},
    {"timestamp": 1662518160, "open_price": "NaN", "high_price": "1", "low_price": "1", "close_price": "1",
     "volume": "1"},
    {"timestamp": 1662518160, "open_price": 1.5, "high_price": "1", "low_price": "1", "close_price": "1",
     "volume": "1"},
    {"timestamp": True, "open_price": "1", "high_price": "1", "low_price": "1", "close_price": "1", "volume": "1"},
    ["1662518160", "1", "1", "1", "1", "1"],  # a spot-shaped row
])
def test_unreadable_rows_raise_a_stream_error(bad: Any) -> None:
    with pytest.raises(StreamError, match="unreadable kline row"):
        PERP.parse_row(bad, BTC, PERP_INTERVALS["1m"], SIZE)


def test_request_parameters_are_seconds_with_inclusive_end() -> None:
    iv = PERP.parse_interval("1h")
    params = PERP.page_params("BTCUSDT", iv, 1_700_000_000, 1_700_360_000, 500)
    assert params == {"symbol": "BTCUSDT", "step": 60, "start_time": 1_700_000_000, "end_time": 1_700_359_999}


# ---- WS pushes ------------------------------------------------------------------------------------

class NullConn:
    def __init__(self, url: str, on_payload: Any, **kw: Any) -> None:
        self.kw = kw
        self.topics: list[str] = []

    def start(self) -> None:
        pass

    def subscribe(self, topics: list[str]) -> None:
        self.topics += topics


def streams_with(pair: TradingPair, interval: str, scale: D = SIZE) -> tuple[KlineStreams, Any, list[NullConn]]:
    conns: list[NullConn] = []

    def factory(*a: Any, **kw: Any) -> NullConn:
        conns.append(NullConn(*a, **kw))
        return conns[-1]

    streams = KlineStreams("ws://x/futures/api", market=PERP, connection_factory=factory)
    symbol = PERP.symbol(pair)
    sub = streams.subscribe(symbol, PERP.parse_interval(interval), pair=pair, scale=scale)
    return streams, sub, conns


def drain(sub: Any) -> list[Any]:
    out = []
    while not sub._queue.empty():
        out.append(sub._queue.get_nowait())
    return out


def test_push_items_form_live_capture() -> None:
    streams, sub, conns = streams_with(BTC, "1m")
    assert conns[0].topics == ["futures/klineBin1m:BTCUSDT"]
    assert conns[0].kw["action_key"] == "action"  # the futures subscribe dialect
    streams.on_payload(json.dumps(load("klineBin1m_live_ccxt_2023-12.json")))  # a text frame
    [c] = drain(sub)
    assert c.open_time_s == 1701617760  # ts 1701617761 floored (C5)
    assert (c.open, c.high, c.low, c.close) == (D("39635.8"), D("39636"), D("39614.4"), D("39629.7"))
    assert c.volume == D("31.852") and c.interval == "1m" and c.pair == BTC  # 31852 contracts


def test_push_flat_doc_form_and_binary_frame() -> None:
    streams, sub, _ = streams_with(BTC, "1m", scale=D(1))
    streams.on_payload(json.dumps(load("klineBin1m_doc_flat.json")).encode())
    [c] = drain(sub)
    assert (c.open_time_s, c.close, c.volume) == (1700533800, D("146.24"), D(146))


def test_push_hourly_jkorf_and_aligned_2025_pushes() -> None:
    eth = TradingPair("ETH", "USDT")
    streams, sub, _ = streams_with(eth, "1h", scale=D("0.01"))
    streams.on_payload(json.dumps(load("klineBin1H_jkorf.json")))
    [c] = drain(sub)
    assert c.open_time_s == 1721030400 and c.pair == eth and c.volume == D("1591991.76")
    wld = TradingPair("WLD", "USDT")
    streams, sub, _ = streams_with(wld, "5m", scale=D(1))
    for msg in load("klineBin5m_live_hbtest_wld_2025-05.json"):
        streams.on_payload(json.dumps(msg))
    assert [(c.open_time_s, c.open) for c in drain(sub)] == [(1747425900, D("1.1517")), (1747426200, D("1.157"))]


def test_acks_pongs_other_symbols_and_bad_items() -> None:
    streams, sub, _ = streams_with(BTC, "1m")
    topic = "futures/klineBin1m:BTCUSDT"
    streams.on_payload(json.dumps({"action": "subscribe", "group": topic, "success": True,
                                   "request": {"action": "subscribe", "args": [topic]}}))
    streams.on_payload('{"group":"System","data":"pong"}')
    streams.on_payload(json.dumps({"group": "futures/klineBin1m:ETHUSDT",
                                   "data": {"symbol": "ETHUSDT", "items": [{"o": "1", "h": "1", "l": "1", "c": "1",
                                                                           "v": "1", "ts": 1}]}}))
    streams.on_payload(json.dumps({"group": "futures/trade:BTCUSDT", "data": [{"deal_price": "1"}]}))
    assert drain(sub) == [] and streams.bad_frames == 0
    streams.on_payload(json.dumps({"group": topic, "data": {"symbol": "BTCUSDT", "items": [{"o": "1", "ts": 1}]}}))
    assert drain(sub) == [] and streams.bad_frames == 1


def test_a_refused_subscription_reaches_its_consumer() -> None:
    streams, sub, _ = streams_with(BTC, "1m")
    topic = "futures/klineBin1m:BTCUSDT"
    streams.on_payload(json.dumps({"action": "subscribe", "group": topic, "success": False,
                                   "request": {"action": "subscribe", "args": [topic]},
                                   "error": f"group [{topic}] not exist"}))
    [err] = drain(sub)
    assert isinstance(err, StreamError) and "not exist" in str(err) and err.connector == "bitmart_perpetual"


# ---- intervals, symbols, mark price ---------------------------------------------------------------

def test_perp_interval_table() -> None:
    assert [(i.name, i.step, i.ws) for i in PERP_INTERVALS.values()] == [
        ("1m", 1, "1m"), ("3m", 3, None), ("5m", 5, "5m"), ("15m", 15, "15m"), ("30m", 30, "30m"),
        ("1h", 60, "1H"), ("2h", 120, "2H"), ("4h", 240, "4H"), ("6h", 360, None), ("12h", 720, None),
        ("1d", 1440, "1D"), ("3d", 4320, None), ("1w", 10080, "1W")]
    assert PERP.parse_interval("12H").name == "12h" and PERP.parse_interval("60m").name == "1h"
    with pytest.raises(UnsupportedInterval, match="USDT-M perpetual offers 1m, 3m") as info:
        PERP.parse_interval("1M")  # months are spot only
    assert info.value.connector == "bitmart_perpetual"
    assert PERP.topic("BTCUSDT", PERP_INTERVALS["3m"]) is None  # followed by polling REST
    assert PERP.topic("BTCUSDT", PERP_INTERVALS["1d"]) == "futures/klineBin1D:BTCUSDT"


def test_symbols() -> None:
    assert PERP.symbol(TradingPair("BTC", "USDT")) == "BTCUSDT"
    with pytest.raises(InvalidPair, match="quoted in USDT"):
        PERP.symbol(TradingPair("BTC", "USDC"))


def test_mark_price_market() -> None:
    assert PERP_MARK.rest_path == "/contract/public/markprice-kline" and not PERP_MARK.contracts
    assert PERP_MARK.topic("BTCUSDT", PERP_INTERVALS["5m"]) == "futures/markPriceKlineBin5m:BTCUSDT"
    push = {"group": "futures/markPriceKlineBin5m:BTCUSDT",
            "data": {"symbol": "BTCUSDT", "items": [{"o": "1", "h": "2", "l": "1", "c": "2", "v": "0", "ts": 300}]}}
    assert PERP_MARK.pushes(push)[0][0] == "futures/markPriceKlineBin5m:BTCUSDT"
    assert PERP.pushes(push) == []  # trade klines never take mark pushes


class FakeRest:
    def __init__(self, answer: Any) -> None:
        self.answer = answer
        self.calls: list[tuple[str, str, dict[str, Any]]] = []

    async def request(self, path: str, method: str, params: dict[str, Any], *, what: str = "") -> Any:
        self.calls.append((path, method, params))
        return self.answer


async def test_contract_size_from_the_details_endpoint() -> None:
    rest = FakeRest(load("details_live_ccxt_2024-09.json")["data"])
    size = details_contract_size(rest)
    assert await size(BTC) == D("0.001")
    assert rest.calls == [("/contract/public/details", "GET", {"symbol": "BTCUSDT"})]
    with pytest.raises(InvalidPair):
        await details_contract_size(FakeRest({"symbols": []}))(BTC)
    broken = load("details_live_ccxt_2024-09.json")["data"]
    broken["symbols"][0]["contract_size"] = "0"
    with pytest.raises(StreamError, match="BTCUSDT: contract_size"):
        await details_contract_size(FakeRest(broken))(BTC)


def test_constructor_needs_a_way_to_scale_volumes() -> None:
    with pytest.raises(ValueError, match="contract_size"):
        perp_candles_feed(fetch=lambda p: None)
    feed = perp_candles_feed(fetch=lambda p: None, mark=True)
    assert feed.market is PERP_MARK
