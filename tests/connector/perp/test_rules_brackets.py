"""Maintenance margin rates from `/contract/public/leverage-bracket` (the doc payload): each contract's rule gets
its first risk tier's ratio; unreadable rows leave that contract without one and are named."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from host_spec import TradingPair

from bitmart_plugin.fields import ParseError
from bitmart_plugin.perp.rules import contracts_from_details, with_maintenance_rates

from .helpers import data, details_row

FUN = TradingPair("FUN", "USDT")


def listing():
    return contracts_from_details({"symbols": [details_row("FUNUSDT", "FUN", "1"), details_row("LTCUSDT", "LTC", "0.001")]})


def test_first_tier_ratio_becomes_the_rules_maintenance_rate() -> None:
    brackets = data("rest_public/leverage_bracket_doc.json")
    rules = with_maintenance_rates(listing(), brackets).rules()
    assert rules[FUN].maintenance_margin_rate == D("0.01")  # tier 1 (notional 0 to 10000) of the doc row
    assert rules[TradingPair("LTC", "USDT")].maintenance_margin_rate is None  # not in the answer
    assert rules[FUN].contract_size == D("1") and rules[FUN].max_leverage == listing().rules()[FUN].max_leverage


def test_tiers_in_any_order_and_bad_rows_are_skipped_by_name() -> None:
    rows = [{"symbol": "FUNUSDT", "brackets": [
                {"bracket": 2, "notional_floor": "10000", "maint_margin_ratio": "0.02"},
                {"bracket": 1, "notional_floor": "0", "maint_margin_ratio": "0.01"}]},
            {"symbol": "LTCUSDT", "brackets": [{"bracket": 1, "notional_floor": "0", "maint_margin_ratio": "5"}]}]
    contracts = with_maintenance_rates(listing(), {"rules": rows})
    assert contracts.rules()[FUN].maintenance_margin_rate == D("0.01")
    assert contracts.rules()[TradingPair("LTC", "USDT")].maintenance_margin_rate is None
    assert [s for s in contracts.skipped if s.startswith("LTCUSDT brackets")], contracts.skipped


def test_an_answer_without_rules_is_refused() -> None:
    with pytest.raises(ParseError, match="data.rules"):
        with_maintenance_rates(listing(), {"symbols": []})
