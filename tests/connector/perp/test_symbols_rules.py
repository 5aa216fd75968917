"""Symbols and trading rules from the real details payloads: base units, exact contract conversion, clear errors."""

from __future__ import annotations

import pytest

from host_spec import InvalidOrder, InvalidPair, OrderRequest, OrderType, Side, TradingPair

from bitmart_plugin.fields import ParseError
from bitmart_plugin.perp.rules import contracts_from_details
from bitmart_plugin.perp.symbols import Contracts, to_pair, to_symbol

from .helpers import D, data, details_row

BTC = TradingPair("BTC", "USDT")


def test_symbol_round_trip() -> None:
    assert to_symbol(BTC) == "BTCUSDT"
    assert to_pair("BTCUSDT") == BTC
    assert to_pair("1000PEPEUSDT") == TradingPair("1000PEPE", "USDT")


@pytest.mark.parametrize("symbol", ["BTC_USDT", "BTC-USDT", "btc_usdt"])
def test_spot_style_symbol_is_refused_with_the_futures_form(symbol: str) -> None:
    with pytest.raises(ParseError, match="spot-style.*'BTCUSDT'"):
        to_pair(symbol)


@pytest.mark.parametrize("symbol", ["BTCUSD", "USDT", "", "BTCUSDT ", 42])
def test_malformed_symbol_is_refused(symbol: object) -> None:
    with pytest.raises(ParseError):
        to_pair(symbol)  # type: ignore[arg-type]


def test_pair_not_quoted_in_usdt_is_refused() -> None:
    with pytest.raises(InvalidPair, match="quoted in USDT.*BTC-USDT"):
        to_symbol(TradingPair("BTC", "USDC"))


def test_live_2026_row_gives_base_unit_rule() -> None:
    rule = contracts_from_details(data("rest_public/details_skills_2026-03_illustrative.json")).rules()[BTC]
    # contract 0.001 BTC, vol_precision 1 contract, min 1, max 1 000 000, market max 50 000 contracts
    assert (rule.contract_size, rule.size_increment, rule.min_size) == (D("0.001"), D("0.001"), D("0.001"))
    assert (rule.max_size, rule.max_market_size) == (D("1000"), D("50"))
    assert (rule.price_increment, rule.min_leverage, rule.max_leverage) == (D("0.1"), D(1), D(100))
    assert rule.trading_enabled and rule.status == "trading"
    assert (rule.min_notional_buy, rule.min_notional_sell) == (0, 0)  # BitMart has none


def test_live_2024_row_without_status_or_market_max_is_trading() -> None:
    listing = contracts_from_details(data("rest_public/details_live_ccxt_2024-09.json"))
    rule = listing.rules()[BTC]
    assert rule.trading_enabled and rule.max_market_size is None and rule.max_size == D("1000")


def test_delisted_contract_is_left_out_of_rules_but_still_parses_history() -> None:
    listing = contracts_from_details(data("rest_public/details_doc_2026.json"))  # status Delisted
    assert listing.rules() == {}
    assert listing.by_symbol("BTCUSDT").delisted and listing.by_symbol("BTCUSDT").delist_time_s == 1745830379
    with pytest.raises(InvalidPair, match="delisted") as caught:
        listing.by_pair(BTC)
    assert caught.value.code == 40014


def test_paused_contract_is_listed_but_refused_for_orders() -> None:
    listing = contracts_from_details([details_row("ETHUSDT", "ETH", "0.01", status="Paused")])
    eth = TradingPair("ETH", "USDT")
    assert not listing.rules()[eth].trading_enabled
    with pytest.raises(InvalidPair, match="not trading on BitMart futures \\(status 'paused'\\)"):
        listing.by_pair(eth)


def test_step_and_min_in_several_contracts() -> None:
    row = details_row("ETHUSDT", "ETH", "0.01", vol_precision="10", min_volume="20")
    rule = contracts_from_details([row]).rules()[TradingPair("ETH", "USDT")]
    assert (rule.size_increment, rule.min_size) == (D("0.1"), D("0.2"))


def test_dated_futures_and_unreadable_rows_are_skipped_not_fatal() -> None:
    rows = [details_row("ETHUSDT", "ETH", "0.01", product_type=2),
            details_row("XUSDT", "X", "0", ),
            details_row("YUSDT", "Y", "0.1", vol_precision="0.5"),
            details_row("ZUSDT", "Z", "1")]
    listing = contracts_from_details({"symbols": rows})
    assert list(listing.rules()) == [TradingPair("Z", "USDT")]
    assert len(listing.skipped) == 2
    assert "XUSDT: contract_size" in listing.skipped[0] and "YUSDT: vol_precision" in listing.skipped[1]


def test_unknown_pair_names_close_matches(contracts: Contracts) -> None:
    with pytest.raises(InvalidPair, match="ETC-USDT is not listed by BitMart futures; did you mean .*ETH-USDT"):
        contracts.by_pair(TradingPair("ETC", "USDT"))
    with pytest.raises(ParseError, match="not in the BitMart futures listing"):
        contracts.by_symbol("DOGEUSDT")
    with pytest.raises(ParseError, match="spot-style"):
        contracts.by_symbol("BTC_USDT")


def test_base_to_contracts_is_exact_and_names_nearest_sizes(contracts: Contracts) -> None:
    btc = contracts.by_pair(BTC)
    assert btc.to_contracts(D("0.025")) == 25
    assert btc.to_base(25) == D("0.025")
    with pytest.raises(InvalidOrder, match=r"0.0255 .*nearest valid: 0.025 or 0.026") as caught:
        btc.to_contracts(D("0.0255"))
    assert caught.value.rule == "contract_size"


def test_check_order_in_base_units(contracts: Contracts) -> None:
    """The rule plugs into host_spec's check_order: a size between contracts names the nearest valid ones."""
    from bitmart_plugin.perp.bodies import validate

    ok, contract = validate(OrderRequest(BTC, Side.BUY, OrderType.LIMIT, D("0.002"), D("65000.1")), contracts)
    assert ok.amount == D("0.002") and contract.symbol == "BTCUSDT"
    with pytest.raises(InvalidOrder, match="nearest valid: 0.002 or 0.003"):
        validate(OrderRequest(BTC, Side.BUY, OrderType.LIMIT, D("0.0025"), D("65000.1")), contracts)
    with pytest.raises(InvalidOrder) as caught:
        validate(OrderRequest(BTC, Side.BUY, OrderType.MARKET, D("51")), contracts)
    assert caught.value.rule == "max_market_size"
