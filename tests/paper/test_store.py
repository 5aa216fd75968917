"""A persisted paper account survives a restart: balances, orders (open ones rejoin the queue), fills."""

from __future__ import annotations

from pathlib import Path

from host_spec import OrderState, Side
from host_spec.paper.balances import Wallet
from host_spec.paper.engine import PaperEngine
from host_spec.paper.report import build_report
from host_spec.paper.store import PaperStore

from tests.paper.helpers import BOOK, FEES, PAIR, RULE, D, engine, limit, place, trade, view


def test_persistence_round_trip(tmp_path: Path) -> None:
    path = str(tmp_path / "paper.sqlite")
    e = engine()
    store = PaperStore(path)
    store.load_wallet(e.wallet)  # empty store: saves the starting balances
    e.on_view(BOOK)
    _, ev1 = place(e, limit(Side.BUY, "1", "100.00"))
    rest, ev2 = place(e, limit(Side.BUY, "1", "98.00", cid="rest1"))
    store.save(e, ev1 + ev2)
    store.close()

    wallet = Wallet({"USDT": D(1)})  # replaced by the stored balances
    store2 = PaperStore(path)
    store2.load_wallet(wallet)
    assert wallet.snapshot() == e.wallet.snapshot() and wallet.start == {"USDT": D(100000), "BTC": D(10)}
    e2 = PaperEngine("test_paper_trade", {PAIR: RULE}, lambda p: FEES, wallet)
    store2.load_engine(e2)
    assert [w.order for w in e2.orders.values()] == [w.order for w in e.orders.values()]
    assert e2.fills == e.fills
    e2.on_view(view(2000, [("98.00", "3")], [("100.00", "1")]))  # rejoins at the back: 3 ahead
    assert e2.orders["rest1"].slot.ahead == D(3)
    e2.on_trade(trade(2100, "98.00", "4", Side.SELL))
    assert e2.orders["rest1"].order.state is OrderState.FILLED
    assert e2.fills[-1].trade_id not in {f.trade_id for f in e.fills}
    store2.save(e2, [])
    store2.close()
    store3 = PaperStore(path)
    assert len(store3.fills()) == 2
    store3.close()
    report = build_report(type("S", (), {"engine": e2, "wallet": wallet, "connector_id": "x"})())
    assert "fills    2  (maker 1, taker 1)" in report and "pnl" in report
