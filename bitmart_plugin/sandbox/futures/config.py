"""Switches for the places BitMart's sources disagree or are silent (bitmart_futures.md §10, Appendix A).

Defaults chosen where sources conflict, and why:

- ``position_mode`` ``hedge_mode``: Appendix A; Hummingbot sets the mode itself anyway.
- ``leverage`` 20 / ``open_type`` ``cross`` per symbol until set: Appendix A [DECISION].
- ``insufficient_margin_code`` 40012 with the 40027 text: live evidence beats the doc (C12, Q2).
- ``post_only_reject`` off: a crossing post-only order is accepted then cancelled (Q13, like spot).
- ``maker_fee`` 0.0002 / ``taker_fee`` 0.0006: the doc's trade-fee-rate; the live fee arithmetic fits 0.0006 (§2.2).
- Close or reduce-only larger than the closable volume: rejected 40020, none held 40021 (Q14); not switchable.
- Isolated margin is ``value / leverage`` without the opening fee, which is charged to the wallet: this keeps
  the liquidation price ``E × (1 − 1/leverage + mmr)`` exact as in the doc push (C18) while §5.2's live
  ``position_cross`` includes the fee; the two cannot both hold.
- ``liquidate_at_equal`` on: a mark that touches the reported liquidation price liquidates
  (equity <= maintenance); off means strictly below.
- Funding paid by isolated positions comes out of their margin, by cross positions out of the wallet (§4.2).
- ``funding_interval_s`` None: settle at epoch multiples of each contract's ``funding_interval_hours`` (§4.3).
- ``funding_cap`` 0.0375: the doc's ``funding_upper_limit`` over SKILLS' 0.003 (illustrative examples).
- ``mark_band`` 0.005: the mark is the book mid clamped to index ± 0.5 % (Appendix A).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class FuturesConfig:
    """Venue-wide choices; every field is a [DECISION] of Appendix A or §10 with its default."""

    position_mode: str = "hedge_mode"
    leverage: int = 20
    open_type: str = "cross"
    insufficient_margin_code: int = 40012
    post_only_reject: bool = False
    maker_fee: Decimal = Decimal("0.0002")
    taker_fee: Decimal = Decimal("0.0006")
    liquidate_at_equal: bool = True
    funding_interval_s: int | None = None
    fixed_funding_rate: Decimal | None = None
    funding_base_rate: Decimal = Decimal("0.0001")  # per 8 h, scaled to the interval (§4.3)
    funding_cap: Decimal = Decimal("0.0375")  # |rate| limit: the doc's funding_upper_limit (SKILLS: 0.003)
    mark_band: Decimal = Decimal("0.005")
