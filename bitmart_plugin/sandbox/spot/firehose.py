"""Firehose: a deterministic, pre-generated `spot/depth/increase100:BTC_USDT` stream for benchmarks.

`generate_depth_stream` returns the JSON payloads (snapshot first, then contiguous updates of
`per_frame` levels each over a `levels`-per-side book); the server pre-compresses them and pushes
them to a subscriber as fast as the socket drains.
"""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

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
    rng = random.Random(seed * 7919 + levels * 31 + per_frame)
    mid = 6_000_000  # 60000.00 in ticks of 0.01
    bids = {mid - 1 - i * rng.randint(1, 3): rng.randint(1, 500_000) for i in range(levels)}
    asks = {mid + 1 + i * rng.randint(1, 3): rng.randint(1, 500_000) for i in range(levels)}
    while len(bids) < levels:
        bids[min(bids) - 1] = rng.randint(1, 500_000)
    while len(asks) < levels:
        asks[max(asks) + 1] = rng.randint(1, 500_000)
    out: list[dict[str, Any]] = [{"table": TABLE, "data": [{
        "symbol": SYMBOL, "type": "snapshot", "version": 1, "ms_t": T0_MS,
        "asks": [[_fmt_p(p), _fmt_s(asks[p])] for p in sorted(asks)],
        "bids": [[_fmt_p(p), _fmt_s(bids[p])] for p in sorted(bids, reverse=True)]}]}]
    for i in range(n_frames):
        ch: dict[str, dict[int, int]] = {"bids": {}, "asks": {}}
        n = 0
        while n < per_frame:
            name = "bids" if rng.random() < 0.5 else "asks"
            book = bids if name == "bids" else asks
            price = rng.choice(list(book))
            if n + 2 <= per_frame and rng.random() < 0.25 and price not in ch[name]:
                # replace: the level goes, a new one appears inside the same band
                lo, hi = min(book), max(book)
                new = rng.randint(lo, hi)
                if new in book or (name == "bids" and new >= min(asks)) or (name == "asks" and new <= max(bids)):
                    continue
                del book[price]
                book[new] = rng.randint(1, 500_000)
                ch[name][price] = 0
                ch[name][new] = book[new]
                n += 2
            else:
                book[price] = rng.randint(1, 500_000)
                ch[name][price] = book[price]
                n = sum(len(v) for v in ch.values())
        out.append({"table": TABLE, "data": [{
            "symbol": SYMBOL, "type": "update", "version": i + 2, "ms_t": T0_MS + i + 1,
            "asks": [[_fmt_p(p), _fmt_s(s)] for p, s in sorted(ch["asks"].items())],
            "bids": [[_fmt_p(p), _fmt_s(s)] for p, s in sorted(ch["bids"].items(), reverse=True)]}]})
    return out


def firehose_frames(n_frames: int, seed: int = 1) -> list[bytes]:
    """The stream above, each payload as one raw-deflate binary frame."""
    return [encode_push(p) for p in generate_depth_stream(n_frames, seed=seed)]
