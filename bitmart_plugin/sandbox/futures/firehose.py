"""Futures firehose: one deterministic BTCUSDT book history in the two wire forms a futures book client reads.

- `futures/depthIncrease50` (the connector's): a ``snapshot`` at version 1, then one ``update`` per step
  (version + 1 each) listing the changed levels, ``"0"`` for a level that went;
- `futures/depth50` (ccxt.pro's only swap book channel): both sides first, then after each step one message
  per side that changed, each the whole top 50 of that side (``way`` 1 bids, 2 asks).

Both carry the same book states, so a client of either holds the same book after the same step. Prices are
ticks of 0.1 around 60000.0, sizes whole contracts, as the venue pushes them (`ws_depth.py`).
"""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from ..core.depth_walk import DepthWalk
from .ws_proto import push

__all__ = ["INCREASE", "SIDES", "SYMBOL", "T0_MS", "futures_depth_frames"]

SYMBOL = "BTCUSDT"
INCREASE = f"futures/depthIncrease50:{SYMBOL}@100ms"
SIDES = f"futures/depth50:{SYMBOL}@200ms"  # the group of a subscription without a speed (the default, §3.4)
T0_MS = 1_700_000_000_000


def _levels(side: dict[int, int], ticks: list[int]) -> list[dict[str, str]]:
    return [{"price": f"{Decimal(t).scaleb(-1):f}", "vol": str(side.get(t, 0))} for t in ticks]


def futures_depth_frames(n_frames: int, levels: int = 50, per_frame: int = 10, seed: int = 1,
                         increase_group: str = INCREASE, sides_group: str = SIDES) -> tuple[list[str], list[str]]:
    """(depthIncrease frames: snapshot + `n_frames` updates, versions 1..n+1, ms_t T0_MS + step;
    depth frames: both sides, then every side each step changed), JSON text, deterministic from `seed`."""
    walk = DepthWalk(random.Random(seed * 7919 + levels * 31 + per_frame + 1), 600_000, levels, 20_000)
    bids, asks = walk.bids, walk.asks

    def increase(kind: str, version: int, b: dict[int, int], a: dict[int, int]) -> str:
        data: dict[str, Any] = {"symbol": SYMBOL, "asks": _levels(a, sorted(a)),
                                "bids": _levels(b, sorted(b, reverse=True)), "ms_t": T0_MS + version - 1,
                                "version": version, "type": kind}
        return push(increase_group, data)

    def side(way: int, version: int) -> str:
        book = bids if way == 1 else asks
        ticks = sorted(book, reverse=True) if way == 1 else sorted(book)
        return push(sides_group, {"symbol": SYMBOL, "way": way, "depths": _levels(book, ticks),
                                  "ms_t": T0_MS + version - 1})

    inc = [increase("snapshot", 1, bids, asks)]
    sides = [side(1, 1), side(2, 1)]
    for i in range(n_frames):
        ch = walk.step(per_frame)
        inc.append(increase("update", i + 2, ch["bids"], ch["asks"]))
        sides += [side(way, i + 2) for way, name in ((1, "bids"), (2, "asks")) if ch[name]]
    return inc, sides
