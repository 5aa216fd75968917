"""L2Book: exact price keys, zero sizes, strict sequencing, views; property test against a dict model."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from host_spec import BookDataError, L2Book, SeqResult, TradingPair, check_sequence

PAIR = TradingPair("BTC", "USDT")
D = Decimal


pytestmark = pytest.mark.usefixtures("book_loops")  # every test here through the C loop and the Python loop (conftest)


def test_price_spellings_are_one_level() -> None:
    book = L2Book()
    book.apply_snapshot([["30000", "1"]], [["30001", "2"]], 1)
    assert book.apply_update([["30000.00", "1.5"]], [], 2) is SeqResult.APPLIED
    assert book.apply_update([["3E+4", "2.5"]], [], 3) is SeqResult.APPLIED
    assert book.top(5)[0] == ((D("30000"), D("2.5")),)
    assert str(book.best_bid[0]) == "30000"  # type: ignore[index]


@pytest.mark.parametrize("zero", ["0", "0.000", "0E-8", "0.0e5", "00"])
def test_zero_size_in_any_spelling_removes(zero: str) -> None:
    book = L2Book()
    book.apply_snapshot([["100.5", "1"], ["100", "1"]], [], 1)
    book.apply_update([["100.50", zero]], [], 2)
    assert book.top(10)[0] == ((D("100"), D("1")),)
    assert book.depth_counts() == (1, 0)


def test_sequencing_outcomes() -> None:
    book = L2Book()
    assert book.apply_update([["1", "1"]], [], 1) is SeqResult.UNSYNCED
    book.apply_snapshot([["1", "1"]], [["2", "1"]], 10)
    assert book.apply_update([], [["2", "3"]], 11) is SeqResult.APPLIED
    assert book.apply_update([], [["2", "4"]], 11) is SeqResult.STALE
    assert book.apply_update([], [], 11) is SeqResult.HEARTBEAT
    assert book.apply_update([], [["2", "4"]], 9) is SeqResult.STALE
    assert book.best_ask == (D("2"), D("3"))
    assert book.apply_update([], [["2", "5"]], 13) is SeqResult.GAP
    assert not book.synced and book.top(5) == ((), ())
    assert book.apply_update([], [["2", "5"]], 14) is SeqResult.UNSYNCED
    assert check_sequence(None, 3, True) is SeqResult.UNSYNCED
    assert check_sequence(3, 3, False) is SeqResult.HEARTBEAT


def test_top_and_view_best_first() -> None:
    book = L2Book()
    book.apply_snapshot([["99", "1"], ["101", "2"], ["100", "3"]], [["105", "1"], ["103", "1"], ["104", "2"]], 7, 1234)
    bids, asks = book.top(2)
    assert [p for p, _ in bids] == [D(101), D(100)]
    assert [p for p, _ in asks] == [D(103), D(104)]
    view = book.view(PAIR, depth=2)
    assert view.sequence == 7 and view.timestamp_ms == 1234 and view.best_bid == (D(101), D(2))
    assert book.top(0) == ((), ())


BAD_SIZES: list[object] = [1.5, 0.0, True, False, None, "", ".", "NaN", "nan", "Infinity", "inf", "-1", "-0", "-0.0", "+1",
                             " 1", "1 ", "1_000", "1.2.3", "1..2", "e5", "1e", "abc", "\u0661", "\u00b2", b"1", ["1"], Decimal("NaN"),
                             Decimal("-1"), Decimal("-0"), Decimal("Infinity"), -1]
BAD_PRICES: list[object] = [*BAD_SIZES, "0", "0.000", "0E-8", 0, Decimal(0)]
HELD = ["101", "2"]  # a level the book already holds, so a frame with it would take the fast path


def _book() -> L2Book:
    book = L2Book()
    book.apply_snapshot([["100", "1"], HELD], [["102", "3"]], 7, 70)
    return book


def _rejected(book: L2Book) -> bool:
    """What a rejected frame leaves: nothing of it (nor anything else) readable, no version recorded."""
    return book.sequence is None and not book.synced and book.top(100) == ((), ()) and book.depth_counts() == (0, 0)


def _resynced(book: L2Book) -> bool:
    book.apply_snapshot([["100", "1"]], [["102", "3"]], 20)
    return book.apply_update([["100", "2"]], [], 21) is SeqResult.APPLIED and book.top(5) == (((D(100), D(2)),), ((D(102), D(3)),))


@pytest.mark.parametrize("size", BAD_SIZES, ids=repr)
def test_invalid_size_rejects_the_whole_frame(size: object) -> None:
    """10.3: validated when applied; a frame with one bad level is not applied (no version, nothing readable)."""
    for bids in ([["101", "9"], ["100", size]], [["100", size], ["101", "9"]], [["99", "4"], ["100", size]]):
        book = _book()
        with pytest.raises(BookDataError, match="size"):
            book.apply_update(bids, [["102", "8"]], 8, 80)  # type: ignore[list-item]
        assert _rejected(book) and _resynced(book)


@pytest.mark.parametrize("price", BAD_PRICES, ids=repr)
def test_invalid_price_rejects_the_whole_frame(price: object) -> None:
    book = _book()
    with pytest.raises(BookDataError, match="price"):
        book.apply_update([HELD, [price, "1"]], [], 8)  # type: ignore[list-item]
    assert _rejected(book) and _resynced(book)


class _Str(str):
    pass


def test_str_subclass_price_or_size_rejects_the_whole_frame() -> None:
    """Only exact str spellings are decimal strings, even for a price the book holds (the hot path takes no other)."""
    for level in ([_Str("101"), "9"], ["101", _Str("9")]):
        book = _book()
        with pytest.raises(BookDataError):
            book.apply_update([level], [], 8)
        assert _rejected(book) and _resynced(book)


@pytest.mark.parametrize("level", [["1"], ["1", "2", "3"], [], None, "12", 5, [["1"], "2"], {"101": 0, "2": 0}], ids=repr)
def test_malformed_level_rejects_the_whole_frame(level: object) -> None:
    for bids, asks in (([HELD], [["102", "1"], level]), ([HELD], (["102", "1"], level)), ([level], [])):
        book = _book()
        with pytest.raises(BookDataError, match="pair|level"):
            book.apply_update(bids, asks, 8)  # type: ignore[arg-type]
        assert _rejected(book)


def test_invalid_snapshot_is_not_applied() -> None:
    book = _book()
    with pytest.raises(BookDataError, match="size"):
        book.apply_snapshot([["100", "1"]], [["103", "NaN"]], 3)
    assert _rejected(book) and _resynced(book)


@pytest.mark.parametrize("size", ["1", "1.", ".5", "0.59959", "1E+2", "2.5e-3", "007", 3, Decimal("2.5"), Decimal("1E+3")], ids=repr)
def test_valid_spellings_are_applied(size: object) -> None:
    book = _book()
    assert book.apply_update([["100", size]], [], 8) is SeqResult.APPLIED  # type: ignore[list-item]
    assert book.top(5)[0][1] == (D("100"), D(size))  # type: ignore[arg-type]


@pytest.mark.parametrize("zero", [0, Decimal(0), Decimal("0E-8"), "0.", ".0"], ids=repr)
def test_zero_in_any_type_removes(zero: object) -> None:
    book = _book()
    book.apply_update([["100.0", zero]], [], 8)  # type: ignore[list-item]
    assert book.top(5)[0] == ((D("101"), D("2")),)


def test_a_synced_book_always_reads() -> None:
    """Nothing a frame can carry makes a later read of a synced book fail (conflating consumers read lazily)."""
    book = _book()
    for bad in BAD_SIZES:
        with pytest.raises(BookDataError):
            book.apply_update([HELD, ["100", bad]], [], book.sequence + 1)  # type: ignore[list-item,operator]
        assert not book.synced
        book.apply_snapshot([["100", "1"], HELD], [["102", "3"]], 7)
        assert book.apply_update([["100", "0.5"]], [], 8) is SeqResult.APPLIED
        assert book.view(PAIR).bids == ((D("101"), D("2")), (D("100"), D("0.5")))


def test_price_inserted_while_a_side_is_swept_stays_visible() -> None:
    """A new price that arrives when the side is swept of tombstones is kept (it used to vanish from views)."""
    book = L2Book()
    book.apply_snapshot([[str(p), "1"] for p in range(100, 160)], [], 1)
    seq = 1
    for p in range(100, 104):  # tombstones on the fast path
        seq += 1
        book.apply_update([[str(p), "0"]], [], seq)
    model = {D(p): D(1) for p in range(104, 160)}
    for p in range(200, 240):
        seq += 1
        book.apply_update([[str(p), "1"]], [], seq)
        model[D(p)] = D(1)
    assert dict(book.top(1000)[0]) == model  # no read until here: reads drop tombstones and hide the bug
    for p in range(200, 240):  # removing them removes exactly them
        seq += 1
        book.apply_update([[f"{p}.0", "0"]], [], seq)
        del model[D(p)]
    assert dict(book.top(1000)[0]) == model


# ---- property test: the book equals a reference model that follows the rules ----------------------

PRICES = st.sampled_from(["100", "100.0", "1E+2", "100.5", "100.50", "101", "99.99", "0.1", "0.10", "250"])
SIZES = st.sampled_from(["0", "0.000", "0E-8", "1", "1.0", "2.5", "0.001", "7"])
LEVELS = st.lists(st.tuples(PRICES, SIZES).map(list), max_size=6)
OP = st.one_of(
    st.tuples(st.just("snap"), LEVELS, LEVELS, st.integers(0, 50)),
    st.tuples(st.just("next"), LEVELS, LEVELS, st.just(0)),
    st.tuples(st.just("dup"), LEVELS, LEVELS, st.just(0)),
    st.tuples(st.just("beat"), st.just([]), st.just([]), st.just(0)),
    st.tuples(st.just("gap"), LEVELS, LEVELS, st.integers(2, 5)),
    st.tuples(st.just("old"), LEVELS, LEVELS, st.integers(1, 5)),
)


def _model_apply(side: dict[Decimal, Decimal], levels: list[list[str]]) -> None:
    for price, size in levels:
        if Decimal(size) == 0:
            side.pop(Decimal(price), None)
        else:
            side[Decimal(price)] = Decimal(size)


@settings(max_examples=300, deadline=None)
@given(st.lists(OP, max_size=40))
def test_book_matches_reference_model(ops: list[tuple[str, list[list[str]], list[list[str]], int]]) -> None:
    book = L2Book()
    bids: dict[Decimal, Decimal] = {}
    asks: dict[Decimal, Decimal] = {}
    last: int | None = None
    for kind, b, a, n in ops:
        if kind == "snap":
            book.apply_snapshot(b, a, n)
            bids, asks, last = {}, {}, n
            _model_apply(bids, b)
            _model_apply(asks, a)
            continue
        seq = {"next": 1, "dup": 0, "beat": 0, "gap": n, "old": -n}[kind] + (last if last is not None else 0)
        result = book.apply_update(b, a, seq)
        expected = check_sequence(last, seq, bool(b or a))
        assert result is expected
        if expected is SeqResult.APPLIED:
            _model_apply(bids, b)
            _model_apply(asks, a)
            last = seq
        elif expected is SeqResult.GAP:
            bids, asks, last = {}, {}, None
        got_bids, got_asks = book.top(1000)
        assert got_bids == tuple(sorted(bids.items(), reverse=True))
        assert got_asks == tuple(sorted(asks.items()))
        assert book.sequence == last


def test_tombstones_are_skipped_and_swept() -> None:
    """Zero sizes stored on a held spelling are invisible when read and swept as a side churns."""
    book = L2Book()
    book.apply_snapshot([[str(p), "1"] for p in range(100, 110)], [], 1)
    model = {D(p): D(1) for p in range(100, 110)}
    seq = 1
    for i in range(2000):  # replace levels: old price -> "0.00", a new price appears
        old, new = 100 + i, 110 + i
        seq += 1
        assert book.apply_update([[str(old), "0.00"], [f"{new}.0", "2"]], [], seq) is SeqResult.APPLIED
        del model[D(old)]
        model[D(new)] = D(2)
        if i % 97 == 0:
            assert book.top(1000)[0] == tuple(sorted(model.items(), reverse=True))
    assert book.best_bid == max(model.items())
    assert book.depth_counts() == (10, 0)
    assert len(book._bid_px) <= 200  # bounded despite 2000 removals on the fast path


@settings(max_examples=400, deadline=None)
@given(st.from_regex(r"0{0,3}[0-9]{0,10}(\.[0-9]{0,10}0{0,3})?", fullmatch=True))
def test_plain_price_spellings_read_back_canonical(raw: str) -> None:
    """A plain-digits price is read back as its canonical Decimal, exactly (str included: 100.50 -> 100.5,
    100.0 -> 100, never 1E+2), as the general normalize-then-quantize rule makes it; zero is refused."""
    from decimal import Context

    try:
        value = Decimal(raw)
    except ArithmeticError:
        value = None
    book = L2Book()
    if value is None or not value:
        with pytest.raises(BookDataError):
            book.apply_snapshot([[raw, "1"]], [], 1)
        return
    canonical = value.normalize(Context(prec=999))
    if canonical.as_tuple().exponent > 0:  # type: ignore[operator]
        canonical = canonical.quantize(Decimal(1), context=Context(prec=999))
    book.apply_snapshot([[raw, "1"]], [["1E+9", "1"]], 1)
    ((price, size),), _ = book.top(1)
    assert str(price) == str(canonical) and size == 1
