"""ccxt REST calls replayed from cassettes: real BitMart bodies (ccxt static fixtures) and sandbox recordings.

Matched on method, path and query only (never the signed body); cassettes hold no secrets.
"""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import pytest
import vcr

from host_spec import InsufficientBalance, InvalidOrder, OrderState, PostOnlyRejected, Side, TradingPair

from bitmart_plugin.orders import order_from_v4
from bitmart_plugin.spot.rest import BitmartRest, fill_from_v4
from bitmart_plugin.settings import load_settings

CASSETTES = Path(__file__).resolve().parents[2] / "cassettes" / "rest"
REPLAY = vcr.VCR(record_mode="none", match_on=["method", "path", "query"], cassette_library_dir=str(CASSETTES))
LTC = TradingPair("LTC", "USDT")


@pytest.fixture
async def rest():
    r = BitmartRest(load_settings(api_key="cassette-key", secret_key="cassette-secret", memo="cassette-memo",
                                  rest_url="https://api-cloud.bitmart.com"))
    yield r
    await r.close()


async def test_real_wallet(rest) -> None:
    with REPLAY.use_cassette("real_spot_wallet.yaml"):
        bal = await rest.balances()
    assert bal["USDT"].available == D("19.62994956") and bal["TRX"].total == D("0.00016000")


async def test_real_submit_and_cancel(rest) -> None:
    with REPLAY.use_cassette("real_spot_submit_order.yaml"):
        oid = await rest.submit_order({"symbol": "LTC_USDT", "side": "buy", "type": "limit", "size": "0.1",
                                       "price": "50", "client_order_id": "hs1"})
    assert oid == "209626977087068257"
    with REPLAY.use_cassette("real_spot_cancel_order.yaml"):
        assert await rest.cancel_order("LTC_USDT", "hs1") is True


async def test_real_trades_and_orders(rest) -> None:
    with REPLAY.use_cassette("real_spot_query_trades.yaml"):
        rows = await rest.my_trades("LTC_USDT", 1699457638000)
    fill = fill_from_v4(rows[0])
    assert (fill.pair, fill.side, fill.price, fill.amount) == (LTC, Side.BUY, D("68.2782"), D("0.087"))
    assert fill.fee == D("0.00594020") and fill.fee_asset == "USDT" and fill.trade_id == "226559426091255813"
    with REPLAY.use_cassette("real_spot_history_orders.yaml"):
        rows = await rest.request("/spot/v4/query/history-orders", "POST", {"symbol": "LTC_USDT"})
    order = order_from_v4(rows[0])
    assert order.state is OrderState.FILLED and order.filled_quote == D("7.10566000") and order.price is None


@pytest.mark.parametrize(("cassette", "cls", "code"), [
    ("real_spot_error_balance.yaml", InsufficientBalance, 50020),
    ("real_spot_error_min_notional.yaml", InvalidOrder, 51011),
    ("real_spot_error_post_only.yaml", PostOnlyRejected, 50034),
])
async def test_real_errors(rest, cassette, cls, code) -> None:
    with REPLAY.use_cassette(cassette), pytest.raises(cls) as e:
        await rest.submit_order({"symbol": "LTC_USDT", "side": "buy", "type": "limit", "size": "1", "price": "1"})
    assert e.value.code == code and e.value.connector == "bitmart"
    assert rest.calls == ["/spot/v2/submit_order"]  # order entry is never retried


async def test_sandbox_reference_recording(rest) -> None:
    with REPLAY.use_cassette("sandbox_spot_reference.yaml"):
        rules = await rest.trading_rules()
        bal = await rest.balances()
        fees = await rest.fee_rates("BTC_USDT")
    btc = rules[TradingPair("BTC", "USDT")]
    assert btc.price_increment == D("0.01") and btc.size_increment == btc.min_size
    assert bal["USDT"].available > 0 and fees.taker >= fees.maker


async def test_sandbox_lifecycle_recording(rest) -> None:
    with REPLAY.use_cassette("sandbox_spot_order_lifecycle.yaml"):
        oid = await rest.submit_order({"symbol": "BTC_USDT", "side": "buy", "type": "limit", "size": "0.01",
                                       "price": "1000.00", "client_order_id": "cassette1"})
        first = await rest.query_client_order("cassette1")
        assert first["state"] == "new" and first["orderId"] == oid
        assert [o["clientOrderId"] for o in await rest.open_orders("BTC_USDT")] == ["cassette1"]
        assert await rest.cancel_order("BTC_USDT", "cassette1")
        assert (await rest.query_client_order("cassette1"))["state"] == "canceled"

# No secret in any cassette: tests/connector/test_cassette_secrets.py (spot and futures, REST and WebSocket).
