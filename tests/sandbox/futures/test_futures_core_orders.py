"""Order intake, side codes, reservations, fills, fees, PnL and the order types of the futures core."""
from __future__ import annotations

import pytest

from bitmart_plugin.sandbox.core.errors import ExchangeError
from bitmart_plugin.sandbox.core.events import LevelChanged, PublicTrade
from bitmart_plugin.sandbox.futures.events import (AssetChanged, FuturesOrderChanged, LedgerAdded,
                                                   PositionChanged)

from .helpers import D, venue

BTC = "BTCUSDT"
CS = D("0.001")


def code(fn, *args, **kw) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    with pytest.raises(ExchangeError) as ei:
        fn(*args, **kw)
    return ei.value.code, ei.value.message


def test_hedge_side_codes_open_and_close_each_direction() -> None:
    v = venue("a", "b")
    v.submit_order("b", BTC, 4, 10, price="60000")  # sell_open_short rests
    o = v.submit_order("a", BTC, 1, 10, price="60000")  # buy_open_long takes it
    assert o.state == "filled"
    long_, short = v.accounts.position("a", BTC, "long"), v.accounts.position("b", BTC, "short")
    assert long_ and short and long_.hold_volume == short.hold_volume == 10
    v.submit_order("b", BTC, 2, 4, price="60000")  # buy_close_short rests
    v.submit_order("a", BTC, 3, 4, price="60000")  # sell_close_long takes it
    assert long_.hold_volume == short.hold_volume == 6
    assert v.accounts.position("a", BTC, "short") is None and v.accounts.position("b", BTC, "long") is None


def test_reservation_is_margin_plus_taker_fee_and_is_released_on_cancel() -> None:
    v = venue("a")
    w = v.accounts.wallet("a")
    o = v.submit_order("a", BTC, 1, 10, price="50000", leverage=10)
    need = 10 * CS * 50000 * (D("0.1") + D("0.0006"))
    assert o.frozen == w.frozen == need and w.available == 100000 - need
    v.cancel_order("a", order_id=o.order_id)
    assert (w.frozen, w.available, o.state) == (0, 100000, "canceled")


def test_adds_reaverage_entry_and_closes_realize_pnl_and_release_margin_pro_rata() -> None:
    v = venue("a", "b")
    v.set_leverage("a", BTC, 10, "isolated")
    for px in ("60000", "61000"):
        v.submit_order("b", BTC, 4, 10, price=px)
        v.submit_order("a", BTC, 1, 10, price=px)
    p = v.accounts.position("a", BTC, "long")
    assert p is not None and p.entry_price == D(60500) and p.hold_volume == 20
    assert p.margin == (10 * CS * 60000 + 10 * CS * 61000) / 10
    margin_before, avail_before = p.margin, v.accounts.wallet("a").available
    v.submit_order("b", BTC, 1, 5, price="62000")  # b buys 5 (one more long for b is fine: hedge mode)
    fill_before = len(v.engine.fills["a"])
    v.submit_order("a", BTC, 3, 5, price="62000")
    f = v.engine.fills["a"][fill_before]
    assert f.realised_profit == 5 * CS * (62000 - 60500) == D("7.5")
    assert p.margin == margin_before * 15 / 20 and p.entry_price == D(60500)
    fee = 5 * CS * 62000 * D("0.0006")
    assert v.accounts.wallet("a").available == avail_before + margin_before / 4 + D("7.5") - fee


def test_fees_by_role_with_ledger_rows_in_bitmart_signs() -> None:
    v = venue("a", "b")
    v.submit_order("b", BTC, 4, 10, price="60000")
    v.submit_order("a", BTC, 1, 10, price="60000")
    (fb,), (fa,) = v.engine.fills["b"], v.engine.fills["a"]
    assert (fb.role, fb.fee) == ("maker", 10 * CS * 60000 * D("0.0002"))
    assert (fa.role, fa.fee) == ("taker", 10 * CS * 60000 * D("0.0006"))
    assert fa.realised_profit == 0  # Q27: opening fills realize nothing
    rows = v.accounts.rows("a")
    assert [(r.type, r.flow_type, r.amount) for r in rows] == [("Commission Fee", 4, -fa.fee)]
    v.submit_order("b", BTC, 2, 10, price="60100")
    v.submit_order("a", BTC, 3, 10, price="60100")
    kinds = [r.type for r in v.accounts.rows("a")]
    assert kinds == ["Commission Fee", "Realized PNL", "Commission Fee"]
    assert v.accounts.rows("a", 2)[0].amount == 10 * CS * 100


def test_close_sides_need_a_position_and_reserve_its_volume() -> None:
    v = venue("a", "b")
    assert code(v.submit_order, "a", BTC, 3, 1, price="60000")[0] == 40021
    v.submit_order("b", BTC, 4, 5, price="60000")
    v.submit_order("a", BTC, 1, 5, price="60000")
    assert code(v.submit_order, "a", BTC, 3, 6, price="61000") == (40020, "Your position volume is not enough")
    o = v.submit_order("a", BTC, 3, 3, price="61000")
    p = v.accounts.position("a", BTC, "long")
    assert p is not None and p.frozen_volume == 3 and o.frozen == 0
    assert code(v.submit_order, "a", BTC, 3, 3, price="61000")[0] == 40020
    v.cancel_order("a", order_id=o.order_id)
    assert p.frozen_volume == 0


def test_one_way_buy_closes_the_short_then_opens_a_long() -> None:
    v = venue("a", "b")
    v.set_position_mode("a", "one_way_mode")
    v.submit_order("b", BTC, 1, 4, price="60000")
    v.submit_order("a", BTC, 4, 4, price="60000")  # a: short 4
    v.submit_order("b", BTC, 4, 10, price="60000")
    o = v.submit_order("a", BTC, 1, 10, price="60000")  # closes 4, opens 6
    assert o.state == "filled"
    assert v.accounts.position("a", BTC, "short") is None
    long_ = v.accounts.position("a", BTC, "long")
    assert long_ is not None and long_.hold_volume == 6
    assert code(v.submit_order, "a", BTC, 2, 1, price="60000")[0] == 40021  # reduce-only buy: no short
    assert code(v.submit_order, "a", BTC, 3, 7, price="60000")[0] == 40020  # reduce-only sell beyond 6


def test_one_way_resting_buy_nets_against_a_short_opened_after_it() -> None:
    v = venue("a", "b")
    v.set_position_mode("a", "one_way_mode")
    buy = v.submit_order("a", BTC, 1, 5, price="59000")  # flat: all opening, rests
    v.submit_order("a", BTC, 4, 5, price="61000")  # rests
    v.submit_order("b", BTC, 1, 5, price="61000")  # a is now short 5
    v.submit_order("b", BTC, 4, 5, price="59000")  # hits a's resting buy
    assert buy.state == "filled"
    assert v.accounts.position("a", BTC, "long") is None and v.accounts.position("a", BTC, "short") is None
    assert v.accounts.wallet("a").frozen == 0 and v.accounts.discrepancy("a") == 0


def test_position_mode_switch_is_refused_with_a_position_or_an_open_order() -> None:
    v = venue("a", "b")
    o = v.submit_order("a", BTC, 1, 1, price="50000")
    assert code(v.set_position_mode, "a", "one_way_mode")[0] == 40059
    v.cancel_order("a", order_id=o.order_id)
    v.set_position_mode("a", "one_way_mode")
    assert v.accounts.mode("a") == "one_way_mode"


def test_post_only_that_would_cross_is_cancelled_or_rejected_by_switch() -> None:
    v = venue("a", "b")
    v.submit_order("b", BTC, 4, 5, price="60000")
    o = v.submit_order("a", BTC, 1, 5, price="60000", mode=4)
    assert (o.state, o.filled_size, v.accounts.wallet("a").frozen) == ("canceled", 0, 0)
    resting = v.submit_order("a", BTC, 1, 5, price="59999.9", mode=4)
    assert resting.state == "new"
    strict = venue("a", "b", post_only_reject=True)
    strict.submit_order("b", BTC, 4, 5, price="60000")
    assert code(strict.submit_order, "a", BTC, 1, 5, price="60000", mode=4)[0] == 40011


def test_ioc_fills_what_it_can_and_fok_is_all_or_nothing() -> None:
    v = venue("a", "b")
    v.submit_order("b", BTC, 4, 3, price="60000")
    v.submit_order("b", BTC, 4, 3, price="60001")
    fok = v.submit_order("a", BTC, 1, 7, price="60001", mode=2)
    assert (fok.state, fok.filled_size) == ("canceled", 0)
    assert v.engine.books[BTC].asks.top() == [(D(60000), D(3)), (D("60001.0"), D(3))]
    ioc = v.submit_order("a", BTC, 1, 7, price="60000", mode=3)
    assert (ioc.state, ioc.filled_size) == ("partially_canceled", 3)
    fok2 = v.submit_order("a", BTC, 1, 3, price="60001", mode=2)
    assert (fok2.state, fok2.filled_size) == ("filled", 3)
    assert v.accounts.wallet("a").frozen == 0


def test_market_orders_walk_the_book_up_to_market_max_volume() -> None:
    v = venue("a", "b")
    assert code(v.submit_order, "a", BTC, 1, 500001, type="market")[0] == 40044
    v.submit_order("b", BTC, 4, 2, price="60000")
    v.submit_order("b", BTC, 4, 2, price="60010")
    o = v.submit_order("a", BTC, 1, 5, type="market")
    assert (o.state, o.filled_size, o.price_avg) == ("partially_canceled", 4, D(60005))
    assert o.price == D(60000)  # Q28: the last price at submit
    assert v.accounts.wallet("a").frozen == 0 and v.accounts.discrepancy("a") == 0


def test_self_trade_prevention_cancels_the_resting_maker_by_default() -> None:
    v = venue("a")
    maker = v.submit_order("a", BTC, 4, 2, price="60000")
    taker = v.submit_order("a", BTC, 1, 2, price="60000")
    assert (maker.state, maker.cancel_source, taker.state, taker.filled_size) == ("canceled", "stp", "new", 0)
    both = v.submit_order("a", BTC, 4, 1, price="60000", stp_mode=3)
    assert both.cancel_source == "stp" and taker.cancel_source == "stp"


@pytest.mark.parametrize("args, kw, want", [
    (("NOPEUSDT", 1, 1), {"price": "1"}, 40034),
    ((BTC, 5, 1), {"price": "1"}, 40041),
    ((BTC, 1, 1), {"price": "1", "type": "stop"}, 40042),
    ((BTC, 1, 1), {"type": "market", "mode": 4}, 40042),
    ((BTC, 1, 1), {"price": "1", "mode": 5}, 40011),
    ((BTC, 1, 1), {}, 40011),
    ((BTC, 1, 1), {"price": "1", "open_type": "spot"}, 40045),
    ((BTC, 1, 1), {"price": "1", "leverage": "x"}, 40040),
    ((BTC, 1, 1), {"price": "1", "leverage": 0}, 40040),
    ((BTC, 1, 1), {"price": "1", "leverage": 101}, 40029),
    ((BTC, 1, 1), {"price": "60000.05"}, 40043),
    ((BTC, 1, "1.5"), {"price": "60000"}, 40043),
    ((BTC, 1, 0), {"price": "60000"}, 40044),
    ((BTC, 1, 500001), {"price": "60000"}, 40044),
    ((BTC, 1, 1), {"price": "-1"}, 40044),
    ((BTC, 1, 1), {"price": "60000", "client_order_id": "a-b"}, 40048),
    ((BTC, 1, 1), {"price": "60000", "client_order_id": "a" * 33}, 40049),
])
def test_validation_codes_and_doc_texts(args: tuple, kw: dict, want: int) -> None:
    v = venue("a")
    got, message = code(v.submit_order, "a", *args, **kw)
    assert got == want and message


def test_delisted_duplicate_client_id_and_insufficient_margin() -> None:
    v = venue("a", funds="10")
    delisted = next(c.symbol for c in v.contract_list if not c.trading)
    assert code(v.submit_order, "a", delisted, 1, 1, price="1")[0] == 40014
    v.submit_order("a", BTC, 1, 1, price="50000", client_order_id="abc1")
    assert code(v.submit_order, "a", BTC, 1, 1, price="50000", client_order_id="abc1")[0] == 40050
    assert code(v.submit_order, "a", BTC, 1, 100, price="50000") == (
        40012, "You contract account available balance not enough.")
    doc = venue("a", funds="10", insufficient_margin_code=40027)
    assert code(doc.submit_order, "a", BTC, 1, 100, price="50000")[0] == 40027


def test_open_type_must_match_the_held_position_and_isolated_opens_above_maintenance() -> None:
    v = venue("a", "b")
    v.submit_order("b", BTC, 4, 2, price="60000")
    v.submit_order("a", BTC, 1, 2, price="60000")  # cross long
    assert code(v.submit_order, "a", BTC, 1, 1, price="60000", open_type="isolated")[0] == 40045
    assert code(v.set_leverage, "a", BTC, 10, "isolated")[0] == 40045
    ltc = venue("a")  # LTC: 50x allowed but tier-1 mmr 0.025 > 1/50
    assert code(ltc.submit_order, "a", "LTCUSDT", 1, 1, price="80", leverage=50, open_type="isolated")[0] == 40016


def test_a_trade_emits_depth_trade_orders_positions_assets_and_ledger_rows() -> None:
    v = venue("a", "b")
    v.submit_order("b", BTC, 4, 2, price="60000")
    seen: list = []
    v.engine.listeners.append(seen.append)
    v.submit_order("a", BTC, 1, 2, price="60000")
    kinds = [type(e).__name__ for e in seen]
    first = kinds.index("LevelChanged")
    assert kinds[first:] == ["LevelChanged", "PublicTrade", "FuturesOrderChanged", "FuturesOrderChanged",
                             "PositionChanged", "PositionChanged", "AssetChanged", "AssetChanged"]
    assert [e.action for e in seen if isinstance(e, FuturesOrderChanged)] == [2, 1, 1]
    assert sum(isinstance(e, LedgerAdded) for e in seen) == 2
    trade = next(e for e in seen if isinstance(e, PublicTrade))
    assert (trade.price, trade.size, trade.taker_side) == (D(60000), D(2), "buy")
    level = next(e for e in seen if isinstance(e, LevelChanged))
    assert (level.side, level.size) == ("asks", 0)
    pos = next(e for e in seen if isinstance(e, PositionChanged) and e.position.account_id == "a")
    assert (pos.position.hold_volume, pos.liquidate_price, pos.position_mode) == (2, 0, "hedge_mode")
    asset = [e for e in seen if isinstance(e, AssetChanged) and e.account_id == "a"][-1]
    assert (asset.position_deposit, asset.frozen_balance) == (2 * CS * 60000 / 20, 0)


def test_set_leverage_bounds_and_default_setting() -> None:
    v = venue("a")
    assert v.accounts.setting("a", BTC, 100) == (20, "cross")  # Appendix A default
    assert code(v.set_leverage, "a", BTC, 0, "cross")[0] == 40040
    assert code(v.set_leverage, "a", BTC, "ten", "cross")[0] == 40040
    assert code(v.set_leverage, "a", BTC, 101, "cross")[0] == 40029
    assert code(v.set_leverage, "a", BTC, 5, "spot")[0] == 40045
    assert code(v.set_leverage, "a", "NOPEUSDT", 5, "cross")[0] == 40034
    v.set_leverage("a", BTC, 7, "isolated")
    o = v.submit_order("a", BTC, 1, 1, price="50000")
    assert (o.leverage, o.open_type) == (7, "isolated")
