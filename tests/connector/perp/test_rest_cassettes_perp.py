"""bitmart_perpetual's REST calls replayed from cassettes (no network) through the connector's own REST layer
(ccxt request, signing, error mapping) and parsers: real BitMart futures bodies (tests/data/bitmart_futures_payloads,
built by `scripts/record_cassettes.py --futures --from-payloads`) and the session's calls recorded from the venue
(`--futures --sandbox`). Matched on method, path and query only; see cassettes/README.md for each body's source.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal as D
from pathlib import Path

import pytest
import vcr

from host_spec import (
    AuthError, InsufficientBalance, MarginMode, OrderRejected, OrderRequest, OrderState, OrderType, PositionAction,
    PositionMode, Side, TradingPair,
)

from bitmart_plugin.perp.connector import BitmartPerpSession
from bitmart_plugin.perp.parse_funding import payments_from_history, rate_from_rest, settled_rates
from bitmart_plugin.perp.parse_orders import fills_from_trades, order_from_rest, orders_from_rest
from bitmart_plugin.perp.rest import FuturesRest
from bitmart_plugin.settings import load_settings

from .helpers import listing

CASSETTES = Path(__file__).resolve().parents[3] / "cassettes" / "rest"
REPLAY = vcr.VCR(record_mode="none", match_on=["method", "path", "query"], cassette_library_dir=str(CASSETTES))
BTC = TradingPair("BTC", "USDT")
CREDS = {"api_key": "cassette-key", "secret_key": "cassette-secret", "memo": "cassette-memo"}


@pytest.fixture
async def session() -> AsyncIterator[BitmartPerpSession]:
    s = BitmartPerpSession(load_settings(**CREDS, futures_rest_url="https://api-cloud-v2.bitmart.com"))
    yield s
    await s.close()


@pytest.fixture
def rest(session: BitmartPerpSession) -> FuturesRest:
    return session.rest  # type: ignore[return-value]


# ---- real bodies ---------------------------------------------------------------------------------

async def test_real_listing_account_and_mode(session: BitmartPerpSession) -> None:
    with REPLAY.use_cassette("real_futures_listing.yaml"):
        rules = await session.trading_rules()
    btc = rules[BTC]  # live: contract 0.001 BTC, vol_precision 1 contract, tick 0.1, leverage 1-100
    assert (btc.size_increment, btc.min_size, btc.price_increment, btc.max_leverage) == (
        D("0.001"), D("0.001"), D("0.1"), D(100))
    assert btc.maintenance_margin_rate is None  # the bracket doc lists FUNUSDT only
    with REPLAY.use_cassette("real_futures_assets.yaml"):
        balances = await session.balances()  # ccxt's string-typed fixture ("code": "1000")
    assert balances["USDT"].available == D(5) and balances["USDT"].total == D(5)
    with REPLAY.use_cassette("real_futures_fee_rate.yaml"):
        fees = await session.fee_rates(BTC)
    assert (fees.maker, fees.taker) == (D("0.0002"), D("0.0006"))
    with REPLAY.use_cassette("real_futures_position_mode.yaml"):
        assert await session.position_mode() is PositionMode.ONE_WAY
    with REPLAY.use_cassette("real_futures_submit_order.yaml"):  # the live answer to a market order
        order = await session.place_order(OrderRequest(BTC, Side.BUY, OrderType.MARKET, D("0.002")))
    assert order.exchange_order_id == "231116359426639" and order.amount == D("0.002")
    assert session.rest.calls[-2:] == [  # type: ignore[attr-defined]
        "/contract/private/get-position-mode", "/contract/private/submit-order"]  # sent once, nothing after


async def test_real_positions_hedge(session: BitmartPerpSession) -> None:
    with REPLAY.use_cassette("real_futures_listing.yaml"):
        await session.trading_rules()
    with REPLAY.use_cassette("real_futures_positions_hedge.yaml"):
        positions = await session.positions(None)
    assert positions == []  # the doc's hedge rows are both flat (current_amount 0)


async def test_real_orders_and_fills(rest: FuturesRest) -> None:
    contracts = listing()
    with REPLAY.use_cassette("real_futures_order.yaml"):
        row = await rest.order("BTCUSDT", "230927283405028")
    order = order_from_rest(row, contracts, PositionMode.HEDGE)
    assert (order.contract.symbol, order.state, order.side, order.amount, order.price) == (
        "BTCUSDT", OrderState.OPEN, Side.BUY, D("0.001"), D(23000))
    with REPLAY.use_cassette("real_futures_open_orders.yaml"):
        rows = await rest.open_orders("BTCUSDT")
    assert [(o.order_id, o.amount) for o in orders_from_rest(rows, contracts, PositionMode.HEDGE)] == [
        ("230935812485489", D("0.001"))]
    with REPLAY.use_cassette("real_futures_order_history.yaml"):
        rows = await rest.order_history("LTCUSDT", "")
    done = order_from_rest(rows[0], contracts, PositionMode.HEDGE)  # string-typed state "4", nothing dealt
    assert done.state is OrderState.CANCELED and done.side is Side.SELL
    with REPLAY.use_cassette("real_futures_trades.yaml"):
        rows = await rest.trades("BTCUSDT", order_id="230930336848609")
    (fill,) = fills_from_trades(rows, contracts)
    assert (fill.side, fill.amount, fill.price, fill.fee, fill.is_maker) == (
        Side.SELL, D("0.001"), D("26910.4"), D("0.01614624"), False)
    assert fill.realized_pnl == D("-0.0003")
    with REPLAY.use_cassette("real_futures_cancel_order.yaml"):
        assert await rest.cancel_order("BTCUSDT", "hs1") is None  # the live answer has no data key
    with REPLAY.use_cassette("real_futures_cancel_orders.yaml"):
        assert await rest.cancel_all("BTCUSDT") is None


async def test_real_funding(rest: FuturesRest) -> None:
    contracts = listing()
    with REPLAY.use_cassette("real_futures_funding_rate.yaml"):
        rate = rate_from_rest(await rest.funding_rate("BTCUSDT"), contracts)
    assert (rate.rate, rate.previous_rate, rate.next_funding_ms) == (  # the next settlement's rate is expected_rate
        D("-0.0000238"), D("0.000009601106"), 1761292800000)
    with REPLAY.use_cassette("real_futures_funding_rate_history.yaml"):
        (settled,) = settled_rates(await rest.funding_rate_history("BTCUSDT"), contracts)
    assert settled.rate == D("0.000091412174")
    with REPLAY.use_cassette("real_futures_funding_payments.yaml"):
        (paid,) = payments_from_history(await rest.funding_payments(None, None), contracts)
    assert paid.pair == TradingPair("LTC", "USDT") and paid.amount == D("-0.00008253")
    with REPLAY.use_cassette("real_futures_submit_leverage.yaml"):
        answer = await rest.set_leverage({"symbol": "ETHUSDT", "leverage": "5", "open_type": "isolated"})
    assert answer["leverage"] == "5" and answer["open_type"] == "isolated"


@pytest.mark.parametrize(("cassette", "cls", "code"), [
    ("real_futures_error_balance.yaml", InsufficientBalance, 40012),
    ("real_futures_error_invalid_parameter.yaml", OrderRejected, 49998),
    ("real_futures_error_no_permission.yaml", AuthError, 30019),
])
async def test_real_errors(rest: FuturesRest, cassette: str, cls: type, code: int) -> None:
    with REPLAY.use_cassette(cassette), pytest.raises(cls) as e:
        await rest.submit_order({"symbol": "BTCUSDT", "side": 1, "type": "limit", "size": 1, "price": "1"})
    assert e.value.code == code and e.value.connector == "bitmart_perpetual"
    assert rest.calls == ["/contract/private/submit-order"]  # order entry is never retried


# ---- recorded from the venue ---------------------------------------------------------------------

async def test_venue_reference_recording(session: BitmartPerpSession) -> None:
    with REPLAY.use_cassette("sandbox_futures_reference.yaml"):
        rules = await session.trading_rules()
        balances = await session.balances()
        fees = await session.fee_rates(BTC)
        mode = await session.position_mode()
        positions = await session.positions(None)
    btc = rules[BTC]
    assert btc.size_increment == D("0.001") and btc.maintenance_margin_rate is not None
    assert balances["USDT"].available == D(1_000_000) and fees.taker >= fees.maker
    assert mode in (PositionMode.ONE_WAY, PositionMode.HEDGE) and positions == []


async def test_venue_order_lifecycle_recording(session: BitmartPerpSession) -> None:
    with REPLAY.use_cassette("sandbox_futures_reference.yaml"):  # the session's state before the lifecycle
        await session.trading_rules()
        await session.balances()
        await session.fee_rates(BTC)
    with REPLAY.use_cassette("sandbox_futures_order_lifecycle.yaml"):
        assert await session.set_position_mode(PositionMode.HEDGE) is PositionMode.HEDGE
        setting = await session.set_leverage(BTC, D(10), MarginMode.CROSS)
        order = await session.place_order(OrderRequest(BTC, Side.BUY, OrderType.LIMIT, D("0.01"), D(1000),
                                                       client_order_id="cassette1", position_action=PositionAction.OPEN))
        queried = await session.query_order(BTC, "cassette1")
        listed = await session.open_orders(BTC)
        cancelled = await session.cancel_order(BTC, "cassette1")
    assert setting.leverage == D(10) and setting.margin_mode is MarginMode.CROSS
    assert order.state is OrderState.OPEN and queried.exchange_order_id == order.exchange_order_id
    assert [(o.client_order_id, o.amount, o.price) for o in listed] == [("cassette1", D("0.01"), D(1000))]
    assert cancelled.state is OrderState.CANCELED
    assert session.rest.calls.count("/contract/private/submit-order") == 1  # type: ignore[attr-defined]
