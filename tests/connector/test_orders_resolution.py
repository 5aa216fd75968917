"""Lost or failed answers to an order request are resolved by querying our client id, never by resending."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest

from host_spec import (
    InsufficientBalance, NetworkError, OrderNotFound, OrderRequest, OrderState, OrderType, PostOnlyRejected, Side,
)

from bitmart_plugin.settings import load_settings
from bitmart_plugin.spot import BitmartSpotSession

from .conftest import BTC_USDT


class FakeRest:
    """Just enough of BitmartRest; `submit_error` is raised after the venue 'acted' (or not)."""

    def __init__(self, rules, *, submit_error: Exception | None = None, acted: bool = True,
                 not_found_times: int = 0, state: str = "new", cancel_source: str = "") -> None:
        self.rules, self.submit_error, self.acted = rules, submit_error, acted
        self.not_found_times, self.state, self.cancel_source = not_found_times, state, cancel_source
        self.submits: list[dict[str, Any]] = []
        self.queries = 0
        self.venue: dict[str, dict[str, Any]] = {}

    async def trading_rules(self):
        return self.rules

    async def submit_order(self, params):
        self.submits.append(dict(params))
        cid = params["client_order_id"]
        if self.acted:
            self.venue[cid] = {"orderId": "77", "clientOrderId": cid, "symbol": "BTC_USDT", "state": self.state,
                               "filledSize": "0", "filledNotional": "0", "cancelSource": self.cancel_source}
        if self.submit_error:
            raise self.submit_error
        return "77"

    async def query_client_order(self, cid):
        self.queries += 1
        if self.queries <= self.not_found_times or cid not in self.venue:
            raise OrderNotFound("order not found", code=50005, connector="bitmart")
        return self.venue[cid]

    async def order_trades(self, order_id):
        return []

    async def close(self):
        pass


def make(rules, **kw) -> tuple[BitmartSpotSession, FakeRest]:
    rest = FakeRest(rules, **kw)
    s = BitmartSpotSession(load_settings(api_key="k", secret_key="s", memo="m"), rest=rest,  # type: ignore[arg-type]
                           resolve_delays=(0, 0, 0, 0))
    return s, rest


REQ = OrderRequest(BTC_USDT, Side.BUY, OrderType.LIMIT, D("0.001"), D("30000"))


async def test_lost_response_is_resolved_by_query_not_resend(btc_rules) -> None:
    s, rest = make(btc_rules, submit_error=NetworkError("connection closed", connector="bitmart"), not_found_times=2)
    order = await s.place_order(REQ)
    assert len(rest.submits) == 1 and rest.queries == 3
    assert order.state is OrderState.OPEN and order.exchange_order_id == "77"
    assert order.client_order_id == rest.submits[0]["client_order_id"]
    assert len(order.client_order_id) == 32 and order.client_order_id.isalnum()


async def test_not_acted_then_not_found_fails_without_resend(btc_rules) -> None:
    s, rest = make(btc_rules, submit_error=NetworkError("503", connector="bitmart"), acted=False)
    with pytest.raises(NetworkError, match="was not placed"):
        await s.place_order(REQ)
    assert len(rest.submits) == 1 and rest.queries == 4
    assert s.tracker.orders()[0].state is OrderState.FAILED


async def test_rejection_marks_failed(btc_rules) -> None:
    s, rest = make(btc_rules, submit_error=InsufficientBalance("no money", code=50020, connector="bitmart"), acted=False)
    with pytest.raises(InsufficientBalance):
        await s.place_order(REQ)
    assert rest.queries == 0 and s.tracker.orders()[0].state is OrderState.FAILED


async def test_post_only_accept_then_cancel_raises(btc_rules) -> None:
    s, rest = make(btc_rules, state="canceled", cancel_source="system")
    with pytest.raises(PostOnlyRejected):
        await s.place_order(OrderRequest(BTC_USDT, Side.BUY, OrderType.LIMIT_MAKER, D("0.001"), D("30000")))
    assert s.tracker.orders()[0].state is OrderState.FAILED


async def test_wire_params(btc_rules) -> None:
    s, rest = make(btc_rules)
    await s.place_order(OrderRequest(BTC_USDT, Side.BUY, OrderType.MARKET, quote_amount=D("12.5")))
    await s.place_order(OrderRequest(BTC_USDT, Side.SELL, OrderType.LIMIT, D("0.00100"), D("30000.10"), client_order_id="mine1"))
    a, b = rest.submits
    assert a["notional"] == "12.5" and "size" not in a and "price" not in a and a["type"] == "market"
    assert b == {"symbol": "BTC_USDT", "side": "sell", "type": "limit", "client_order_id": "mine1", "size": "0.00100",
                 "price": "30000.10"}
