"""Loading the futures payload fixtures (data/, copied from the research set; see data/README.md) and a listing."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from host_spec import FeeRates

from bitmart_plugin.perp.rules import contracts_from_details
from bitmart_plugin.perp.symbols import Contracts

DATA = Path(__file__).resolve().parents[2] / "data" / "bitmart_futures_payloads"
D = Decimal
RATES = FeeRates(D("0.0002"), D("0.0006"))  # maker, taker (trade-fee-rate doc; the live fees fit 0.0006)


def load(name: str) -> Any:
    """One fixture file, e.g. load("ws_private/order_doc.json")."""
    return json.loads((DATA / name).read_text())


def data(name: str) -> Any:
    """The `data` of a fixture envelope."""
    return load(name)["data"]


def details_row(symbol: str, base: str, contract_size: str, **fields: Any) -> dict[str, Any]:
    """A details row for another contract, derived from the live-checked BTCUSDT row (SKILLS 2026-03)."""
    row = dict(data("rest_public/details_skills_2026-03_illustrative.json")["symbols"][0])
    row.update(symbol=symbol, base_currency=base, index_name=symbol, contract_size=contract_size, **fields)
    return row


def listing() -> Contracts:
    """BTC (0.001, the live row), LTC (0.001 live, tick 0.01), ETH (0.01) and AXON (1): every symbol in the fixtures."""
    rows = [
        data("rest_public/details_skills_2026-03_illustrative.json")["symbols"][0],
        details_row("LTCUSDT", "LTC", "0.001", price_precision="0.01", max_leverage="50"),
        details_row("ETHUSDT", "ETH", "0.01", price_precision="0.01"),
        details_row("AXONUSDT", "AXON", "1", price_precision="0.01"),
    ]
    return contracts_from_details({"symbols": rows})


def open_v2(name: str, index: int, **fields: str) -> dict[str, object]:
    """A doc position-v2 row (all zeros: a flat side) made an open one (derived values, fitting the doc's mark)."""
    row = dict(data(f"rest_private/{name}")[index])
    opened = {"current_amount": "5", "entry_price": "98000", "open_avg_price": "98000", "unrealized_pnl": "4.5581",
              "liquidation_price": "80000", "initial_margin": "9.6"}  # 5 contracts of 0.001 BTC, mark 98911.62
    return row | opened | fields


def ws_fill_push(**order: object) -> dict[str, object]:
    """The doc order push made a fill (action 1) of 1 contract, with the live last_trade (a 0.0006 taker fee)."""
    row = data("ws_private/order_doc.json")[0]["order"] | {"symbol": "LTCUSDT", "price": "74.17", "size": "2"}
    row |= {"deal_size": "1", "deal_avg_price": "74.17", "last_trade": load("ws_private/order_last_trade_live_ccxt.json")}
    return {"action": 1, "order": row | order}
