"""Funding, positions and balances from the real payloads, in base units and quote money."""

from __future__ import annotations

import pytest

from host_spec import MarginMode, PositionMode, PositionSide, TradingPair

from bitmart_plugin.fields import ParseError
from bitmart_plugin.perp.parse_account import (
    balance_from_ws, balances_from_rest, position_from_update, position_from_v2, position_updates_from_ws,
    positions_from_v2,
)
from bitmart_plugin.perp.parse_funding import (
    SettledRate, funding_info, payments_from_history, rate_from_rest, rate_from_ws, settled_rates,
)
from bitmart_plugin.perp.parse_market import ticker_from_ws
from bitmart_plugin.perp.symbols import Contracts

from .helpers import D, data, load, open_v2

BTC, LTC = TradingPair("BTC", "USDT"), TradingPair("LTC", "USDT")


# ---- funding -----------------------------------------------------------------------------------------


def test_rest_rate_and_next_settlement(contracts: Contracts) -> None:
    rate = rate_from_rest(data("rest_public/funding_rate_live_ccxt_2025-10.json"), contracts)
    assert (rate.rate, rate.next_funding_ms) == (D("-0.0000238"), 1761292800000)
    assert rate.previous_rate == D("0.000009601106") and rate.timestamp_ms == 1761291544336


def test_ws_rate_uses_next_funding_time(contracts: Contracts) -> None:
    rate = rate_from_ws(data("ws_public/fundingRate_live_ccxt_2026-02.json"), contracts)
    assert rate.next_funding_ms == 1770998400000  # not fundingTime 1770978448000 (the push time)
    assert (rate.rate, rate.predicted_rate) == (D("0.0000561"), D("-0.0000195"))


def test_funding_info_takes_mark_and_index_from_the_ticker(contracts: Contracts) -> None:
    rate = rate_from_rest(data("rest_public/funding_rate_live_ccxt_2025-10.json"), contracts)
    tick = ticker_from_ws(dict(data("ws_public/ticker_symbol_live_ccxt_eth_2025.json"), symbol="BTCUSDT"), contracts)
    assert tick.index_price is not None
    info = funding_info(rate, contracts.by_symbol("BTCUSDT"), tick.mark_price, tick.index_price)
    assert (info.mark_price, info.index_price, info.interval_s) == (D("2807.5"), D("2808.71047619"), 8 * 3600)
    assert info.next_funding_ms == 1761292800000 and info.rate == D("-0.0000238")
    with pytest.raises(ValueError):
        funding_info(rate, contracts.by_symbol("ETHUSDT"), D(1), D(1))


def test_settled_rates_read_string_times(contracts: Contracts) -> None:
    rates = settled_rates(data("rest_public/funding_rate_history_doc.json"), contracts)
    assert rates and all(isinstance(r.funding_ms, int) for r in rates)
    assert [r.funding_ms for r in rates] == sorted(r.funding_ms for r in rates)


def test_funding_payment_from_live_row_with_its_settled_rate(contracts: Contracts) -> None:
    rows = data("rest_private/transaction_history_live_ccxt_2024-12_funding.json")
    settled = [SettledRate(LTC, 1734422400000, D("0.0001")), SettledRate(LTC, 1734393600000, D("0.0002"))]
    (payment,) = payments_from_history(rows, contracts, settled)
    assert (payment.pair, payment.amount, payment.asset) == (LTC, D("-0.00008253"), "USDT")
    assert (payment.timestamp_ms, payment.payment_id) == (1734422402121, "1734422402121")
    assert payment.rate == D("0.0001")  # the 08:00 UTC settlement, 2.1 s before the row
    (unknown,) = payments_from_history(rows, contracts)
    assert unknown.rate is None  # never dropped for want of its rate


def test_only_funding_rows_are_payments(contracts: Contracts) -> None:
    rows = data("rest_private/transaction_history_doc.json")  # Transfer and Commission Fee rows
    assert payments_from_history(rows, contracts) == []
    funding = dict(rows[1], type="Funding Fee", time="1570636802000", tran_id="2")
    older = dict(rows[1], type="Funding Fee", time="1570608002000", tran_id="1")
    assert [p.payment_id for p in payments_from_history([funding, older], contracts)] == ["1", "2"]


# ---- positions ---------------------------------------------------------------------------------------


def test_flat_v2_rows_are_not_positions(contracts: Contracts) -> None:
    assert positions_from_v2(data("rest_private/position_v2_doc_hedge.json"), contracts) == []
    assert positions_from_v2(data("rest_private/position_v2_doc_oneway.json"), contracts) == []


def test_hedge_v2_rows_keep_their_side_in_base_units(contracts: Contracts) -> None:
    long_row, short_row = open_v2("position_v2_doc_hedge.json", 0), open_v2("position_v2_doc_hedge.json", 1)
    long_pos, short_pos = positions_from_v2([long_row, short_row], contracts)
    assert (long_pos.side, short_pos.side) == (PositionSide.LONG, PositionSide.SHORT)
    assert long_pos.amount == D("0.005") and long_pos.signed_amount == D("0.005") and short_pos.signed_amount == -D("0.005")
    assert (long_pos.entry_price, long_pos.mark_price) == (D("98000"), D("98911.62032609"))
    assert (long_pos.unrealized_pnl, long_pos.liquidation_price, long_pos.margin) == (D("4.5581"), D("80000"), D("9.6"))
    assert (long_pos.leverage, long_pos.margin_mode, long_pos.updated_ms) == (D(51), MarginMode.ISOLATED, 1746687096451)


@pytest.mark.parametrize(("signed", "side"), [("5", PositionSide.LONG), ("-5", PositionSide.SHORT)])
def test_one_way_direction_from_the_signed_amount(contracts: Contracts, signed: str, side: PositionSide) -> None:
    pos = position_from_v2(open_v2("position_v2_doc_oneway.json", 0, position_amount=signed), contracts)
    assert pos is not None and pos.side is side and pos.amount == D("0.005")


def test_cross_liquidation_zero_is_none(contracts: Contracts) -> None:
    pos = position_from_v2(open_v2("position_v2_doc_hedge.json", 0, liquidation_price="0", open_type="cross"), contracts)
    assert pos is not None and pos.liquidation_price is None and pos.margin_mode is MarginMode.CROSS


def test_inconsistent_one_way_row_is_refused(contracts: Contracts) -> None:
    with pytest.raises(ParseError, match="position_amount is 0"):
        position_from_v2(open_v2("position_v2_doc_oneway.json", 0, position_amount="0"), contracts)


def test_ws_position_rows_every_one_in_base_units(contracts: Contracts) -> None:
    short, long_ = position_updates_from_ws(data("ws_private/position_live_ccxt_2023-12_hedge_cross.json"), contracts)
    assert (short.side, short.amount, short.entry_price) == (PositionSide.SHORT, D("0.005"), D("71.582"))
    assert (long_.side, long_.amount) == (PositionSide.LONG, D("0.006"))
    assert short.liquidation_price is None and short.margin_mode is MarginMode.CROSS  # "0" and open_type 2
    (doc,) = position_updates_from_ws(data("ws_private/position_doc.json"), contracts)
    assert (doc.amount, doc.liquidation_price, doc.margin_mode) == (D(2), D("15621.998406"), MarginMode.ISOLATED)
    assert doc.position_mode is PositionMode.HEDGE


def test_ws_update_completed_with_mark_gives_money_pnl(contracts: Contracts) -> None:
    short, _ = position_updates_from_ws(data("ws_private/position_live_ccxt_2023-12_hedge_cross.json"), contracts)
    pos = position_from_update(short, D("71.482"), D(5))
    assert pos.unrealized_pnl == D("0.0005")  # short 0.005 LTC, mark 0.1 below entry
    assert pos.margin == D("0.071582") and pos.mark_price == D("71.482")
    with pytest.raises(ValueError):
        position_from_update(short, D(1), D(0))


# ---- balances ----------------------------------------------------------------------------------------


def test_rest_balances(contracts: Contracts) -> None:
    balances = balances_from_rest(data("rest_private/assets_detail_live_ccxt_fixture_2024-08.json"))
    assert set(balances) == {"USDT", "BTC", "ETH"}
    assert (balances["USDT"].available, balances["USDT"].frozen) == (D(5), D(0))


def test_ws_balance_counts_position_margin() -> None:
    event = balance_from_ws(load("ws_private/asset_live_ccxt.json")["data"], now_ms=7)
    assert (event.asset, event.available, event.frozen) == ("USDT", D("37.19688649135"), D("0.788687546"))
    assert event.timestamp_ms == 7
