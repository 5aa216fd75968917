"""Shared set-up for the futures core tests: a quiet venue on a manual clock."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from bitmart_plugin.sandbox.core.clock import ManualClock
from bitmart_plugin.sandbox.futures.config import FuturesConfig
from bitmart_plugin.sandbox.futures.venue import FuturesVenue

START_MS = 1_700_000_000_000


def venue(*accounts: str, funds: str = "100000", **config: Any) -> FuturesVenue:
    """A venue whose ``accounts`` hold ``funds`` USDT each; config fields as keywords."""
    v = FuturesVenue(seed=7, contracts=12, clock=ManualClock(START_MS), config=FuturesConfig(**config))
    for a in accounts:
        v.fund(a, Decimal(funds))
    return v


def D(x: object) -> Decimal:
    return Decimal(str(x))
