"""Every validation error code of the core, with BitMart's codes and messages."""
from __future__ import annotations

from decimal import Decimal as D

import pytest

from bitmart_plugin.sandbox.core.clock import ManualClock
from bitmart_plugin.sandbox.core.errors import ExchangeError
from bitmart_plugin.sandbox.spot.exchange import Exchange

SYM = "BTC_USDT"


@pytest.fixture()
def ex() -> Exchange:
    ex = Exchange(seed=3, pairs=40, clock=ManualClock(), agents=False)
    ex.add_account("u", {"USDT": D("1000"), "BTC": D("1")})
    return ex


def err(ex: Exchange, *args: object, **kw: object) -> ExchangeError:
    with pytest.raises(ExchangeError) as e:
        ex.submit_order("u", *args, **kw)  # type: ignore[arg-type]
    assert e.value.http_status == 400
    return e.value


LIMIT = dict(size=D("0.001"), price=D("100"))


@pytest.mark.parametrize("args,kw,code,message", [
    (("NOPE_USDT", "buy", "limit"), LIMIT, 50001, "Symbol not found"),
    ((SYM, "hold", "limit"), LIMIT, 52002, "Unsupported Side Type"),
    ((SYM, "buy", "stop"), LIMIT, 52001, "Unsupported Trade Type"),
    ((SYM, "buy", "limit"), dict(price=D("100")), 50010, "RequestParam size is required"),
    ((SYM, "buy", "limit"), dict(size=D("1")), 50011, "RequestParam price is required"),
    ((SYM, "buy", "market"), dict(size=D("1")), 50012, "RequestParam notional is required"),
    ((SYM, "buy", "limit"), dict(size=D("0.000001"), price=D("100000")), 50000, "Bad Request [size scale exceeds step 0.00001]"),
    ((SYM, "buy", "limit"), dict(size=D("0.1"), price=D("100.001")), 50000, "Bad Request [price scale exceeds 2]"),
    ((SYM, "buy", "limit"), dict(size=D("0"), price=D("100")), 50006, "Minimum size is 0.00001"),
    ((SYM, "buy", "limit"), dict(size=D("100000001"), price=D("1")), 50007, "Maximum size is 100000000"),
    ((SYM, "buy", "limit"), dict(size=D("0.1"), price=D("0")), 50008, "Minimum price is 0.01"),
    ((SYM, "buy", "limit"), dict(size=D("0.01"), price=D("100")), 51011, "param not match : size * price >=5"),
    ((SYM, "sell", "ioc"), dict(size=D("0.01"), price=D("100")), 51011, "param not match : size * price >=5"),
    ((SYM, "buy", "market"), dict(notional=D("4.99")), 51012, None),
    ((SYM, "sell", "market"), dict(size=D("0")), 51014, None),
    ((SYM, "buy", "limit"), dict(size=D("1"), price=D("1001")), 50020, "Balance not enough"),
    ((SYM, "sell", "limit"), dict(size=D("1.00001"), price=D("100")), 50020, "Balance not enough"),
    ((SYM, "buy", "market"), dict(notional=D("1000.01")), 50020, "Balance not enough"),
    ((SYM, "buy", "limit"), dict(size="abc", price="1"), 50000, None),
    ((SYM, "buy", "limit"), dict(LIMIT, stp_mode="weird"), 50000, None),
    ((SYM, "buy", "limit"), dict(LIMIT, client_order_id="x" * 33), 50037, None),
    ((SYM, "buy", "limit"), dict(LIMIT, client_order_id="bad-id"), 50038, None),
])
def test_codes(ex: Exchange, args: tuple, kw: dict, code: int, message: str | None) -> None:
    e = err(ex, *args, **kw)
    assert e.code == code
    if message is not None:
        assert e.message == message
    assert ex.all_orders() == []


def test_pre_trade_symbol(ex: Exchange) -> None:
    pre = [s for s, r in ex.rules.items() if r.trade_status == "pre-trade"]
    assert pre and "BTC_USDT" not in pre and "ETH_USDT" not in pre
    assert err(ex, pre[0], "buy", "limit", **LIMIT).code == 50040


def test_balance_includes_frozen(ex: Exchange) -> None:
    ex.submit_order("u", SYM, "buy", "limit", size=D("6"), price=D("100"))
    assert err(ex, SYM, "buy", "limit", size=D("5"), price=D("100")).code == 50020
    ex.submit_order("u", SYM, "buy", "limit", size=D("4"), price=D("100"))
    assert ex.balances("u")["USDT"] == (D("0"), D("1000"))


def test_client_order_id_duplicate_forever(ex: Exchange) -> None:
    o = ex.submit_order("u", SYM, "buy", "limit", size=D("0.1"), price=D("100"), client_order_id="Abc123")
    assert o.client_order_id == "Abc123"
    ex.cancel_order("u", SYM, order_id=o.order_id)
    e = err(ex, SYM, "buy", "limit", size=D("0.1"), price=D("100"), client_order_id="Abc123")
    assert (e.code, e.message) == (50042, "clientOrderId is duplicate")
    ex.add_account("v", {"USDT": D("100")})  # per account: another account may reuse it
    ex.submit_order("v", SYM, "buy", "limit", size=D("0.1"), price=D("100"), client_order_id="Abc123")


def test_default_client_order_id_and_ids(ex: Exchange) -> None:
    a = ex.submit_order("u", SYM, "buy", "limit", size=D("0.1"), price=D("100"))
    b = ex.submit_order("u", SYM, "buy", "limit", size=D("0.1"), price=D("100"))
    assert a.client_order_id == a.order_id and a.order_id.isdigit()
    assert int(b.order_id) > int(a.order_id) >= 1_000_000_000_000


def test_get_order_errors(ex: Exchange) -> None:
    for kw, code in [({}, 50039), ({"order_id": "1"}, 50005), ({"client_order_id": "zz"}, 50005)]:
        with pytest.raises(ExchangeError) as e:
            ex.get_order("u", **kw)
        assert e.value.code == code
    with pytest.raises(ExchangeError) as e:
        ex.get_order("u", order_id="1")
    assert e.value.message == "Order Id not found"


def test_cancel_unknown_symbol(ex: Exchange) -> None:
    with pytest.raises(ExchangeError) as e:
        ex.cancel_order("u", "NOPE_USDT", order_id="1")
    assert e.value.code == 50001


def test_off_step_size_other_symbols(ex: Exchange) -> None:
    for r in ex.rules.values():
        if r.trading and r.size_step >= 1:
            e = err(ex, r.symbol, "buy", "limit", size=r.size_step / 2, price=r.ref_price)
            assert e.code == 50000
            break
    else:
        pytest.skip("no integer-step symbol")
