"""Record a few seconds of a busy sandbox's public BTC-USDT streams to JSONL (regenerates the test data).

Run: .venv/bin/python -m tests.paper.data.record tests/paper/data/sandbox_btc_usdt.jsonl
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

from host_spec import Host, OrderBookView, PublicTrade, TradingPair


def to_json(ev: OrderBookView | PublicTrade) -> dict[str, Any]:
    if isinstance(ev, PublicTrade):
        return {"type": "trade", "ts": ev.timestamp_ms, "price": str(ev.price), "amount": str(ev.amount),
                "taker": ev.taker_side.value}
    return {"type": "book", "ts": ev.timestamp_ms, "seq": ev.sequence,
            "bids": [[str(p), str(a)] for p, a in ev.bids], "asks": [[str(p), str(a)] for p, a in ev.asks]}


async def record(path: str, seconds: float = 4.0) -> None:
    host = Host.discover()
    venue = await host.start_sandbox("bitmart", {"pairs": 2, "agent_rate": 60, "seed": 7, "depth_flush_ms": 10})
    pair = TradingPair("BTC", "USDT")
    lines: list[dict[str, Any]] = []
    try:
        async with await host.open("bitmart", {}, venue.options) as conn:
            async def pump(stream: Any) -> None:
                async for ev in stream:
                    lines.append(to_json(ev))

            tasks = [asyncio.create_task(pump(conn.order_book(pair, 20))), asyncio.create_task(pump(conn.trades(pair)))]
            await asyncio.sleep(seconds)
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        await venue.close()
    with open(path, "w") as fh:
        for line in lines:
            fh.write(json.dumps(line) + "\n")
    print(f"{len(lines)} events -> {path}")


if __name__ == "__main__":
    asyncio.run(record(sys.argv[1]))
