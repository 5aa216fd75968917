"""Contracts from the seed: the appendix's three, generated ones, one delisted; brackets chain."""
from __future__ import annotations

from bitmart_plugin.sandbox.futures.contracts import generate_contracts

from .helpers import D


def test_known_contracts_carry_the_appendix_figures() -> None:
    btc, eth, ltc = generate_contracts(1, 3)
    assert (btc.symbol, btc.contract_size, btc.price_tick, btc.vol_step) == ("BTCUSDT", D("0.001"), D("0.1"), D(1))
    assert (btc.min_volume, btc.max_volume, btc.market_max_volume) == (D(1), D(500000), D(500000))
    assert (btc.min_leverage, btc.max_leverage, btc.brackets[0].maint_margin_ratio) == (1, 100, D("0.005"))
    assert (eth.symbol, eth.contract_size) == ("ETHUSDT", D("0.01"))
    assert (ltc.symbol, ltc.contract_size, ltc.price_tick, ltc.max_leverage) == ("LTCUSDT", D("0.001"), D("0.01"), 50)
    assert ltc.brackets[0].maint_margin_ratio == D("0.025")
    assert all(c.funding_interval_hours == 8 and c.trading for c in (btc, eth, ltc))


def test_generation_is_deterministic_with_one_delisted_contract_and_mixed_intervals() -> None:
    a, b = generate_contracts(5, 30), generate_contracts(5, 30)
    assert a == b
    assert len({c.symbol for c in a}) == 30
    delisted = [c for c in a if not c.trading]
    assert len(delisted) == 1 and delisted[0].status == "Delisted" and delisted[0].delist_time_s > 10**9
    assert {c.funding_interval_hours for c in a} == {1, 4, 8}
    for c in a:
        assert c.ref_price % c.price_tick == 0 and c.ref_price > 0
        assert 1 <= c.ref_price * c.contract_size * 10 ** 6  # a contract is never worth nothing


def test_brackets_chain_so_maintenance_is_continuous_at_every_cap() -> None:
    for c in generate_contracts(3, 20):
        levs = [b.initial_leverage for b in c.brackets]
        assert levs == sorted(levs, reverse=True) and levs[0] == c.max_leverage
        for lo, hi in zip(c.brackets, c.brackets[1:]):
            assert hi.notional_floor == lo.notional_cap
            at_cap = lo.notional_cap
            assert at_cap * lo.maint_margin_ratio - lo.cum == at_cap * hi.maint_margin_ratio - hi.cum
        assert c.bracket_for(D(0)) is c.brackets[0]
        assert c.bracket_for(c.brackets[-1].notional_cap * 10) is c.brackets[-1]


def test_the_docs_funusdt_table_is_what_the_generator_builds_for_its_shape() -> None:
    from bitmart_plugin.sandbox.futures.contracts import brackets
    got = brackets(50, D("0.01"), D("10000"))
    assert [(b.initial_leverage, b.maint_margin_ratio, b.cum) for b in got[:4]] == [
        (50, D("0.01"), D(0)), (25, D("0.02"), D(100)), (20, D("0.025"), D(600)), (16, D("0.03125"), D(1850))]
