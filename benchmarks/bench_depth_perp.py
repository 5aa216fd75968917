"""Futures depth pipeline benchmark (bench_depth.py --market perp): the connector vs ccxt.pro's bitmart swap
handler vs the decode floor, in-process, one run, printed as ratios.

One pre-generated BTCUSDT book history (bitmart_plugin.sandbox.futures.firehose: a 50-level book, `--per-frame`
levels changed per step, sizes in whole contracts) in the two forms the venue pushes it. Futures frames are
text: nothing to inflate.

  (a) connector: the text frame as the socket parser hands it over -> UTF-8 decode -> control check -> JSON ->
      route -> perp parse (contracts to base units) -> sequence -> apply, i.e. `WsConnection._on_frame` into
      `PerpPublicStreams.on_payload` (perp/ws_public.py) with the BTCUSDT book subscribed;
      (a+) the same plus one 20-level OrderBookView per applied update for one consumer
  (b) ccxt.pro bitmart swap as shipped: ccxt's ws `Client.handle_message` (its JSON parser) then
      exchange.handle_message. ccxt.pro 4.5.70 has no handler for futures/depthIncrease (fed one, it raises
      KeyError 'depths'); its only swap book channel is futures/depth50, one side per message, the whole top
      50 each time a side changed. It gets that stream of the same book history: ~2 messages per book change.
  (c) floor: orjson.loads (and json.loads) of each depthIncrease text frame

Ratios are per book change (the same book states reached), and per message for (a) vs (c).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench_depth import _StubClient, best_rates, ccxt_runner  # beside this script

DETAILS = Path(__file__).parent.parent / "tests/data/bitmart_futures_payloads/rest_public/details_live_ccxt_2024-09.json"


def make_frames(n: int, per_frame: int) -> tuple[list[bytes], list[str]]:
    """(depthIncrease50 frames as bytes off the socket, depth50 per-side frames as ccxt's aiohttp hands them: str)."""
    from bitmart_plugin.sandbox.futures.firehose import futures_depth_frames

    inc, sides = futures_depth_frames(n, per_frame=per_frame)
    return [f.encode() for f in inc], sides


def run_floor(frames: list[bytes]) -> None:
    loads = json.loads
    for f in frames:
        loads(f)


def run_floor_orjson(frames: list[bytes]) -> None:
    import orjson

    loads = orjson.loads
    for f in frames:
        loads(f)


def connector_runner(with_view: bool) -> Callable[[list[bytes]], None]:
    from host_spec import TradingPair

    from bitmart_plugin.perp.rules import contracts_from_details
    from bitmart_plugin.perp.ws_public import PerpPublicStreams
    from bitmart_plugin.ws.book_feed import BookFeed
    from bitmart_plugin.ws.connection import WsConnection
    from bitmart_plugin.ws.dialect import FUTURES
    from bitmart_plugin.ws.fanout import Mailbox

    contracts = contracts_from_details(json.loads(DETAILS.read_text())["data"])  # the real listing: BTCUSDT 0.001 BTC

    def run(frames: list[bytes]) -> None:
        streams = PerpPublicStreams("ws://127.0.0.1:9/futures/api", lambda: contracts)
        feed = BookFeed("BTCUSDT", TradingPair("BTC", "USDT"), lambda: None, heartbeats=False)
        streams.books["BTCUSDT"] = feed
        box: Mailbox[Any] = Mailbox(maxlen=1)
        if with_view:
            feed.subscribers.append((box, 20))
        on_frame = WsConnection("ws://127.0.0.1:9/futures/api", streams.on_payload, dialect=FUTURES)._on_frame
        for f in frames:
            on_frame(False, f)
        assert feed.stats["applied"] == len(frames) - 1, feed.stats
        assert streams.bad_frames == 0

    return run


def ccxt_reads_increase(frame: bytes) -> str:
    """What ccxt.pro does with one of the connector's depthIncrease frames."""
    import ccxt.pro

    try:
        ccxt.pro.bitmart().handle_message(_StubClient(lambda c, m: None), json.loads(frame))
    except Exception as exc:  # noqa: BLE001 - reported, not handled
        return f"raises {type(exc).__name__} {exc}"
    return "handled"


def main(frames_n: int, repeat: int, per_frame: int) -> None:
    frames, sides = make_frames(frames_n, per_frame)
    updates = len(frames) - 1
    print(f"{len(frames)} futures/depthIncrease50 frames (1 snapshot + {updates} updates of {per_frame} levels, 50-level "
          f"book, contracts), avg {sum(len(f) for f in frames[1:1001]) / 1000:.0f} B text; the same history as "
          f"{len(sides)} futures/depth50 per-side frames for ccxt.pro, avg {sum(len(f) for f in sides[2:1002]) / 1000:.0f} B")
    print(f"ccxt.pro fed a depthIncrease frame: {ccxt_reads_increase(frames[1])}")
    asyncio.set_event_loop(asyncio.new_event_loop())
    contenders = {"floor": run_floor, "floor_or": run_floor_orjson, "conn": connector_runner(False),
                  "view": connector_runner(True),
                  "ccxt": ccxt_runner(sides, "BTCUSDT", unresolved=1)}  # the first side alone resolves nothing
    rates = best_rates(contenders, frames, repeat)  # msg/s over `frames`; ccxt's run covers the same updates
    per_update = {k: v * updates / len(frames) for k, v in rates.items()}  # ccxt's run reached the same states
    ccxt_msgs = rates["ccxt"] * len(sides) / len(frames)
    from ccxt.async_support.base.ws.client import json_parser

    from host_spec import orderbook

    print(f"book hot loop: {'C (host_spec/_levels.c)' if orderbook._store is not None else 'Python'}")
    print(f"(c)  floor json.loads of the text frame   {rates['floor']:>10,.0f} msg/s")
    print(f"(c') floor orjson.loads of the text frame {rates['floor_or']:>10,.0f} msg/s")
    print(f"(a)  connector frame..apply               {rates['conn']:>10,.0f} msg/s = book changes/s")
    print(f"(a+) connector + 20-level view/update     {rates['view']:>10,.0f} msg/s")
    print(f"(b)  ccxt.pro bitmart swap ({json_parser.__name__:6s})       {ccxt_msgs:>10,.0f} msg/s (depth50 sides), "
          f"{per_update['ccxt']:,.0f} book changes/s")
    print(f"connector/ccxt (book changes/s)   = {per_update['conn'] / per_update['ccxt']:5.2f}x   with views: "
          f"{per_update['view'] / per_update['ccxt']:5.2f}x")
    print(f"connector/floor(orjson) (msg/s)   = {rates['conn'] / rates['floor_or']:5.2f}    with views: "
          f"{rates['view'] / rates['floor_or']:5.2f}")
    print(f"connector/floor(json) (msg/s)     = {rates['conn'] / rates['floor']:5.2f}    with views: "
          f"{rates['view'] / rates['floor']:5.2f}")
