"""(Re)build the REST cassettes in cassettes/rest/ (see cassettes/README.md).

  python scripts/record_cassettes.py --from-payloads   # real BitMart bodies from the ccxt static fixtures
  python scripts/record_cassettes.py --sandbox         # record the session's REST calls against the sandbox
  python scripts/record_cassettes.py                   # record against the venue in BITMART_* settings
  ... --futures                                        # the same for bitmart_perpetual: real_futures_* from
                                                       # tests/data/bitmart_futures_payloads, sandbox_futures_*
                                                       # recorded (the venue in BITMART_FUTURES_REST_URL without --sandbox)

Secrets never reach a cassette: X-BM-KEY, X-BM-SIGN, X-BM-TIMESTAMP (and the broker id) are filtered
and request bodies (signed) are dropped; replays match on method, path and query only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "cassettes" / "rest"
PAYLOADS = Path("/work/shared/data/bitmart_payloads/ccxt_static_response_bitmart.json")
FUTURES_PAYLOADS = ROOT / "tests" / "data" / "bitmart_futures_payloads"
FILTER_HEADERS = ["X-BM-KEY", "X-BM-SIGN", "X-BM-TIMESTAMP", "X-BM-BROKER-ID"]
BASE = "https://api-cloud.bitmart.com"

# (cassette, ccxt method, case index, http method, path) for the spot cases of the static fixtures
REAL = [
    ("real_spot_wallet", "fetchBalance", 0, "GET", "/spot/v1/wallet"),
    ("real_spot_submit_order", "createOrder", 0, "POST", "/spot/v2/submit_order"),
    ("real_spot_cancel_order", "cancelOrder", 0, "POST", "/spot/v3/cancel_order"),
    ("real_spot_query_trades", "fetchMyTrades", 0, "POST", "/spot/v4/query/trades"),
    ("real_spot_history_orders", "fetchClosedOrders", 1, "POST", "/spot/v4/query/history-orders"),
]
# Live error bodies quoted in bitmart_api.md §2.2 (captured by ccxt), with the HTTP status of §5.
ERRORS = [
    ("real_spot_error_balance", "/spot/v2/submit_order", 400,
     {"message": "Balance not enough", "code": 50020, "trace": "7c709d6a-3292-462c-98c5-32362540aeef", "data": {}}),
    ("real_spot_error_min_notional", "/spot/v2/submit_order", 400,
     {"message": "param not match : size * price >=5", "code": 51011,
      "trace": "525e1d27bfd34d60b2d90ba13a7c0aa9.74.16696421352220797", "data": {}}),
    ("real_spot_error_post_only", "/spot/v2/submit_order", 400,
     {"message": "The price is high and there is no matching depth", "code": 50034,
      "trace": "ebfae59a-ba69-4735-86b2-0ed7b9ca14ea", "data": {}}),
]


# Futures: (cassette, payload file, http method, path, query the connector sends, HTTP status); entries with one
# cassette name go into it in order. The payloads' README says where each body came from (live = captured from
# BitMart, doc = BitMart's documentation); errors carry the HTTP statuses of bitmart_futures.md §6 / api §5.
FUTURES_REAL = [
    ("real_futures_listing", "rest_public/details_live_ccxt_2024-09.json", "GET", "/contract/public/details", "", 200),
    ("real_futures_listing", "rest_public/leverage_bracket_doc.json", "GET", "/contract/public/leverage-bracket", "",
     200),
    ("real_futures_funding_rate", "rest_public/funding_rate_live_ccxt_2025-10.json", "GET",
     "/contract/public/funding-rate", "symbol=BTCUSDT", 200),
    ("real_futures_funding_rate_history", "rest_public/funding_rate_history_live_ccxt_2024-12.json", "GET",
     "/contract/public/funding-rate-history", "symbol=BTCUSDT&limit=100", 200),
    ("real_futures_assets", "rest_private/assets_detail_live_ccxt_fixture_2024-08.json", "GET",
     "/contract/private/assets-detail", "", 200),
    ("real_futures_fee_rate", "rest_private/trade_fee_rate_doc.json", "GET", "/contract/private/trade-fee-rate",
     "symbol=BTCUSDT", 200),
    ("real_futures_position_mode", "rest_private/position_mode_doc.json", "GET", "/contract/private/get-position-mode",
     "", 200),
    ("real_futures_positions_hedge", "rest_private/position_v2_doc_hedge.json", "GET", "/contract/private/position-v2",
     "", 200),
    ("real_futures_submit_leverage", "rest_private/submit_leverage_doc.json", "POST",
     "/contract/private/submit-leverage", "", 200),
    ("real_futures_submit_order", "rest_private/submit_order_live_ccxt_market.json", "POST",
     "/contract/private/submit-order", "", 200),
    ("real_futures_cancel_order", "rest_private/cancel_order_live_ccxt_no_data.json", "POST",
     "/contract/private/cancel-order", "", 200),
    ("real_futures_cancel_orders", "rest_private/cancel_orders_live_ccxt_no_data.json", "POST",
     "/contract/private/cancel-orders", "", 200),
    ("real_futures_order", "rest_private/order_detail_live_ccxt_comment_2023-09_limit.json", "GET",
     "/contract/private/order", "symbol=BTCUSDT&order_id=230927283405028", 200),
    ("real_futures_open_orders", "rest_private/open_orders_live_ccxt_comment_2023-09.json", "GET",
     "/contract/private/get-open-orders", "limit=100&symbol=BTCUSDT", 200),
    ("real_futures_order_history", "rest_private/order_history_live_ccxt_fixture_2023-11_canceled.json", "GET",
     "/contract/private/order-history", "symbol=LTCUSDT&client_order_id=", 200),
    ("real_futures_trades", "rest_private/trades_live_ccxt_comment_2023-09.json", "GET", "/contract/private/trades",
     "symbol=BTCUSDT&order_id=230930336848609", 200),
    ("real_futures_funding_payments", "rest_private/transaction_history_live_ccxt_2024-12_funding.json", "GET",
     "/contract/private/transaction-history", "flow_type=3&page_size=1000", 200),
    ("real_futures_error_balance", "errors/40012_balance_not_enough_live_ccxt.json", "POST",
     "/contract/private/submit-order", "", 400),
    ("real_futures_error_invalid_parameter", "errors/49998_invalid_parameter_live_ccxt.json", "POST",
     "/contract/private/submit-order", "", 400),
    ("real_futures_error_no_permission", "errors/30019_no_permission_live_ccxt_pr19336.json", "POST",
     "/contract/private/submit-order", "", 200),
]


def _interaction(method: str, path: str, status: int, body: str, query: str = "") -> dict[str, Any]:
    uri = BASE + path + (f"?{query}" if query else "")
    return {"request": {"body": None, "headers": {}, "method": method, "uri": uri},
            "response": {"status": {"code": status, "message": "OK" if status == 200 else "Error"},
                         "headers": {"Content-Type": ["application/json"]}, "body": {"string": body}}}


def _write(name: str, interactions: list[dict[str, Any]]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{name}.yaml").write_text(yaml.safe_dump({"interactions": interactions, "version": 1}, sort_keys=False))
    print("wrote", OUT / f"{name}.yaml")


def from_payloads(path: Path) -> None:
    methods = json.loads(path.read_text())["methods"]
    for name, method, idx, http, url_path in REAL:
        body = methods[method][idx]["httpResponse"]
        _write(name, [_interaction(http, url_path, 200, body if isinstance(body, str) else json.dumps(body))])
    for name, url_path, status, body in ERRORS:
        _write(name, [_interaction("POST", url_path, status, json.dumps(body))])


def from_futures_payloads(root: Path) -> None:
    cassettes: dict[str, list[dict[str, Any]]] = {}
    for name, payload, http, url_path, query, status in FUTURES_REAL:
        body = json.dumps(json.loads((root / payload).read_text()), separators=(",", ":"))
        cassettes.setdefault(name, []).append(_interaction(http, url_path, status, body, query))
    for name, interactions in cassettes.items():
        _write(name, interactions)


def _scrub(response: dict[str, Any]) -> dict[str, Any]:
    response["headers"] = {k: v for k, v in response["headers"].items() if not k.lower().startswith("set-cookie")}
    return response


def _recorder() -> Any:
    import vcr

    return vcr.VCR(record_mode="all", match_on=["method", "path", "query"], filter_headers=FILTER_HEADERS,
                   before_record_request=lambda r: (setattr(r, "body", None), r)[1],
                   before_record_response=_scrub, decode_compressed_response=True)


async def _open(session_cls: Any, connector: str, options: dict[str, Any] | None) -> tuple[Any, Any]:
    """(session, venue): on an in-process sandbox started with `options`, or (None) the venue in BITMART_* settings."""
    from host_spec import SessionConfig

    if options is None:
        return session_cls.from_config(SessionConfig(connector)), None
    from bitmart_plugin.venue import start_local_venue

    venue = await start_local_venue(options)
    return session_cls.from_config(SessionConfig(connector, venue.credentials, venue.options)), venue


async def record(options: dict[str, Any] | None) -> None:
    from host_spec import OrderRequest, OrderType, Side, TradingPair

    from bitmart_plugin.spot.connector import BitmartSpotSession

    session, venue = await _open(BitmartSpotSession, "bitmart", options)
    rec = _recorder()
    pair = TradingPair("BTC", "USDT")
    try:
        with rec.use_cassette(str(OUT / "sandbox_spot_reference.yaml")):
            await session.trading_rules()
            await session.balances()
            await session.fee_rates(pair)
        rules = await session.trading_rules()
        with rec.use_cassette(str(OUT / "sandbox_spot_order_lifecycle.yaml")):
            price = Decimal("1000.00") if rules[pair].price_increment == Decimal("0.01") else Decimal(1000)
            order = await session.place_order(
                OrderRequest(pair, Side.BUY, OrderType.LIMIT, Decimal("0.01"), price, client_order_id="cassette1"))
            await session.query_order(pair, order.client_order_id)
            await session.open_orders(pair)
            await session.cancel_order(pair, order.client_order_id)
            await session.fills(pair, None)
        print("recorded", OUT)
    finally:
        await session.close()
        if venue is not None:
            await venue.close()


async def record_futures(options: dict[str, Any] | None) -> None:
    """bitmart_perpetual's REST calls: the reference reads, then one far-from-market BTCUSDT limit buy (0.01 BTC
    = 10 contracts at 1000 USDT, client id `cassette1`) placed, queried, listed, cancelled, queried again."""
    from host_spec import MarginMode, OrderRequest, OrderType, PositionAction, PositionMode, Side, TradingPair

    from bitmart_plugin.perp.connector import BitmartPerpSession

    session, venue = await _open(BitmartPerpSession, "bitmart_perpetual", options)
    rec = _recorder()
    pair = TradingPair("BTC", "USDT")
    try:
        with rec.use_cassette(str(OUT / "sandbox_futures_reference.yaml")):
            await session.trading_rules()
            await session.balances()
            await session.fee_rates(pair)
            await session.position_mode()
            await session.positions(None)
        with rec.use_cassette(str(OUT / "sandbox_futures_order_lifecycle.yaml")):
            await session.set_position_mode(PositionMode.HEDGE)
            await session.set_leverage(pair, Decimal(10), MarginMode.CROSS)
            order = await session.place_order(OrderRequest(pair, Side.BUY, OrderType.LIMIT, Decimal("0.01"),
                                                           Decimal(1000), client_order_id="cassette1",
                                                           position_action=PositionAction.OPEN))
            await session.query_order(pair, order.client_order_id)
            await session.open_orders(pair)
            await session.cancel_order(pair, order.client_order_id)
        print("recorded", OUT)
    finally:
        await session.close()
        if venue is not None:
            await venue.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--from-payloads", nargs="?", const=str(PAYLOADS), help="build the real_* cassettes")
    ap.add_argument("--sandbox", action="store_true", help="record against an in-process sandbox (seed 7)")
    ap.add_argument("--futures", action="store_true", help="the bitmart_perpetual cassettes instead of the spot ones")
    args = ap.parse_args()
    sandbox = {"seed": 7, "pairs": 5, "agent_rate": 0} if args.sandbox else None
    if args.futures and args.from_payloads:
        from_futures_payloads(FUTURES_PAYLOADS)
    elif args.futures:
        asyncio.run(record_futures(sandbox and {**sandbox, "futures_agents": False}))
    elif args.from_payloads:
        from_payloads(Path(args.from_payloads))
    else:
        asyncio.run(record(sandbox))


if __name__ == "__main__":
    main()
