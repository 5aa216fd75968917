"""Depth pipeline benchmark: the connector vs ccxt.pro's bitmart handler vs bare inflate+json (the floor).

One pre-generated stream of spot/depth/increase100 frames (20 levels each on a 100-level book),
raw-deflate compressed as on the wire. Each contender consumes the same bytes in-process:

  (a) connector: its inflate (ISA-L where python-isal is installed, else zlib) -> its decoder (the C depth
      decoder where built, else orjson/json) -> route -> sequence -> apply  (WsConnection's inflate, then
      PublicStreams.on_payload), and (a+) the same plus one OrderBookView (20 levels) per applied update
  (b) ccxt.pro bitmart as shipped: ccxt's ws `Client.handle_message` on each binary frame, i.e. its own
      `inflate`, `.decode()`, its JSON parser (orjson when importable, as ccxt picks it) and
      exchange.handle_message(client, msg) -- only the socket is stubbed
  (c) floors: zlib inflate + json.loads, and zlib inflate + orjson.loads (when orjson is installed): "inflate
      + parse into dicts" as everyone does it; and (c'') the connector's own inflate + orjson.loads, the same
      floor with the inflate the connector uses (when that is not zlib)

Run: .venv/bin/python benchmarks/bench_depth.py [--frames 100000] [--repeat 3]
     .venv/bin/python benchmarks/bench_depth.py --market perp [--per-frame 10]   (futures: bench_depth_perp.py)
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
        from bitmart_plugin.sandbox.spot.firehose import generate_depth_stream
    except ImportError:  # pragma: no cover - sandbox absent
        raise SystemExit("bitmart_plugin.sandbox.spot.firehose is needed to generate the stream") from None
    out = []
    for payload in generate_depth_stream(n):
        c = zlib.compressobj(6, zlib.DEFLATED, -15)
        out.append(c.compress(json.dumps(payload, separators=(",", ":")).encode()) + c.flush())
    return out


def run_floor(frames: list[bytes]) -> None:
    loads, decompress = json.loads, zlib.decompress
    for f in frames:
        loads(decompress(f, -15))


def run_floor_orjson(frames: list[bytes], decompress: Callable[[bytes, int], bytes] = zlib.decompress) -> None:
    import orjson

    loads = orjson.loads
    for f in frames:
        loads(decompress(f, -15))


def run_floor_orjson_own_inflate(frames: list[bytes]) -> None:
    from bitmart_plugin.ws.connection import raw_inflate

    run_floor_orjson(frames, raw_inflate)


def connector_runner(with_view: bool) -> Callable[[list[bytes]], None]:
    from host_spec import TradingPair

    from bitmart_plugin.ws.connection import raw_inflate
    from bitmart_plugin.ws.fanout import Mailbox
    from bitmart_plugin.ws.public import BookFeed, PublicStreams

    def run(frames: list[bytes]) -> None:
        streams = PublicStreams("ws://127.0.0.1:9/api", cap=115)
        feed = BookFeed("BTC_USDT", TradingPair("BTC", "USDT"), lambda: None)
        streams.books["BTC_USDT"] = feed
        box: Mailbox[Any] = Mailbox(maxlen=1)
        if with_view:
            feed.subscribers.append((box, 20))
        on_payload, decompress = streams.on_payload, raw_inflate
        for f in frames:
            on_payload(decompress(f, -15))
        assert feed.stats["applied"] == len(frames) - 1, feed.stats
        assert streams.bad_frames == 0

    return run


class _StubClient:
    """A ccxt ws Client without a socket: ccxt's own frame handling, resolve/reject counted."""

    verbose = False
    decompressBinary = True
    gunzip = False
    inflate = True  # ccxt.pro bitmart sets this on its spot ws client

    def __init__(self, on_message: Callable[[Any, Any], Any]) -> None:
        from ccxt.async_support.base.ws.client import Client

        self.on_message_callback = on_message
        self.handle_message = Client.handle_message.__get__(self)
        self.handle_text_or_binary_message = Client.handle_text_or_binary_message.__get__(self)
        self.futures: dict[str, Any] = {}
        self.subscriptions: dict[str, Any] = {}
        self.rejections: dict[str, Any] = {}
        self.resolved = 0

    def resolve(self, result: Any, message_hash: str) -> Any:
        self.resolved += 1
        return result

    def reject(self, result: Any, message_hash: str | None = None) -> Any:
        return result


def ccxt_runner(frames: list[bytes] | list[str], symbol: str = "BTC_USDT", unresolved: int = 0) -> Callable[[list[bytes]], None]:
    """ccxt.pro consuming `frames` (bytes: binary messages, str: text ones); all but `unresolved` resolve a book."""
    import ccxt.pro
    from aiohttp import WSMessage, WSMsgType

    # built by aiohttp's reader in real life
    messages = [WSMessage(WSMsgType.TEXT if isinstance(f, str) else WSMsgType.BINARY, f, None) for f in frames]

    def run(_: list[bytes]) -> None:
        exchange = ccxt.pro.bitmart()
        client = _StubClient(exchange.handle_message)
        handle = client.handle_message
        for m in messages:
            handle(m)
        assert client.resolved == len(messages) - unresolved, client.resolved
        book = exchange.orderbooks[symbol]
        assert len(book["bids"]) and len(book["asks"])

    return run


def best_rates(contenders: dict[str, Callable[[list[bytes]], None]], frames: list[bytes], repeat: int) -> dict[str, float]:
    """Best-of-`repeat` msg/s per contender, run in interleaved rounds so machine noise hits all alike."""
    best = dict.fromkeys(contenders, float("inf"))
    for _ in range(repeat):
        for name, fn in contenders.items():
            gc.collect()
            t0 = time.perf_counter()
            fn(frames)
            best[name] = min(best[name], time.perf_counter() - t0)
    return {name: len(frames) / dt for name, dt in best.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--market", choices=["spot", "perp"], default="spot")
    ap.add_argument("--per-frame", type=int, default=10, help="perp: levels changed per update")
    args = ap.parse_args()
    if args.market == "perp":
        from bench_depth_perp import main as perp_main  # beside this script

        perp_main(args.frames, args.repeat, args.per_frame)
        return
    frames = make_frames(args.frames)
    raw = sum(len(zlib.decompress(f, -15)) for f in frames[1:1001]) / 1000
    print(f"{len(frames)} frames (1 snapshot + {len(frames) - 1} updates of 20 levels, 100-level book); "
          f"avg {raw:.0f} B JSON, {sum(len(f) for f in frames[1:1001]) / 1000:.0f} B deflated")
    asyncio.set_event_loop(asyncio.new_event_loop())
    contenders = {"floor": run_floor, "conn": connector_runner(False), "view": connector_runner(True), "ccxt": ccxt_runner(frames)}
    try:
        import orjson  # noqa: F401

        contenders["floor_or"] = run_floor_orjson
        from bitmart_plugin.ws.connection import INFLATE_LIB

        if INFLATE_LIB != "zlib":
            contenders["floor_own"] = run_floor_orjson_own_inflate
    except ImportError:
        pass
    rates = best_rates(contenders, frames, args.repeat)
    floor, conn, conn_view, ccxt = rates["floor"], rates["conn"], rates["view"], rates["ccxt"]
    floor_or, floor_own = rates.get("floor_or"), rates.get("floor_own")
    from ccxt.async_support.base.ws.client import json_parser

    from bitmart_plugin.ws import public
    from bitmart_plugin.ws.connection import INFLATE_LIB

    decoder = "C depth decoder" if public._decode_depth is not None else public.JSON_LIB

    from host_spec import orderbook

    print(f"book hot loop: {'C (host_spec/_levels.c)' if orderbook._store is not None else 'Python (host_spec/_levels.c not built)'}")
    print(f"(c) floor  inflate+json.loads           {floor:>10,.0f} msg/s")
    if floor_or is not None:
        print(f"(c') floor inflate+orjson.loads         {floor_or:>10,.0f} msg/s")
    if floor_own is not None:
        print(f"(c'') floor {INFLATE_LIB} inflate+orjson.loads     {floor_own:>10,.0f} msg/s")
    print(f"connector: {INFLATE_LIB} inflate, {decoder}")
    print(f"(a) connector inflate..apply             {conn:>10,.0f} msg/s")
    print(f"(a+) connector + 20-level view/update    {conn_view:>10,.0f} msg/s")
    print(f"(b) ccxt.pro bitmart as shipped ({json_parser.__name__:6s}) {ccxt:>8,.0f} msg/s")
    print(f"connector/ccxt          = {conn / ccxt:5.2f}x  (target >= 6)     with views: {conn_view / ccxt:5.2f}x (target >= 3)")
    print(f"connector/floor(json)   = {conn / floor:5.2f}   (target >= 0.55)  with views: {conn_view / floor:5.2f}")
    if floor_or is not None:
        print(f"connector/floor(orjson) = {conn / floor_or:5.2f}   (target >= 1)     with views: {conn_view / floor_or:5.2f}")
    if floor_own is not None:
        print(f"connector/floor({INFLATE_LIB}+orjson) = {conn / floor_own:5.2f}  (the floor with the connector's inflate)")


if __name__ == "__main__":
    main()
