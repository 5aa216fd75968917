"""Incremental views (host_spec/book_top.py): every view equals the top computed from scratch, and never changes.

The book keeps each side's best n levels as updates land once views are read; these tests drive it with
random update sequences (every spelling, zeros, tombstones, new prices pushing levels out, removals that
pull deeper levels in, invalid frames, gaps, snapshots, reads at random depths and intervals) through the
C and the Python loops, and compare each view with a sorted dict model.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from host_spec import BookDataError, L2Book, OrderBookView, SeqResult, TradingPair
from host_spec import orderbook

PAIR = TradingPair("BTC", "USDT")
D = Decimal


pytestmark = pytest.mark.usefixtures("book_loops")  # every test here through the C loop and the Python loop (conftest)


def _ladder(prices: range, size: str = "1") -> list[list[str]]:
    return [[str(p), size] for p in prices]


def test_a_side_whose_top_did_not_change_is_the_same_tuple() -> None:
    book = L2Book()
    book.apply_snapshot(_ladder(range(100, 90, -1)), _ladder(range(101, 111)), 1)
    first = book.view(PAIR, None, 3)
    book.apply_update([["95", "7"]], [], 2)  # below the top 3 bids: nothing a 3-level view shows
    second = book.view(PAIR, None, 3)
    assert second.bids is first.bids and second.asks is first.asks and second.sequence == 2
    book.apply_update([["99", "7"]], [], 3)
    third = book.view(PAIR, None, 3)
    assert third.bids == ((D(100), D(1)), (D(99), D(7)), (D(98), D(1))) and third.asks is first.asks
    assert third.bids[0] is second.bids[0]  # an unchanged level is shared, not rebuilt
    assert first.bids == ((D(100), D(1)), (D(99), D(1)), (D(98), D(1)))  # handed-out views stay as they were


def test_removals_pull_deeper_levels_in_and_new_prices_push_out() -> None:
    book = L2Book()
    book.apply_snapshot(_ladder(range(100, 90, -1)), [], 1)
    assert [p for p, _ in book.view(PAIR, None, 3).bids] == [D(100), D(99), D(98)]
    book.apply_update([["99", "0"], ["98.0", "0E-3"], ["97", "0"]], [], 2)  # fast-path tombstones, one re-spelled
    assert [p for p, _ in book.view(PAIR, None, 3).bids] == [D(100), D(96), D(95)]
    book.apply_update([["100.5", "2"], ["96", "0"], ["95", "0"], ["94", "0"]], [], 3)  # 94 is deeper than the top
    assert book.view(PAIR, None, 3).bids == ((D("100.5"), D(2)), (D(100), D(1)), (D(93), D(1)))
    book.apply_update([["97", "5"]], [], 4)  # a price the top dropped comes back on the exact path
    assert book.view(PAIR, None, 3).bids == ((D("100.5"), D(2)), (D(100), D(1)), (D(97), D(5)))
    assert book.depth_counts() == (6, 0)


def test_a_side_shorter_than_the_view_takes_every_new_level() -> None:
    book = L2Book()
    book.apply_snapshot([["10", "1"]], [["20", "1"]], 1)
    assert book.view(PAIR, None, 5).asks == ((D(20), D(1)),)
    book.apply_update([], [["20", "0"]], 2)
    assert book.view(PAIR, None, 5).asks == ()
    book.apply_update([], [["20", "2"], ["30", "1"], ["25", "1"]], 3)  # 20 was dropped from the side: a new price
    assert book.view(PAIR, None, 5).asks == ((D(20), D(2)), (D(25), D(1)), (D(30), D(1)))
    assert book.best_ask == (D(20), D(2)) and book.best_bid == (D(10), D(1))


def test_a_tombstone_the_top_walks_past_can_come_back() -> None:
    """A removal refills the top from below; a removed (zero) level it walks past may come back on the fast path."""
    book = L2Book()
    book.apply_snapshot(_ladder(range(10, 6, -1)), _ladder(range(20, 24)), 1)
    book.view(PAIR, None, 2)
    book.apply_update([["8", "0"]], [["22", "0"]], 2)  # outside the top: tombstones
    book.apply_update([["10", "0"]], [["20", "0"]], 3)  # the top walks past them to 7 and 23
    assert book.view(PAIR, None, 2).bids == ((D(9), D(1)), (D(7), D(1)))
    assert book.view(PAIR, None, 2).asks == ((D(21), D(1)), (D(23), D(1)))
    book.apply_update([["8", "5"]], [["22", "5"]], 4)
    view = book.view(PAIR, None, 2)
    assert view.bids == ((D(9), D(1)), (D(8), D(5))) and view.asks == ((D(21), D(1)), (D(22), D(5)))


def test_a_short_side_that_fills_up_refills_after_a_removal() -> None:
    book = L2Book()
    book.apply_snapshot([["10", "1"], ["9", "1"]], [], 1)
    assert len(book.view(PAIR, None, 3).bids) == 2
    book.apply_update([["8", "1"], ["7", "1"]], [], 2)  # now 4 levels: the top of 3 is full, 7 is outside it
    assert [p for p, _ in book.view(PAIR, None, 3).bids] == [D(10), D(9), D(8)]
    book.apply_update([["10", "0"]], [], 3)
    assert [p for p, _ in book.view(PAIR, None, 3).bids] == [D(9), D(8), D(7)]


def test_the_book_stops_keeping_tops_nobody_reads() -> None:
    book = L2Book()
    book.apply_snapshot(_ladder(range(100, 80, -1)), [], 1)
    book.view(PAIR, None, 5)
    for seq in range(2, 2 + orderbook._IDLE):
        book.apply_update([[str(100 - seq), "3"]], [], seq)
    assert book._tops is not None
    book.apply_update([["70", "1"]], [], 2 + orderbook._IDLE)
    assert book._tops is None  # one update past _IDLE unread ones
    expected = [D(p) for p in range(100, 95, -1)]
    assert [p for p, _ in book.view(PAIR, None, 5).bids] == expected and book._tops is not None


def test_a_deeper_view_rebuilds_and_a_shallower_one_is_a_slice() -> None:
    book = L2Book()
    book.apply_snapshot(_ladder(range(100, 80, -1)), _ladder(range(101, 121)), 1)
    assert len(book.view(PAIR, None, 3).bids) == 3
    deep = book.view(PAIR, None, 10)
    assert [p for p, _ in deep.bids] == [D(p) for p in range(100, 90, -1)]
    book.apply_update([["95", "0"]], [["105", "9"]], 2)
    shallow = book.view(PAIR, None, 2)
    assert shallow.asks == ((D(101), D(1)), (D(102), D(1)))
    assert [p for p, _ in book.view(PAIR, None, 10).bids] == [D(p) for p in (100, 99, 98, 97, 96, 94, 93, 92, 91, 90)]


# ---- property test: views equal the top of a dict model, whatever the updates --------------------------

# Prices with several spellings of one value (and a Decimal), so held spellings, re-spellings and the exact path all occur.
PRICE = st.sampled_from(["100", "100.0", "1E+2", "100.5", "100.50", "101", "99", "99.00", "98", "97.5", "102", "103",
                         "96", "95", "104", "105", D("100.5"), D("99")])
SIZE = st.sampled_from(["0", "0", "0.000", "0E-8", "1", "1.0", "2.5", "0.001", "7", "12.25", "1E+1", 3, 0, D("4.5"), D(0)])
LEVEL = st.tuples(PRICE, SIZE).flatmap(lambda pair: st.sampled_from([list(pair), pair]))
SIDE = st.lists(LEVEL, max_size=7).flatmap(lambda levels: st.sampled_from([levels, tuple(levels)]))
OP = st.one_of(
    st.tuples(st.just("snap"), SIDE, SIDE),
    st.tuples(st.just("next"), SIDE, SIDE),
    st.tuples(st.just("next"), SIDE, SIDE),
    st.tuples(st.just("next"), SIDE, SIDE),
    st.tuples(st.just("bad"), SIDE, SIDE),
    st.tuples(st.just("gap"), SIDE, SIDE),
)
READ = st.one_of(st.none(), st.integers(1, 6))  # None: no read after this op (so the book may stop keeping its tops)


def _model_apply(side: dict[Decimal, Decimal], levels: Any) -> None:
    for price, size in levels:
        if D(size) == 0:
            side.pop(D(price), None)
        else:
            side[D(price)] = D(size)


def _frozen(view: OrderBookView) -> tuple[Any, ...]:
    """What a view shows, in plain strings (independent of the objects it holds)."""
    return view.sequence, tuple((str(p), str(s)) for p, s in view.bids), tuple((str(p), str(s)) for p, s in view.asks)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(OP, READ), max_size=40))
def test_views_equal_the_top_of_a_model_and_never_change(steps: list[tuple[tuple[str, Any, Any], int | None]]) -> None:
    book = L2Book()
    bids: dict[Decimal, Decimal] = {}
    asks: dict[Decimal, Decimal] = {}
    seq = 0
    handed: list[tuple[OrderBookView, tuple[Any, ...]]] = []
    for (kind, b, a), depth in steps:
        if kind == "snap":
            seq += 1
            book.apply_snapshot(b, a, seq)
            bids, asks = {}, {}
            _model_apply(bids, b)
            _model_apply(asks, a)
        elif kind == "next" or kind == "bad":
            if kind == "bad":
                b = [*b, ["100", "-1"]]  # invalid: the whole frame is refused and the book drops
            result = None
            try:
                result = book.apply_update(b, a, seq + 1)
            except BookDataError:
                assert kind == "bad" and not book.synced
            if result is SeqResult.APPLIED:
                seq += 1
                _model_apply(bids, b)
                _model_apply(asks, a)
        else:
            assert book.apply_update(b, a, seq + 3) in (SeqResult.GAP, SeqResult.UNSYNCED) and not book.synced
        if depth is not None and book.synced:
            view = book.view(PAIR, None, depth)
            assert view.bids == tuple(sorted(bids.items(), reverse=True))[:depth]
            assert view.asks == tuple(sorted(asks.items()))[:depth]
            assert type(view.bids) is tuple and type(view.asks) is tuple and view.sequence == seq
            assert book.best_bid == (max(bids.items()) if bids else None)
            assert book.best_ask == (min(asks.items()) if asks else None)
            handed.append((view, _frozen(view)))
    for view, seen in handed:  # later updates changed none of the views handed out
        assert _frozen(view) == seen
    if book.synced:
        assert book.top(50) == (tuple(sorted(bids.items(), reverse=True)), tuple(sorted(asks.items())))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 39), st.sampled_from(["0", "1", "2.5", "0.00", "3"])), min_size=1, max_size=30),
       st.integers(1, 8))
def test_views_follow_a_busy_side(changes: list[tuple[int, str]], depth: int) -> None:
    """One side of 40 prices, a view after every update: tombstones past the top, refills, re-entries."""
    book = L2Book()
    book.apply_snapshot([[f"{1000 - i}", "1"] for i in range(0, 40, 2)], [], 1)
    model = {D(1000 - i): D(1) for i in range(0, 40, 2)}
    for seq, (step, size) in enumerate(changes, start=2):
        price = f"{1000 - step}"
        book.apply_update([[price, size]], [], seq)
        _model_apply(model, [[price, size]])
        assert book.view(PAIR, None, depth).bids == tuple(sorted(model.items(), reverse=True))[:depth]


def test_views_are_out_of_the_collectors_sight() -> None:
    """A view's level tuples hold Decimals only: the collector need not walk them (at 1,000 followed books the
    tracked ones were most of each young-generation pass). Tuples that hold a tracked object stay tracked."""
    import gc

    levels = pytest.importorskip("host_spec._levels")
    if gc.is_tracked(D(1)):
        pytest.skip("Decimals are tracked on this Python: their tuples must stay tracked")
    book = L2Book()
    book.apply_snapshot(_ladder(range(100, 80, -1)), _ladder(range(101, 121)), 1)
    book.view(PAIR, None, 10)  # keeps the tops from here on
    updates = [[["99", "7"]], [["99", "0"]], [["95.5", "3"]], [["100", "2.50"]]]  # resize, removal, new price, new size
    for seq, bids in enumerate(updates, start=2):
        book.apply_update(bids, [["101", str(seq)]], seq)
        view = book.view(PAIR, None, 10)
        for side in (view.bids, view.asks):
            assert not gc.is_tracked(side)
            assert not any(gc.is_tracked(row) for row in side)
    mutable = [1]
    kept = levels.frozen([(D(1), mutable), (D(2), D(3))])
    assert gc.is_tracked(kept) and gc.is_tracked(kept[0]) and not gc.is_tracked(kept[1])
    assert kept == ((D(1), [1]), (D(2), D(3)))
