"""Deterministic generator of spot symbol rules (api §6.2) with a reference mid price each."""
from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from ..core.assets import BTC_USD, KNOWN, KNOWN_BTC


@dataclass(frozen=True, slots=True)
class SymbolRules:
    """Trading rules of one spot symbol, as /spot/v1/symbols/details publishes them."""

    symbol: str
    symbol_id: int
    base: str
    quote: str
    size_step: Decimal
    min_size: Decimal
    max_size: Decimal
    price_max_precision: int
    price_min_precision: int
    min_buy_amount: Decimal
    min_sell_amount: Decimal
    trade_status: str
    ref_price: Decimal = Decimal(0)  # core addition: reference mid, a multiple of the tick
    tick: Decimal = field(init=False, repr=False, compare=False)  # 10^-price_max_precision

    def __post_init__(self) -> None:
        # read at every order: computed once, not per read
        object.__setattr__(self, "tick", Decimal(1).scaleb(-self.price_max_precision))

    @property
    def trading(self) -> bool:
        return self.trade_status == "trading"


def _letters(i: int) -> str:
    """0 -> AAA, 1 -> AAB ... (three letters, base 26)."""
    out = ""
    for _ in range(3):
        out = chr(ord("A") + i % 26) + out
        i //= 26
    return out


def _make(rng: random.Random, sid: int, base: str, quote: str, usd: Decimal, status: str) -> SymbolRules:
    """Rules for one pair whose base is worth ``usd`` dollars."""
    price = usd if quote == "USDT" else usd / BTC_USD
    exp = math.floor(math.log10(float(price)))  # magnitude only; prices are Decimal below
    ppm = max(0, min(8, 5 - exp + rng.choice((0, 0, 1, 2))))
    tick = Decimal(1).scaleb(-ppm)
    ref = max(tick, price.quantize(tick, rounding=ROUND_HALF_UP))
    usd_exp = math.floor(math.log10(float(usd)))
    step_dec = max(0, min(8, usd_exp + rng.choice((1, 1, 2, 3))))
    step = Decimal(1).scaleb(-step_dec)
    min_amount = Decimal(rng.choice(("5", "5", "5", "1", "10"))) if quote == "USDT" else Decimal("0.0001")
    max_size = Decimal(10 ** (rng.choice((8, 9, 10)) - step_dec)) if step_dec <= 8 else Decimal(1)
    pmin = ppm - rng.choice((0, 1, 2, 3, 4))
    return SymbolRules(
        symbol=f"{base}_{quote}", symbol_id=sid, base=base, quote=quote,
        size_step=step, min_size=step, max_size=max_size,
        price_max_precision=ppm, price_min_precision=max(pmin, -2),
        min_buy_amount=min_amount, min_sell_amount=min_amount,
        trade_status=status, ref_price=ref,
    )


def generate_symbols(seed: int, n: int) -> list[SymbolRules]:
    """``n`` (>= 1) symbols, deterministic in ``seed``; BTC_USDT first, then ETH_USDT, ...

    Every symbol at index ``i >= 2`` with ``i % 33 == 7`` is ``pre-trade`` (about 3%).
    """
    rng = random.Random(seed)
    out = [SymbolRules(
        symbol="BTC_USDT", symbol_id=1, base="BTC", quote="USDT",
        size_step=Decimal("0.00001"), min_size=Decimal("0.00001"), max_size=Decimal("100000000"),
        price_max_precision=2, price_min_precision=-1,
        min_buy_amount=Decimal("5"), min_sell_amount=Decimal("5"),
        trade_status="trading", ref_price=BTC_USD.quantize(Decimal("0.01")),
    )]
    names: list[tuple[str, str, Decimal]] = [(b, "USDT", Decimal(p)) for b, p in KNOWN]
    usd_of = {b: Decimal(p) for b, p in KNOWN}
    names += [(b, "BTC", usd_of[b]) for b in KNOWN_BTC]
    i = 0
    while len(out) < n:
        idx = len(out)
        if i < len(names):
            base, quote, usd = names[i]
        else:
            k = i - len(names)
            base = _letters(k) + "1"
            quote = "BTC" if k % 10 == 9 else "USDT"
            low_exp = 0 if quote == "BTC" else -5  # keep BTC-quoted prices >= 1000 ticks
            usd = (Decimal(10) ** rng.randint(low_exp, 4) * Decimal(rng.randint(100, 999)) / 100).normalize()
        i += 1
        status = "pre-trade" if idx >= 2 and idx % 33 == 7 else "trading"
        out.append(_make(rng, idx + 1, base, quote, usd, status))
    return out[:n]
