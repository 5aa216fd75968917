"""The venue's rules and errors, balances frozen and released, fees by role."""

from __future__ import annotations

import pytest

from host_spec import InsufficientBalance, InvalidOrder, InvalidPair, OrderRequest, OrderType, Side, TradingPair

from tests.paper.helpers import BOOK, FEES, PAIR, D, engine, limit, place, trade


@pytest.mark.parametrize(("request_", "rule"), [
    (limit(Side.BUY, "1", "99.005"), "price_increment"),
    (limit(Side.BUY, "1.0005", "99.00"), "size_increment"),
    (limit(Side.BUY, "0.01", "99.00"), "min_notional_buy"),
    (limit(Side.SELL, "0.01", "99.00"), "min_notional_sell"),
    (OrderRequest(PAIR, Side.BUY, OrderType.MARKET, D(1)), "quote_amount"),
    (OrderRequest(PAIR, Side.BUY, OrderType.IOC, D(1), D(99)), "order_type"),
])
def test_rule_errors_name_the_rule_and_allowed_value(request_: OrderRequest, rule: str) -> None:
    e = engine()
    with pytest.raises(InvalidOrder) as info:
        e.submit(request_, 1)
    assert info.value.rule == rule and info.value.allowed is not None
    assert e.wallet.frozen.get("USDT", 0) == 0


def test_unknown_pair_and_insufficient_balance() -> None:
    e = engine(balance={"USDT": "50"})
    with pytest.raises(InvalidPair):
        e.submit(OrderRequest(TradingPair("NOPE", "USDT"), Side.BUY, OrderType.LIMIT, D(1), D(1)), 1)
    with pytest.raises(InsufficientBalance, match="USDT"):
        e.submit(limit(Side.BUY, "1", "99.00"), 1)


def test_funds_frozen_while_resting_and_released_on_cancel() -> None:
    e = engine(balance={"USDT": "1000", "BTC": "0"})
    e.on_view(BOOK)
    cid, _ = place(e, limit(Side.BUY, "2", "98.00"))
    assert e.wallet.available["USDT"] == D(804) and e.wallet.frozen["USDT"] == D(196)
    e.on_trade(trade(1100, "98.00", "3", Side.SELL))  # 2 ahead, 1 for us
    assert e.wallet.frozen["USDT"] == D(98)
    assert e.wallet.available["BTC"] == D(1) - D(1) * FEES.maker
    events = e.cancel(cid, 1200)
    assert e.wallet.frozen["USDT"] == 0 and e.wallet.available["USDT"] == D(902)
    assert events[0].kind.value == "canceled" and events[0].order.filled_amount == D(1)


def test_fees_by_role_in_the_asset_received() -> None:
    e = engine()
    e.on_view(BOOK)
    place(e, limit(Side.BUY, "1", "100.00"))  # taker, receives BTC
    taker = e.fills[-1]
    assert not taker.is_maker and taker.fee == D(1) * FEES.taker and taker.fee_asset == "BTC"
    place(e, limit(Side.SELL, "1", "101.50"))  # rests
    e.on_trade(trade(1100, "101.60", "1", Side.BUY))  # through our price
    maker = e.fills[-1]
    assert maker.is_maker and maker.fee_asset == "USDT" and maker.fee == D("101.50") * FEES.maker
    assert e.wallet.fees_paid == {"BTC": taker.fee, "USDT": maker.fee}
    # buy price improvement: frozen at the limit, paid at the level, the difference released
    e2 = engine(balance={"USDT": "1000"})
    e2.on_view(BOOK)
    place(e2, limit(Side.BUY, "1", "101.00"))
    assert e2.wallet.available["USDT"] == D(900) and e2.wallet.frozen["USDT"] == 0
