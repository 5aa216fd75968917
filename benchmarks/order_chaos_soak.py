"""Soak: lost order answers followed by 429 storms and 5xx; count orders lost, doubled, or reported
failed or rate-limited while they were placed.

Each round arms the sandbox to lose the answers of a few order requests (carried out, connection
closed) and to follow every lost answer with a storm of 5xx and 429s (`after_loss_5xx`,
`after_loss_429`; the 429s carry BitMart's exhausted-window headers). About one round in four instead
answers every request with 429 for 25 s from its first lost answer on, with private pushes delayed as
long, which outlasts the connector's 20 s resolution budget: OrderStateUnknown occurs there. Then it places a batch of orders at
once through the real connector (Host -> plugin -> ccxt -> loopback sockets), as a careful host
would: an order reported *not placed* (any error but OrderStateUnknown) is sent again under a new client
id after `retry_after`; an OrderStateUnknown is never resent, its settling event is awaited instead.
At the end the sandbox's own order list is the truth.

Counts that must be 0: lost (an order at the venue we do not track, or one reported placed that the
venue lacks), doubled (a host request with more than one order at the venue), failed_while_placed (a
client id reported not placed, or settled FAILED, whose order exists at the venue; rate_limited_while_placed
is the RateLimited share of it), unsettled (unknown outcomes still pending at the end).

`--connector bitmart_perpetual` runs the same soak on the futures venue (BTCUSDT, hedge mode, every order
opening a position; sizes in base units, 0.001 BTC = one contract): the futures venue's order list is the truth.

Loopback only; stops by itself (bounded by --orders and --deadline).
Usage: python benchmarks/order_chaos_soak.py [--connector bitmart|bitmart_perpetual] [--orders 120] [--batch 10] [--seed 3]
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal as D
from typing import Any

from host_spec import (
    ConnectorError, Host, OrderEvent, OrderRequest, OrderState, OrderStateUnknown, OrderType, PositionAction,
    PositionMode, RateLimited, Side, TradingPair,
)

PAIR = TradingPair("BTC", "USDT")
RETRIES = 6
LONG_STORM_S = 25  # longer than the connector's 20 s resolution budget


@dataclass
class Request:
    """One order a host wants, and every client id it was sent under."""

    order: OrderRequest
    cids: list[str] = field(default_factory=list)
    outcomes: dict[str, str] = field(default_factory=dict)  # cid -> placed | unknown | error type name


async def place(conn: Any, req: Request, n: int) -> None:
    """Place like a careful host: resend only what was reported not placed, never an unknown order."""
    for attempt in range(RETRIES):
        cid = f"soak{n:05d}r{attempt}"
        req.cids.append(cid)
        o = req.order
        try:
            await conn.place_order(OrderRequest(o.pair, o.side, o.order_type, o.amount, o.price, client_order_id=cid,
                                                position_action=o.position_action))
        except OrderStateUnknown:
            req.outcomes[cid] = "unknown"
            return
        except ConnectorError as exc:
            req.outcomes[cid] = type(exc).__name__
            wait = exc.retry_after if isinstance(exc, RateLimited) and exc.retry_after else 0.2
            await asyncio.sleep(min(wait, 2.0))
            continue
        req.outcomes[cid] = "placed"
        return


async def storm_after_loss(faults: Any, seconds: float) -> None:
    """From the round's first lost answer on, every request gets a 429 for `seconds`: a server window
    that stays exhausted longer than the connector's resolution budget."""
    if seconds <= 0:
        return
    seen = faults.fired.get("lose_response", 0)
    while faults.fired.get("lose_response", 0) == seen:
        await asyncio.sleep(0.01)
    faults.set("burst_429", 1_000_000)
    try:
        await asyncio.sleep(seconds)
    finally:
        faults.set("burst_429", 0)


class SpotVenue:
    """BTC_USDT on the spot venue."""

    connector = "bitmart"
    action: PositionAction | None = None

    def __init__(self, sb: Any) -> None:
        self.sb = sb

    async def prepare(self, conn: Any) -> None:
        await conn.trading_rules()

    def touch(self) -> tuple[D, D]:
        bids, asks = self.sb.exchange.depth("BTC_USDT", 1)
        return bids[0][0], asks[0][0]

    def orders(self) -> list[Any]:
        """Every order the venue holds for our account (each has `client_order_id`)."""
        return [o for o in self.sb.exchange.all_orders() if o.account_id == self.sb.credentials.account_id]


class PerpVenue(SpotVenue):
    """BTCUSDT on the futures venue, in hedge mode: every order opens a long or a short."""

    connector = "bitmart_perpetual"
    action = PositionAction.OPEN

    async def prepare(self, conn: Any) -> None:
        await conn.trading_rules()
        await conn.set_position_mode(PositionMode.HEDGE)
        await conn.fee_rates(PAIR)  # known before the storms (maker and taker fills are told apart with them)

    def touch(self) -> tuple[D, D]:
        """Best bid and ask; the futures books are thin: a side the agents emptied is a band around the other."""
        fut = self.sb.state.futures
        bids, asks = fut.depth("BTCUSDT", 1)
        last = fut.engine.last_price["BTCUSDT"]
        bid = bids[0][0] if bids else (asks[0][0] if asks else last) - D(12)
        return bid, asks[0][0] if asks else bid + D(24)

    def orders(self) -> list[Any]:
        return list(self.sb.state.futures.orders_of(self.sb.credentials.account_id))


VENUES = {v.connector: v for v in (SpotVenue, PerpVenue)}


def batch_of(venue: SpotVenue, rng: random.Random, size: int) -> list[OrderRequest]:
    bid, ask = venue.touch()
    out = []
    for _ in range(size):
        side = rng.choice([Side.BUY, Side.SELL])
        ticks = D(rng.randint(-15, 8))  # away from our side's best; below -spread it crosses (taker)
        price = (bid - ticks) if side is Side.BUY else (ask + ticks)
        out.append(OrderRequest(PAIR, side, OrderType.LIMIT, D("0.001") * rng.randint(1, 5), price,
                                position_action=venue.action))
    return out


async def soak(connector: str, orders: int, batch: int, seed: int, deadline_s: float, long_share: float) -> int:
    rng = random.Random(seed)
    started = time.monotonic()
    host = Host.discover()
    venue = await host.start_sandbox(connector, {"seed": seed, "pairs": 3, "agent_rate": 40})
    sb = venue.sandbox  # type: ignore[attr-defined]
    market = VENUES[connector](sb)
    conn = await host.open(connector, venue.credentials, venue.options)
    events: list[OrderEvent] = []

    async def consume() -> None:
        async for ev in conn.user_stream():
            if isinstance(ev, OrderEvent):
                events.append(ev)

    consumer = asyncio.get_running_loop().create_task(consume())
    requests: list[Request] = []
    faults = sb.state.faults
    try:
        await market.prepare(conn)
        await asyncio.sleep(0.5)
        while len(requests) < orders and time.monotonic() - started < deadline_s:
            long_storm = rng.random() < long_share
            faults.set("after_loss_5xx", rng.randint(0, 3) if not long_storm else rng.randint(5, 10))
            faults.set("after_loss_429", rng.randint(2, 8))
            faults.set("push_delay_ms", LONG_STORM_S * 1000 if long_storm else 0)  # the stream cannot settle it early
            faults.set("lose_response", rng.randint(1, 3))
            storm = asyncio.get_running_loop().create_task(storm_after_loss(faults, LONG_STORM_S if long_storm else 0))
            todo = [Request(o) for o in batch_of(market, rng, min(batch, orders - len(requests)))]
            base = len(requests)
            requests += todo
            await asyncio.gather(*(place(conn, r, base + i) for i, r in enumerate(todo)))
            storm.cancel()
            faults.set("clear", 1)
            print(f"  round {base // batch + 1}: {len(requests)} requests, {time.monotonic() - started:.0f} s, "
                  f"faults fired {dict(faults.fired)}", flush=True)
        unknown = {c for r in requests for c, o in r.outcomes.items() if o == "unknown"}
        tracker = conn.session.tracker  # type: ignore[attr-defined]
        for _ in range(1200):  # up to 60 s for unknown orders to settle (the follow-up backs off to 30 s)
            if all(tracker.get(c).state is not OrderState.PENDING_CREATE for c in unknown):
                break
            await asyncio.sleep(0.05)
        sb.agents_paused = True
        await asyncio.sleep(1.0)
        return report(market, tracker, requests, unknown, events, faults.fired, time.monotonic() - started)
    finally:
        consumer.cancel()
        await conn.close()
        await venue.close()


def report(market: SpotVenue, tracker: Any, requests: list[Request], unknown: set[str], events: list[OrderEvent],
           fired: dict[str, int], elapsed: float) -> int:
    truth = market.orders()
    at_venue = Counter(o.client_order_id for o in truth)
    sent = {c for r in requests for c in r.cids}
    outcomes = Counter(o for r in requests for o in r.outcomes.values())
    placed = {c for r in requests for c, o in r.outcomes.items() if o == "placed"}
    errors = {c: o for r in requests for c, o in r.outcomes.items() if o not in ("placed", "unknown")}
    lost = [c for c in at_venue if c not in sent] + [c for c in placed if c not in at_venue]
    doubled = [r for r in requests if sum(at_venue[c] for c in r.cids) > 1]
    failed_while_placed = {c for c in errors if c in at_venue}
    failed_while_placed |= {c for c in sent if c in at_venue and tracker.get(c).state is OrderState.FAILED}
    rate_limited_while_placed = [c for c in failed_while_placed if errors.get(c) == "RateLimited"]
    unsettled = [c for c in unknown if tracker.get(c).state is OrderState.PENDING_CREATE]
    settled = Counter("at venue" if c in at_venue else "not placed" for c in unknown if c not in unsettled)
    unfilled = [r for r in requests if not any(c in at_venue for c in r.cids)]
    settling_events = Counter(e.kind.value for e in events if e.order.client_order_id in unknown)
    print(f"order chaos soak ({market.connector}): requests={len(requests)} sent={len(sent)} at_venue={len(truth)} "
          f"outcomes={dict(outcomes)} unknown_settled={dict(settled)} settling_events={dict(settling_events)} "
          f"requests_never_placed={len(unfilled)}")
    print(f"  lost={len(lost)} doubled={len(doubled)} failed_while_placed={len(failed_while_placed)} "
          f"rate_limited_while_placed={len(rate_limited_while_placed)} unsettled={len(unsettled)}")
    print(f"  faults fired={dict(fired)} elapsed={elapsed:.0f} s python={platform.python_version()} "
          f"machine={platform.machine()} cpus={__import__('os').cpu_count()}")
    bad = len(lost) + len(doubled) + len(failed_while_placed) + len(unsettled)
    return 1 if bad else 0


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--connector", choices=sorted(VENUES), default="bitmart")
    p.add_argument("--orders", type=int, default=120, help="host requests to place (default 120)")
    p.add_argument("--batch", type=int, default=10, help="requests placed at once per round (default 10)")
    p.add_argument("--seed", type=int, default=3)
    p.add_argument("--deadline", type=float, default=900.0, help="stop starting rounds after this many seconds")
    p.add_argument("--long-storms", type=float, default=0.25, help="share of rounds with a long storm (default 0.25)")
    args = p.parse_args()
    sys.exit(asyncio.run(soak(args.connector, args.orders, args.batch, args.seed, args.deadline, args.long_storms)))


if __name__ == "__main__":
    main()
