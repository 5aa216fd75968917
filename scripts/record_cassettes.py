"""(Re)build the REST cassettes in cassettes/rest/ (see cassettes/README.md).

  python scripts/record_cassettes.py --from-payloads   # real BitMart bodies from the ccxt static fixtures
  python scripts/record_cassettes.py --sandbox         # record the session's REST calls against the sandbox
  python scripts/record_cassettes.py                   # record against the venue in BITMART_* settings

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


def _scrub(response: dict[str, Any]) -> dict[str, Any]:
    response["headers"] = {k: v for k, v in response["headers"].items() if not k.lower().startswith("set-cookie")}
    return response


async def record(options: dict[str, Any] | None) -> None:
    import vcr

    from host_spec import OrderRequest, OrderType, SessionConfig, Side, TradingPair

    from bitmart_plugin.spot.connector import BitmartSpotSession

    venue = None
    if options is not None:
        from bitmart_plugin.venue import start_local_venue

        venue = await start_local_venue(options)
        session = BitmartSpotSession.from_config(SessionConfig("bitmart", venue.credentials, venue.options))
    else:
        session = BitmartSpotSession.from_config(SessionConfig("bitmart"))
    rec = vcr.VCR(record_mode="all", match_on=["method", "path", "query"], filter_headers=FILTER_HEADERS,
                  before_record_request=lambda r: (setattr(r, "body", None), r)[1],
                  before_record_response=_scrub, decode_compressed_response=True)
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--from-payloads", nargs="?", const=str(PAYLOADS), help="build the real_* cassettes")
    ap.add_argument("--sandbox", action="store_true", help="record against an in-process sandbox (seed 7)")
    args = ap.parse_args()
    if args.from_payloads:
        from_payloads(Path(args.from_payloads))
    else:
        asyncio.run(record({"seed": 7, "pairs": 5, "agent_rate": 0} if args.sandbox else None))


if __name__ == "__main__":
    main()
