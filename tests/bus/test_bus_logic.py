"""Pure logic of the bus: the wire format, the reader's sequencing rules, names, shards and message ids."""

from __future__ import annotations

from decimal import Decimal

import msgpack
import pytest
from hypothesis import given
from hypothesis import strategies as st

from host_spec import ConfigError, OrderBookView, PublicTrade, Side, TradingPair, TradingRule
from host_spec.bus import names, schema
from host_spec.bus.follow import BookFollower, Step
from host_spec.bus.publisher import _TradeIds

BTC = TradingPair("BTC", "USDT")
D = Decimal


def view(seq: int, bids: dict[str, str], asks: dict[str, str], depth: int = 5) -> OrderBookView:
    b = sorted(((D(p), D(s)) for p, s in bids.items()), reverse=True)[:depth]
    a = sorted((D(p), D(s)) for p, s in asks.items())[:depth]
    return OrderBookView(BTC, 1000 + seq, seq, tuple(b), tuple(a))


def started(first: OrderBookView) -> BookFollower:
    follower = BookFollower(BTC)
    assert follower.offer(schema.decode_book(schema.encode_snapshot(first))) is Step.APPLIED
    return follower


def same(a: OrderBookView, b: OrderBookView) -> bool:
    return (a.sequence, a.timestamp_ms, a.bids, a.asks) == (b.sequence, b.timestamp_ms, b.bids, b.asks)


_sizes = st.sampled_from(["0.5", "1", "2.25", "10"])
_book = st.dictionaries(st.integers(1, 30).map(str), _sizes, max_size=12)


@given(_book, _book, _book, _book, st.integers(1, 5))
def test_a_diff_turns_the_old_view_into_the_new_one(ob: dict[str, str], oa: dict[str, str], nb: dict[str, str],
                                                   na: dict[str, str], step: int) -> None:
    asks_old = {str(int(p) + 100): s for p, s in oa.items()}
    asks_new = {str(int(p) + 100): s for p, s in na.items()}
    old, new = view(7, ob, asks_old), view(7 + step, nb, asks_new)
    follower = started(old)
    assert follower.offer(schema.decode_book(schema.encode_diff(old, new))) is Step.APPLIED
    assert same(follower.view(5), new)


def test_sequencing_rules() -> None:
    a = view(10, {"100": "1"}, {"101": "1"})
    b = view(11, {"100": "2"}, {"101": "1"})
    c = view(14, {"99": "1"}, {"101": "1"})
    follower = started(a)
    diff = lambda x, y: schema.decode_book(schema.encode_diff(x, y))  # noqa: E731
    assert follower.offer(diff(a, b)) is Step.APPLIED
    assert follower.offer(diff(a, b)) is Step.DROPPED  # a repeat
    assert follower.offer(diff(a, c)) is Step.DROPPED  # another publisher's path from 10 to 14: wait for the next
    assert follower.offer(diff(b, c)) is Step.APPLIED and follower.sequence == 14  # a diff may span sequences
    d = view(20, {"98": "1"}, {"101": "1"})
    e = view(21, {"98": "1"}, {"102": "1"})
    assert follower.offer(diff(d, e)) is Step.RESYNC  # 15..20 were missed
    assert follower.offer(schema.decode_book(schema.encode_snapshot(view(13, {}, {})))) is Step.DROPPED  # older whole book
    assert follower.offer(schema.decode_book(schema.encode_snapshot(e))) is Step.APPLIED and same(follower.view(5), e)


def test_invalid_levels_leave_the_book_unsynced_never_half_applied() -> None:
    a = view(10, {"100": "1"}, {"101": "1"})
    follower = started(a)
    bad = schema.decode_book(msgpack.packb([1, "d", 11, 10, 0, [["100", "3"], ["x", "1"]], []]))
    assert follower.offer(bad) is Step.BAD and follower.sequence is None
    entry = schema.decode_entry(schema.encode_entry(a, 5, 5))
    assert follower.load(entry) and same(follower.view(5), a)
    assert follower.offer(schema.decode_book(msgpack.packb([1, "d", 11, 10, 0, [], []]))) is Step.APPLIED


def test_a_snapshot_entry_older_than_the_book_is_not_adopted() -> None:
    follower = started(view(10, {"100": "1"}, {}))
    assert follower.load(schema.decode_entry(schema.encode_entry(view(8, {"50": "1"}, {}), 3, 5)))
    assert follower.sequence == 10 and follower.view(5).bids == ((D(100), D(1)),)


@pytest.mark.parametrize("payload", [
    b"", b"\xc1", msgpack.packb(None), msgpack.packb([]), msgpack.packb({"a": 1}),
    msgpack.packb([2, "s", 1, None, 0, [], []]), msgpack.packb([True, "s", 1, None, 0, [], []]),
    msgpack.packb([1, "", 1, None, 0, [], []]), msgpack.packb([1, "k", 1, 1, 0, [], [], 5]),
    msgpack.packb([1, "d", 2, None, 0, [], []]), msgpack.packb([1, "d", -2, 1, 0, [], []]),
    msgpack.packb([1, "d", 2, 1, 0.5, [], []]), msgpack.packb([1, "s", 1, None, 0, {}, []]),
    msgpack.packb([1, "s", 1, None, 0, [], []]) + b"\x00",
])
def test_bad_book_messages_raise_bad_message(payload: bytes) -> None:
    with pytest.raises(schema.BadMessage):
        schema.decode_book(payload)


def test_trades_and_rules_round_trip_and_reject_nonsense() -> None:
    trade = PublicTrade(BTC, D("30000.50"), D("0.001"), Side.SELL, 1_700_000_000_123, "1700000000")
    assert schema.decode_trade(schema.encode_trade(trade), BTC) == trade
    for bad in ([1, "t", "1", "0", "BUY", 0, ""], [1, "t", "NaN", "1", "BUY", 0, ""], [1, "t", "1", "1", "HOLD", 0, ""],
                [1, "t", "1", "1", "BUY", 0, 7], [1, "t", 1, "1", "BUY", 0, ""]):
        with pytest.raises(schema.BadMessage):
            schema.decode_trade(msgpack.packb(bad), BTC)
    rules = [TradingRule(BTC, D("0.01"), D("0.00001"), D("0.00001"), D("100"), D("5"), D("5")),
             TradingRule(TradingPair("ETH", "USDT"), D("0.1"), D("0.001"), D("0.001"), trading_enabled=False, status="halt",
                         contract_size=D("0.01"))]
    assert list(schema.decode_rules(schema.encode_rules(rules)).values()) == rules
    with pytest.raises(schema.BadMessage):
        schema.decode_rules(msgpack.packb([1, "r", [{"pair": "BTC-USDT", "price_increment": "-1"}]]))
    with pytest.raises(schema.BadMessage):
        schema.decode_rules(msgpack.packb([1, "r", [{"pair": "BTC-USDT", "trading_enabled": "yes"}]]))


def test_names_shards_and_ids() -> None:
    assert names.book_subject("bitmart", BTC) == "hs.bitmart.book.BTC-USDT"
    assert names.trades_subject("bitmart", BTC) == "hs.bitmart.trades.BTC-USDT"
    assert (names.stream_name("bitmart"), names.bucket_name("bitmart")) == ("HS_BITMART", "hs_bitmart")
    # CRC-32 of "BTC-USDT" is 0x03a734bf; the shard must not change between versions or machines
    assert [names.shard_of(BTC, n) for n in (1, 2, 4, 7)] == [0x03A734BF % n for n in (1, 2, 4, 7)]
    pairs = [TradingPair(f"C{i}", "USDT") for i in range(400)]
    counts = [sum(names.shard_of(p, 4) == i for p in pairs) for i in range(4)]
    assert min(counts) > 60, counts
    assert names.parse_shard("3/4") == (3, 4)
    for text in ("4/4", "-1/2", "1", "a/b", "0/0"):
        with pytest.raises(ValueError, match="I/N"):
            names.parse_shard(text)
    assert names.book_msg_id("bitmart", BTC, 10, 11) != names.book_msg_id("bitmart", BTC, 9, 11)
    with pytest.raises(ConfigError):
        names.stream_name("bit.mart")


def test_the_nats_url_comes_from_the_option_then_the_environment() -> None:
    env = {names.NATS_URL_ENV: "nats://env:4222"}
    assert names.nats_url({"nats_url": "nats://opt:4222"}, env) == "nats://opt:4222"
    assert names.nats_url({}, env) == "nats://env:4222"
    assert names.nats_url({}, {}) == names.DEFAULT_NATS_URL
    with pytest.raises(ConfigError, match="nats://"):
        names.nats_url({"nats_url": "localhost:4222"}, {})
    with pytest.raises(ConfigError, match="bus_wait_s"):
        names.wait_seconds({"bus_wait_s": "soon"})


def test_identical_trades_get_distinct_ids_that_two_publishers_agree_on() -> None:
    trade = PublicTrade(BTC, D("1"), D("2"), Side.BUY, 5, "0")
    one, two = _TradeIds(), _TradeIds()
    ids = [names.trade_msg_id("bitmart", BTC, *one.next(trade)) for _ in range(3)]
    assert len(set(ids)) == 3
    assert ids == [names.trade_msg_id("bitmart", BTC, *two.next(trade)) for _ in range(3)]
