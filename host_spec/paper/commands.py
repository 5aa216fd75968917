"""`host-spec paper report PATH`: print the report of a persisted paper account."""

from __future__ import annotations

import argparse
import sys
from decimal import Decimal
from typing import Any

__all__ = ["add_paper_command"]


def cmd_paper(host: Any, args: argparse.Namespace) -> int:
    from pathlib import Path

    from host_spec.paper.balances import Wallet
    from host_spec.paper.perp.store import PerpStore
    from host_spec.paper.report import build_report

    if not Path(args.path).exists():
        print(f"error: no paper account at {args.path}", file=sys.stderr)
        return 1
    store = PerpStore(args.path)  # reads spot accounts too
    try:
        wallet = Wallet({})
        store.load_wallet(wallet)

        class _Engine:
            orders = {o.client_order_id: type("W", (), {"order": o})() for o, *_ in store.orders()}
            fills = store.fills()
            books: dict[Any, Any] = {}

        view = type("Saved", (), {"engine": _Engine, "wallet": wallet, "connector_id": args.path})()
        print(_perp_report(store, view) if store.has_ledger() else build_report(view))
    finally:
        store.close()
    return 0


def _perp_report(store: Any, view: Any) -> str:
    """The perpetual report of a stored account: positions at their last marks and their pair's settings."""
    from host_spec.models import LeverageSetting, MarginMode
    from host_spec.paper.perp.ledger import PerpLedger
    from host_spec.paper.perp.options import DEFAULT_MAINTENANCE_RATE
    from host_spec.paper.perp.report import build_perp_report

    rates = store.saved_maintenance()
    view.ledger = PerpLedger(view.wallet, lambda pair: LeverageSetting(pair, Decimal(1), MarginMode.CROSS),
                             lambda pair: rates.get(pair, DEFAULT_MAINTENANCE_RATE))
    store.load_ledger(view.ledger)
    return build_perp_report(view)


def add_paper_command(subparsers: Any) -> None:
    p = subparsers.add_parser("paper", help="paper-trade accounts (reports of persisted sessions)")
    actions = p.add_subparsers(dest="paper_action", metavar="ACTION", required=True)
    r = actions.add_parser("report", help="print orders, fills, fees and PnL of a persisted paper account")
    r.add_argument("path", help="the SQLite file given as the persist_path option")
    r.set_defaults(func=cmd_paper)
