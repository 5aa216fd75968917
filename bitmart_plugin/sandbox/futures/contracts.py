"""Deterministic USDT-M contract rules with leverage brackets (bitmart_futures.md §1.1-1.2, Appendix A).

``BTCUSDT``, ``ETHUSDT`` and ``LTCUSDT`` come first with the appendix's figures, then contracts on
the spot generator's known bases, then generated names; one contract is ``Delisted``.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from ..core.assets import KNOWN

#: leverage of the tiers after the first one (ratios 1/(2 × leverage), as in the doc's FUNUSDT table)
TIER_LEVERAGES = (50, 25, 20, 16, 10, 8, 5, 4, 2, 1)
#: notional caps of the tiers as multiples of the first cap (the doc's FUNUSDT proportions)
CAP_MULTIPLES = (1, 10, 20, 40, 70, 110, 160, 220, 290, 370)
DELISTED_INDEX = 9  # the tenth contract is delisted
DELIST_TIME_S = 1_745_830_379


@dataclass(frozen=True, slots=True)
class Bracket:
    """One risk tier: positions with value in [floor, cap) use ``maint_margin_ratio`` and ``cum``."""

    bracket: int
    initial_leverage: int
    notional_floor: Decimal
    notional_cap: Decimal
    maint_margin_ratio: Decimal
    cum: Decimal


@dataclass(frozen=True, slots=True)
class ContractRules:
    """Rules of one perpetual, as /contract/public/details publishes them (sizes in contracts)."""

    symbol: str
    base: str
    quote: str
    contract_size: Decimal
    price_tick: Decimal
    vol_step: Decimal
    min_volume: Decimal
    max_volume: Decimal
    market_max_volume: Decimal
    min_leverage: int
    max_leverage: int
    brackets: tuple[Bracket, ...]
    funding_interval_hours: int
    status: str
    delist_time_s: int
    ref_price: Decimal

    @property
    def trading(self) -> bool:
        return self.status == "Trading"

    def bracket_for(self, value: Decimal) -> Bracket:
        """The tier of a position worth ``value`` USDT (the last tier beyond every cap)."""
        for b in self.brackets:
            if value < b.notional_cap:
                return b
        return self.brackets[-1]

    def maintenance(self, value: Decimal) -> Decimal:
        """Maintenance margin of a position worth ``value``: ``value × mmr − cum``."""
        b = self.bracket_for(value)
        return value * b.maint_margin_ratio - b.cum


def brackets(max_leverage: int, first_mmr: Decimal, first_cap: Decimal) -> tuple[Bracket, ...]:
    """Tiers from ``max_leverage`` down to 1 with ``cum`` chained so maintenance is continuous."""
    levs = [max_leverage] + [x for x in TIER_LEVERAGES if x < max_leverage]
    levs = levs[:len(CAP_MULTIPLES)]
    out: list[Bracket] = []
    floor = cum = Decimal(0)
    prev_mmr = first_mmr
    for i, lev in enumerate(levs):
        mmr = first_mmr if i == 0 else max(prev_mmr, Decimal(1) / (2 * lev))
        cum += floor * (mmr - prev_mmr)
        cap = first_cap * CAP_MULTIPLES[i]
        out.append(Bracket(i + 1, lev, floor, cap, mmr, cum))
        floor, prev_mmr = cap, mmr
    return tuple(out)


def _contract(symbol: str, base: str, cs: str, tick: str, usd: Decimal, max_lev: int, mmr: str,
              interval: int = 8, status: str = "Trading", first_cap: str = "10000") -> ContractRules:
    t = Decimal(tick)
    return ContractRules(
        symbol=symbol, base=base, quote="USDT", contract_size=Decimal(cs), price_tick=t,
        vol_step=Decimal(1), min_volume=Decimal(1), max_volume=Decimal(500000),
        market_max_volume=Decimal(500000), min_leverage=1, max_leverage=max_lev,
        brackets=brackets(max_lev, Decimal(mmr), Decimal(first_cap)),
        funding_interval_hours=interval, status=status,
        delist_time_s=DELIST_TIME_S if status == "Delisted" else 0,
        ref_price=max(t, usd.quantize(t, rounding=ROUND_HALF_UP)),
    )


def _generated(rng: random.Random, idx: int, base: str, usd: Decimal) -> ContractRules:
    exp = math.floor(math.log10(float(usd)))
    cs = Decimal(10) ** -exp  # one contract is worth 1 to 10 USDT
    tick = Decimal(10) ** (exp - 4 - rng.choice((0, 0, 1)))
    interval = 4 if idx % 7 == 3 else 1 if idx % 11 == 5 else 8
    status = "Delisted" if idx == DELISTED_INDEX else "Trading"
    return _contract(f"{base}USDT", base, str(cs), str(tick), usd, rng.choice((20, 25, 50, 100)),
                     "0.01", interval, status)


def generate_contracts(seed: int, n: int) -> list[ContractRules]:
    """``n`` (>= 3) contracts, deterministic in ``seed``; BTCUSDT, ETHUSDT, LTCUSDT first."""
    rng = random.Random(seed)
    out = [
        _contract("BTCUSDT", "BTC", "0.001", "0.1", Decimal(60000), 100, "0.005", first_cap="500000"),
        _contract("ETHUSDT", "ETH", "0.01", "0.01", Decimal(3000), 100, "0.005", first_cap="250000"),
        _contract("LTCUSDT", "LTC", "0.001", "0.01", Decimal(80), 50, "0.025"),
    ]
    names = [(b, Decimal(p)) for b, p in KNOWN if b not in ("ETH", "LTC")]
    k = 0
    while len(out) < max(3, n):
        if names:
            base, usd = names.pop(0)
        else:
            base = "".join(chr(ord("A") + rng.randrange(26)) for _ in range(3)) + str(k % 10)
            usd = (Decimal(10) ** rng.randint(-3, 3) * Decimal(rng.randint(100, 999)) / 100).normalize()
            k += 1
        if any(c.base == base for c in out):
            continue
        out.append(_generated(rng, len(out), base, usd))
    return out[:max(3, n)]
