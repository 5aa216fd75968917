"""Firehose: a deterministic, pre-generated `spot/depth/increase100:BTC_USDT` stream for benchmarks.

`generate_depth_stream` returns the JSON payloads (snapshot first, then contiguous updates of
`per_frame` levels each over a `levels`-per-side book); the server pre-compresses them and pushes
them to a subscriber as fast as the socket drains.
"""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from ..core.depth_walk import DepthWalk
from ..deflate import encode_push

TABLE = "spot/depth/increase100"
SYMBOL = "BTC_USDT"
T0_MS = 1_700_000_000_000


def _fmt_p(ticks: int) -> str:
    return f"{Decimal(ticks).scaleb(-2):f}"


def _fmt_s(units: int) -> str:
    return f"{Decimal(units).scaleb(-5):f}" if units else "0"


def generate_depth_stream(n_frames: int, levels: int = 100, per_frame: int = 20,
                          seed: int = 1) -> list[dict[str, Any]]:
    """Snapshot + `n_frames` update payloads (versions 1..n_frames+1), deterministic from `seed`."""
    walk = DepthWalk(random.Random(seed * 7919 + levels * 31 + per_frame), 6_000_000, levels, 500_000)  # 60000.00
    bids, asks = walk.bids, walk.asks
    out: list[dict[str, Any]] = [{"table": TABLE, "data": [{
        "symbol": SYMBOL, "type": "snapshot", "version": 1, "ms_t": T0_MS,
        "asks": [[_fmt_p(p), _fmt_s(asks[p])] for p in sorted(asks)],
        "bids": [[_fmt_p(p), _fmt_s(bids[p])] for p in sorted(bids, reverse=True)]}]}]
    for i in range(n_frames):
        ch = walk.step(per_frame)
        out.append({"table": TABLE, "data": [{
            "symbol": SYMBOL, "type": "update", "version": i + 2, "ms_t": T0_MS + i + 1,
            "asks": [[_fmt_p(p), _fmt_s(s)] for p, s in sorted(ch["asks"].items())],
            "bids": [[_fmt_p(p), _fmt_s(s)] for p, s in sorted(ch["bids"].items(), reverse=True)]}]})
    return out


def firehose_frames(n_frames: int, seed: int = 1) -> list[bytes]:
    """The stream above, each payload as one raw-deflate binary frame."""
    return [encode_push(p) for p in generate_depth_stream(n_frames, seed=seed)]
