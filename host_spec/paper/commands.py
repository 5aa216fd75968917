"""`host-spec paper report PATH`: print the report of a persisted paper account."""

from __future__ import annotations

import argparse
import sys
from typing import Any

__all__ = ["add_paper_command"]


def cmd_paper(host: Any, args: argparse.Namespace) -> int:
    from pathlib import Path

    from host_spec.paper.balances import Wallet
    from host_spec.paper.report import build_report
    from host_spec.paper.store import PaperStore

    if not Path(args.path).exists():
        print(f"error: no paper account at {args.path}", file=sys.stderr)
        return 1
    store = PaperStore(args.path)
    try:
        wallet = Wallet({})
        store.load_wallet(wallet)

        class _Engine:
            orders = {o.client_order_id: type("W", (), {"order": o})() for o, *_ in store.orders()}
            fills = store.fills()
            books: dict[Any, Any] = {}

        view = type("Saved", (), {"engine": _Engine, "wallet": wallet, "connector_id": args.path})()
        print(build_report(view))
    finally:
        store.close()
    return 0


def add_paper_command(subparsers: Any) -> None:
    p = subparsers.add_parser("paper", help="paper-trade accounts (reports of persisted sessions)")
    actions = p.add_subparsers(dest="paper_action", metavar="ACTION", required=True)
    r = actions.add_parser("report", help="print orders, fills, fees and PnL of a persisted paper account")
    r.add_argument("path", help="the SQLite file given as the persist_path option")
    r.set_defaults(func=cmd_paper)
