"""Depth pipeline benchmark: the connector vs ccxt.pro's bitmart handler vs bare inflate+json (the floor).

One pre-generated stream of spot/depth/increase100 frames (20 levels each on a 100-level book),
raw-deflate compressed as on the wire. Each contender consumes the same bytes in-process:

  (a) connector: inflate -> json -> route -> sequence -> apply  (PublicStreams.on_payload)
      and (a+) the same plus one OrderBookView (20 levels) per applied update for one consumer
  (b) ccxt.pro bitmart: inflate (ccxt's own `inflate`) -> json -> exchange.handle_message(client, msg)
  (c) floor: zlib inflate + json.loads

Run: .venv/bin/python benchmarks/bench_depth.py [--frames 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import time
import zlib
from collections.abc import Callable
from typing import Any


def make_frames(n: int) -> list[bytes]:
    try:
        from bitmart_plugin.sandbox.firehose import generate_depth_stream
    except ImportError:  # pragma: no cover - sandbox absent
        raise SystemExit("bitmart_plugin.sandbox.firehose is needed to generate the stream") from None
    out = []
    for payload in generate_depth_stream(n):
        c = zlib.compressobj(6, zlib.DEFLATED, -15)
        out.append(c.compress(json.dumps(payload, separators=(",", ":")).encode()) + c.flush())
    return out


def run_floor(frames: list[bytes]) -> None:
    loads, decompress = json.loads, zlib.decompress
    for f in frames:
        loads(decompress(f, -15))


def connector_runner(with_view: bool) -> Callable[[list[bytes]], None]:
    from host_spec import TradingPair

    from bitmart_plugin.ws.fanout import Mailbox
    from bitmart_plugin.ws.public import BookFeed, PublicStreams

    def run(frames: list[bytes]) -> None:
        streams = PublicStreams("ws://127.0.0.1:9/api", cap=115)
        feed = BookFeed("BTC_USDT", TradingPair("BTC", "USDT"), lambda: None)
        streams.books["BTC_USDT"] = feed
        box: Mailbox[Any] = Mailbox(maxlen=1)
        if with_view:
            feed.subscribers.append((box, 20))
        on_payload, decompress = streams.on_payload, zlib.decompress
        for f in frames:
            on_payload(decompress(f, -15))
        assert feed.stats["applied"] == len(frames) - 1, feed.stats
        assert streams.bad_frames == 0

    return run


class _StubClient:
    """The bits of ccxt's ws Client that bitmart.handle_message touches."""

    def __init__(self) -> None:
        self.futures: dict[str, Any] = {}
        self.subscriptions: dict[str, Any] = {}
        self.rejections: dict[str, Any] = {}
        self.resolved = 0

    def resolve(self, result: Any, message_hash: str) -> Any:
        self.resolved += 1
        return result

    def reject(self, result: Any, message_hash: str | None = None) -> Any:
        return result


def ccxt_runner() -> Callable[[list[bytes]], None]:
    import ccxt.pro
    from ccxt.async_support.base.ws.functions import inflate

    def run(frames: list[bytes]) -> None:
        exchange = ccxt.pro.bitmart()
        client = _StubClient()
        handle, loads = exchange.handle_message, json.loads
        for f in frames:
            handle(client, loads(inflate(f)))
        assert client.resolved == len(frames), client.resolved
        book = exchange.orderbooks["BTC_USDT"]
        assert len(book["bids"]) and len(book["asks"])

    return run


def timed(fn: Callable[[list[bytes]], None], frames: list[bytes], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        fn(frames)
        best = min(best, time.perf_counter() - t0)
    return len(frames) / best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    frames = make_frames(args.frames)
    raw = sum(len(zlib.decompress(f, -15)) for f in frames[1:1001]) / 1000
    print(f"{len(frames)} frames (1 snapshot + {len(frames) - 1} updates of 20 levels, 100-level book); "
          f"avg {raw:.0f} B JSON, {sum(len(f) for f in frames[1:1001]) / 1000:.0f} B deflated")
    asyncio.set_event_loop(asyncio.new_event_loop())
    floor = timed(run_floor, frames, args.repeat)
    conn = timed(connector_runner(False), frames, args.repeat)
    conn_view = timed(connector_runner(True), frames, args.repeat)
    ccxt = timed(ccxt_runner(), frames, max(1, args.repeat - 1))
    print(f"(c) floor  inflate+json.loads         {floor:>10,.0f} msg/s")
    print(f"(a) connector inflate..apply           {conn:>10,.0f} msg/s")
    print(f"(a+) connector + 20-level view/update  {conn_view:>10,.0f} msg/s")
    print(f"(b) ccxt.pro bitmart handle_message    {ccxt:>10,.0f} msg/s")
    print(f"connector/ccxt  = {conn / ccxt:5.2f}x   (target >= 5.5)   with views: {conn_view / ccxt:5.2f}x")
    print(f"connector/floor = {conn / floor:5.2f}    (target >= 0.55)  with views: {conn_view / floor:5.2f}")


if __name__ == "__main__":
    main()
