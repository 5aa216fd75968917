"""The running futures venue inside the Sandbox: built beside the spot exchange, driven by one clock task."""
from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from ..core.clock import Clock
from .marks import SpotDepth, spot_index_source
from .venue import FuturesVenue

if TYPE_CHECKING:  # pragma: no cover
    from ..config import SandboxConfig

log = logging.getLogger(__name__)


def build_venue(config: "SandboxConfig", spot: SpotDepth, clock: Clock) -> FuturesVenue:
    """The futures venue on the spot venue's clock; its index follows the spot ``<BASE>_USDT`` mid."""
    return FuturesVenue(seed=config.seed, contracts=config.futures_contracts, clock=clock,
                        config=config.futures, index_source=spot_index_source(spot))


async def run_clock(venue: FuturesVenue, period_s: float) -> None:
    """Every ``period_s``: cancel-all-after timers, mark/index refresh, due funding, liquidation checks."""
    while True:
        await asyncio.sleep(period_s)
        try:
            venue.tick()
        except Exception:  # pragma: no cover - keep the venue alive
            log.exception("futures clock failed")
