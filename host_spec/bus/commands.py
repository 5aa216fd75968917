"""`host-spec publish CONNECTOR`: follow pairs of a connector and publish them to NATS JetStream."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

__all__ = ["add_publish_command", "choose_pairs"]


def choose_pairs(spec: str, listed: list[Any], shard: tuple[int, int]) -> list[Any]:
    """The pairs of `spec` ("all" or "A,B") that fall in `shard` (I, N); ValueError naming an unknown pair."""
    from host_spec.bus.names import shard_of
    from host_spec.models import TradingPair

    if spec.strip().lower() == "all":
        wanted = sorted(listed)
    else:
        wanted = [TradingPair.parse(part) for part in spec.split(",") if part.strip()]
        unknown = [str(p) for p in wanted if listed and p not in listed]
        if unknown:
            raise ValueError(f"--pairs: not listed by the venue: {', '.join(unknown)}")
    index, count = shard
    return [pair for pair in wanted if shard_of(pair, count) == index]


async def _publish(host: Any, args: argparse.Namespace) -> int:
    import asyncio
    import time

    from host_spec.bus.client import StreamSettings, connect
    from host_spec.bus.names import nats_url, parse_shard
    from host_spec.bus.publisher import Publisher

    info = host.connector(args.connector)
    missing = {"order_book_stream", "trades_stream"} - info.capabilities
    if missing:
        raise ValueError(f"{info.id} has no {' or '.join(sorted(missing))}: nothing to publish")
    unknown = [key for key, _ in args.option or [] if key not in info.options]
    if unknown:
        raise ValueError(f"-o {unknown[0]}: unknown option of {info.id}; known options: {', '.join(info.options) or 'none'}")
    shard = parse_shard(args.shard)
    settings = StreamSettings(args.storage, args.replicas, args.max_age, max_consumers=args.max_consumers)
    url = nats_url({"nats_url": args.nats})
    venue = None
    if args.sandbox:
        venue = await host.start_sandbox(info.id, {"pairs": args.sandbox_pairs})
    options = {**(dict(venue.options) if venue else {}), **dict(args.option or [])}
    try:
        async with await host.open(info.id, {}, options) as conn:
            listed = list(await conn.trading_rules()) if "trading_rules" in info.capabilities else []
            pairs = choose_pairs(args.pairs, listed, shard)
            if not pairs:
                raise ValueError(f"shard {args.shard} holds none of the {len(listed) or 'given'} pairs")
            nc = await connect(url, f"{info.id} publisher {args.shard}")
            publisher = Publisher(conn, nc, pairs, depth=args.depth, snapshot_every_s=args.snapshot_every, settings=settings)
            print(f"publishing {len(pairs)} pair(s) of {info.id} (shard {args.shard}) to {url} as "
                  f"hs.{info.id}.book.<PAIR> and hs.{info.id}.trades.<PAIR>; Ctrl-C stops", file=sys.stderr, flush=True)
            task = asyncio.create_task(publisher.run())
            started = time.monotonic()
            end = started + args.seconds if args.seconds > 0 else float("inf")
            try:
                while not task.done() and (left := end - time.monotonic()) > 0:
                    step = min(args.stats_every, left) if args.stats_every > 0 else left
                    await asyncio.wait({task}, timeout=None if step == float("inf") else step)
                    if args.stats_every > 0 and not task.done():
                        print(json.dumps({"t": round(time.monotonic() - started, 1), "pid": os.getpid(),
                                          **publisher.stats}), flush=True)
                if task.done():
                    task.result()
            finally:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
                await nc.close()
    finally:
        if venue is not None:
            await venue.close()
    return 0


def cmd_publish(host: Any, args: argparse.Namespace) -> int:
    import asyncio

    return asyncio.run(_publish(host, args))


def _positive(kind: type) -> Any:
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            value = -1
        if not value > 0:
            raise argparse.ArgumentTypeError(f"{text!r} must be a positive number")
        return value

    return parse


def _key_value(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"{text!r}: expected KEY=VALUE")
    return key.strip(), value.strip()


def add_publish_command(subparsers: Any) -> None:
    p = subparsers.add_parser("publish", help="publish a connector's books and trades to NATS JetStream (read them "
                              "back as CONNECTOR_bus)")
    p.add_argument("connector", help="the connector to follow, e.g. bitmart")
    p.add_argument("--pairs", default="all", help="A,B (BASE-QUOTE) or all (default)")
    p.add_argument("--shard", default="0/1", help="I/N: only the pairs whose CRC-32 of BASE-QUOTE mod N is I (default 0/1)")
    p.add_argument("--nats", help="NATS URL (default: $HOST_SPEC_NATS_URL, else nats://127.0.0.1:4222)")
    p.add_argument("--depth", type=_positive(int), default=20, help="levels a side kept on the bus (default 20)")
    p.add_argument("--snapshot-every", type=_positive(float), default=1.0,
                   help="seconds between full books written to the key-value bucket, per pair (default 1)")
    p.add_argument("--storage", choices=["file", "memory"], default="file", help="when creating the stream (default file)")
    p.add_argument("--replicas", type=_positive(int), default=1, help="stream replicas when creating it on a cluster")
    p.add_argument("--max-age", type=_positive(float), default=300.0, help="seconds a message stays in the stream")
    p.add_argument("--max-consumers", type=_positive(int), default=100_000,
                   help="when creating the stream: consumers it may have (one per reader stream of a pair)")
    p.add_argument("--stats-every", type=float, default=0.0, help="print a JSON line of counts every S seconds")
    p.add_argument("--seconds", type=float, default=0.0, help="stop after S seconds (default: run until Ctrl-C)")
    p.add_argument("--sandbox", action="store_true", help="start the connector's in-process sandbox and publish it")
    p.add_argument("--sandbox-pairs", type=int, default=20, help=argparse.SUPPRESS)
    p.add_argument("-o", "--option", action="append", type=_key_value, metavar="KEY=VALUE",
                   help="a session option of the connector, repeatable (e.g. ws_public_url=..., conflate_books=yes)")
    p.set_defaults(func=cmd_publish)
