"""Perp depth sizes: contracts x contract size as exact plain decimal strings, so the book stores them on its fast path."""

from __future__ import annotations

from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from host_spec import L2Book, SeqResult, TradingPair
from host_spec import orderbook

from bitmart_plugin.fields import ParseError
from bitmart_plugin.perp.parse_market import depth_from_ws
from bitmart_plugin.perp.symbols import Contracts
from bitmart_plugin.perp.units import base_text, scale

from .helpers import D, data

EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)
SIZES = st.builds(lambda c, e: Decimal(c).scaleb(e, EXACT), st.integers(1, 10_000), st.integers(-10, 4))
COUNTS = st.integers(0, 10**45)


def _plain(text: str) -> bool:
    """What the book's hot loop stores as it stands: ASCII digits with at most one point."""
    return type(text) is str and text.isascii() and text.replace(".", "", 1).isdigit()


@settings(max_examples=500, deadline=None)
@given(SIZES, COUNTS, st.sampled_from(["digits", "zeros", "int", "exponent"]))
def test_base_text_is_the_exact_product_as_a_plain_string(size: Decimal, count: int, spelling: str) -> None:
    wire: object = {"digits": str(count), "zeros": f"000{count}", "int": count,
                    "exponent": f"{Decimal(count).normalize(EXACT):E}"}[spelling]
    text = base_text({"vol": wire}, "vol", scale(size))
    assert _plain(text), text
    assert Decimal(text) == EXACT.multiply(Decimal(count), size)  # exact: no rounding, whatever the digits
    if size.as_tuple().exponent <= 0:  # the same places as the Decimal product (e.g. "0.000" for no contracts)
        assert Decimal(text).as_tuple() == EXACT.multiply(Decimal(count), size).as_tuple()


def test_sizes_past_28_digits_stay_exact() -> None:
    """Decimal's default context rounds at 28 digits; the string product does not (the old Decimal path gave 1000000000000000000000000000)."""
    assert base_text({"vol": "1" + "0" * 29 + "1"}, "vol", scale(D("0.001"))) == "1" + "0" * 27 + ".001"


@pytest.mark.parametrize("size, count, text", [("0.001", "1335", "1.335"), ("0.001", "0", "0.000"), ("0.001", "7", "0.007"),
                                                ("0.01", "1", "0.01"), ("1", "42", "42"), ("10", "3", "30"), ("1E+1", "0", "0"),
                                                ("0.05", "3", "0.15"), ("25", "4", "100"), ("0.0010", "3", "0.0030")])
def test_base_text_examples(size: str, count: str, text: str) -> None:
    assert base_text({"vol": count}, "vol", scale(D(size))) == text


@pytest.mark.parametrize("wire", ["1.5", "-1", "", "abc", "1e999", 1.5, True, None, [1], "1E+99"])
def test_a_count_that_is_not_whole_contracts_is_a_parse_error(wire: object) -> None:
    with pytest.raises(ParseError, match="vol"):
        base_text({"vol": wire}, "vol", scale(D("0.001")))


def test_perp_depth_levels_take_the_books_fast_path(contracts: Contracts) -> None:
    snap = depth_from_ws("futures/depthIncrease20", data("ws_public/depthIncrease20_snapshot_doc.json"), contracts)
    update = depth_from_ws("futures/depthIncrease20", data("ws_public/depthIncrease20_update_doc.json"), contracts)
    assert all(_plain(size) for _, size in [*snap.bids, *snap.asks, *update.bids, *update.asks])
    book = L2Book()
    book.apply_snapshot(snap.bids, snap.asks, snap.version)
    resized = [(price, "2.5") for price, _ in snap.asks]  # every price held: each level is one store on the hot path
    if orderbook._store is not None:
        assert orderbook._store(dict(book._asks), resized, 0) == len(resized)
    assert book.apply_update([], resized, snap.version + 1) is SeqResult.APPLIED
    assert book.apply_update(update.bids, update.asks, update.version) is SeqResult.STALE
    view = book.view(TradingPair("BTC", "USDT"), None, 3)
    assert view.asks[0][1] == D("2.5") and view.bids[0] == (D("70391.2"), D("1.335"))  # 1335 contracts of 0.001 BTC
