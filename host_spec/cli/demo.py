"""`host-spec demo`: the whole system end to end against a connector's embedded sandbox.

It uses only the Host API, so it runs for any connector whose plugin offers a sandbox. A step
whose capability is missing is reported as skipped, never faked.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from decimal import ROUND_DOWN, ROUND_UP, Decimal
from pathlib import Path
from typing import Any

from host_spec.cli.checks import check_output_path, known_pair
from host_spec.errors import CapabilityMissing, ConnectorError
from host_spec.host import Connection, Host
from host_spec.session import LocalVenue
from host_spec.tasks import cancel_and_wait
from host_spec.models import (
    OrderEvent,
    OrderRequest,
    OrderType,
    Side,
    TradingPair,
    TradingRule,
    UserEvent,
)

__all__ = ["cmd_demo", "run_demo"]


def _f(value: Decimal | None) -> str:
    return "-" if value is None else format(value.normalize() if value == value.to_integral() else value, "f")


def _step(title: str) -> None:
    print(f"\n== {title}", flush=True)


async def _collect(stream: AsyncIterator[Any], seconds: float, limit: int = 10_000) -> list[Any]:
    items: list[Any] = []

    async def pull() -> None:
        async for item in stream:
            items.append(item)
            if len(items) >= limit:
                return

    with contextlib.suppress(asyncio.TimeoutError):
        async with asyncio.timeout(seconds):
            await pull()
    with contextlib.suppress(Exception):
        await stream.aclose()  # type: ignore[attr-defined]
    return items


def _size_for(rule: TradingRule, price: Decimal, notional: Decimal) -> Decimal:
    """The smallest valid size worth at least `notional` (and the venue's minimum) at `price`."""
    need = max(notional, rule.min_notional_buy, rule.min_notional_sell) * Decimal("1.05")
    size = (need / price).quantize(rule.size_increment, rounding=ROUND_UP)
    return max(size, rule.min_size)


class Demo:
    def __init__(self, host: Host, connector_id: str, pair: TradingPair, seconds: float, chart: Path) -> None:
        self.host, self.id, self.pair, self.seconds, self.chart = host, connector_id, pair, seconds, chart
        self.summary: list[str] = []
        self.events: list[UserEvent] = []

    def note(self, line: str) -> None:
        self.summary.append(line)
        print(f"   {line}", flush=True)

    async def run(self) -> int:
        _step("1. discover plugins through the 'host_spec' entry-point group")
        for info in self.host.connectors():
            print(f"   {info.id:<30} {info.exchange_type} {info.market_type} {info.connection_type:<10} "
                  f"{','.join(t.value for t in info.order_types)}")
        _step(f"2. start the embedded {self.id} sandbox and connect with its funded account")
        venue = await self.host.start_sandbox(self.id, {"pairs": 20})
        print(f"   sandbox REST at {venue.options.get('rest_url')}")
        try:
            async with await self.host.open(self.id, venue.credentials, venue.options) as conn:
                await conn.check_credentials()
                self.note(f"connected to {self.id} (credentials checked with a balance call)")
                await self.live(conn)
            await self.paper(venue.options)
            await self.perpetual(venue)
        finally:
            await venue.close()
        _step("summary")
        for line in self.summary:
            print(f" - {line}")
        return 0

    async def live(self, conn: Connection) -> None:
        await known_pair(conn, self.pair)
        rules = await conn.trading_rules()
        rule = rules[self.pair]
        self.note(f"{len(rules)} pairs; {self.pair}: tick {_f(rule.price_increment)}, step {_f(rule.size_increment)}, "
                  f"min notional {_f(rule.min_notional_buy)}")
        _step(f"3. live order book and trades for {self.pair} ({self.seconds:.0f} s each)")
        views = await _collect(conn.order_book(self.pair, 5), self.seconds)
        if views:
            last = views[-1]
            for price, amount in reversed(last.asks):
                print(f"   ask {_f(price):>14} {_f(amount):>14}")
            print("   " + "-" * 33)
            for price, amount in last.bids:
                print(f"   bid {_f(price):>14} {_f(amount):>14}")
        self.note(f"order book: {len(views)} applied updates in {self.seconds:.0f} s")
        trades = await _collect(conn.trades(self.pair), self.seconds)
        for trade in trades[-5:]:
            print(f"   trade {trade.taker_side.value:<4} {_f(trade.amount):>12} @ {_f(trade.price)}")
        self.note(f"public trades: {len(trades)} in {self.seconds:.0f} s")
        await self.trade(conn, rule, views[-1] if views else None)
        _step("6. backfill 1m candles for the last two hours and plot them")
        await self.candles(conn, self.pair, self.chart)

    async def trade(self, conn: Connection, rule: TradingRule, view: Any) -> None:
        _step("4. place a LIMIT_MAKER (rests) and a LIMIT that crosses (fills)")
        if view is None or not view.bids or not view.asks:
            self.note("skipped trading: no two-sided book")
            return
        user = conn.user_stream()
        listener = asyncio.create_task(self._listen(user))
        await asyncio.sleep(0.5)
        bid, ask = view.bids[0][0], view.asks[0][0]
        maker_price = (bid * Decimal("0.99")).quantize(rule.price_increment, rounding=ROUND_DOWN)
        maker = await conn.place_order(OrderRequest(self.pair, Side.BUY, OrderType.LIMIT_MAKER,
                                                    _size_for(rule, maker_price, Decimal(10)), maker_price))
        print(f"   LIMIT_MAKER buy {_f(maker.amount)} @ {_f(maker.price)} -> {maker.state.value}")
        taker_price = (ask * Decimal("1.01")).quantize(rule.price_increment, rounding=ROUND_UP)
        taker = await conn.place_order(OrderRequest(self.pair, Side.BUY, OrderType.LIMIT,
                                                    _size_for(rule, taker_price, Decimal(10)), taker_price))
        print(f"   LIMIT buy {_f(taker.amount)} @ {_f(taker.price)} -> {taker.state.value}")
        await asyncio.sleep(2)
        fills = [e.fill for e in self.events if isinstance(e, OrderEvent) and e.fill is not None]
        for fill in fills:
            role = "maker" if fill.is_maker else "taker"
            print(f"   fill {fill.side.value} {_f(fill.amount)} @ {_f(fill.price)} ({role}, fee {_f(fill.fee)} {fill.fee_asset})")
        after = {o.client_order_id: o for o in [await conn.query_order(self.pair, maker.client_order_id),
                                                 await conn.query_order(self.pair, taker.client_order_id)]}
        for order in after.values():
            print(f"   now {order.order_type.value:<11} {order.client_order_id}: {order.state.value}, "
                  f"filled {_f(order.filled_amount)}")
        self.note(f"orders: LIMIT_MAKER {after[maker.client_order_id].state.value}, LIMIT "
                  f"{after[taker.client_order_id].state.value}; {len(fills)} fill(s) from the user stream")
        _step("5. balances, then cancel what rests")
        balances = await conn.balances()
        for asset in (self.pair.base, self.pair.quote):
            if asset in balances:
                b = balances[asset]
                print(f"   {asset:<6} available {_f(b.available):>20} frozen {_f(b.frozen):>16}")
        cancelled = await conn.cancel_all_orders(self.pair)
        self.note(f"cancel all: {len(cancelled)} resting order(s) cancelled")
        await cancel_and_wait([listener])
        with contextlib.suppress(Exception):
            await user.aclose()  # type: ignore[attr-defined]

    async def _listen(self, stream: AsyncIterator[UserEvent]) -> None:
        async for event in stream:
            self.events.append(event)

    async def candles(self, conn: Connection, pair: TradingPair, chart: Path) -> None:
        """Backfill the last two hours of `pair`'s 1m candles on `conn` and plot them to `chart`."""
        now = int(time.time())
        try:
            candles = [c async for c in conn.candles(pair, "1m", now - 7200, now, False)]
        except CapabilityMissing as exc:
            self.note(f"skipped candles: {exc}")
            return
        try:
            from host_spec.cli.chart import save_chart

            save_chart(candles, chart, title=f"{conn.id} {pair} 1m")
            self.note(f"candles: {len(candles)} {conn.id} {pair} 1m backfilled, chart written to {chart}")
        except ImportError:
            self.note(f"candles: {len(candles)} backfilled (no chart module)")

    async def paper(self, options: Any) -> None:
        paper_id = self.host.connector(self.id).paper_trade
        _step(f"7. a short paper-trade session on {paper_id}")
        if not paper_id or paper_id not in {c.id for c in self.host.connectors()}:
            self.note("skipped paper trading: no paper-trade variant installed")
            return
        opts = {**dict(options), "balance": f"{self.pair.quote}=10000,{self.pair.base}=1"}
        try:
            async with await self.host.open(paper_id, {}, opts) as paper:
                rule = (await paper.trading_rules())[self.pair]
                view = (await _collect(paper.order_book(self.pair, 5), 3, limit=1))[-1]
                price = (view.asks[0][0] * Decimal("1.01")).quantize(rule.price_increment, rounding=ROUND_UP)
                order = await paper.place_order(OrderRequest(self.pair, Side.BUY, OrderType.LIMIT,
                                                             _size_for(rule, price, Decimal(10)), price))
                await asyncio.sleep(1.5)
                final = await paper.query_order(self.pair, order.client_order_id)
                self.note(f"paper LIMIT buy -> {final.state.value}, filled {_f(final.filled_amount)} "
                          f"at avg {_f(final.average_price)}")
        except (CapabilityMissing, ConnectorError, IndexError) as exc:
            self.note(f"paper trading did not complete: {exc}")


    async def perpetual(self, venue: LocalVenue) -> None:
        """Steps 8-12 on the plugin's perpetual connector, on the same sandbox, when there is one."""
        from host_spec.cli.demo_perp import PerpDemo, perpetual_twin

        twin = perpetual_twin(self.host, self.host.connector(self.id))
        if twin is None:
            _step("8. perpetual contracts")
            self.note("skipped perpetuals: no perpetual connector with a sandbox in this plugin")
            return
        await PerpDemo(self, twin).run(venue)


async def run_demo(host: Host, connector_id: str, pair: str, seconds: float, chart: Path) -> int:
    return await Demo(host, connector_id, TradingPair.parse(pair), seconds, chart).run()


def _default_connector(host: Host) -> str:
    for info in host.connectors():
        if "sandbox" in info.capabilities and not info.base_connector:
            return info.id
    raise CapabilityMissing("no installed connector offers a sandbox to run the demo against")


def cmd_demo(host: Host, args: argparse.Namespace) -> int:
    from host_spec.cli.chart import chart_format

    TradingPair.parse(args.pair)
    check_output_path(args.chart, "--chart")
    chart_format(args.chart)
    connector = args.connector or _default_connector(host)
    return asyncio.run(run_demo(host, connector, args.pair, args.seconds, Path(args.chart)))
