"""The demo's perpetual section (steps 8-12): book, a leveraged long whose PnL moves, funding, the close, candles.

Generic like the rest of the demo: the perpetual connector is found through its ConnectorInfo (instrument
PERPETUAL, same plugin, a sandbox of its own kind) and driven on the sandbox the demo already runs, only
through the Connection. A step the connector cannot do is reported as skipped, never faked.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import TYPE_CHECKING

from host_spec.cli.demo import _collect, _f, _size_for, _step
from host_spec.cli.main import table
from host_spec.cli.market import describe_fills, settle
from host_spec.cli.perp import POSITION_HEADERS, funding_lines, mode_name, position_row
from host_spec.errors import ConnectorError
from host_spec.host import Connection, Host
from host_spec.models import (
    ConnectorInfo, Instrument, MarginMode, OrderRequest, OrderType, Position, PositionAction, PositionMode, Side,
    TradingPair, TradingRule,
)
from host_spec.session import LocalVenue

if TYPE_CHECKING:
    from host_spec.cli.demo import Demo

__all__ = ["PerpDemo", "perpetual_twin"]

NOTIONAL = Decimal(500)  # the long's size in quote units: small beside the sandbox account, many contracts
LEVERAGE = Decimal(10)


def perpetual_twin(host: Host, info: ConnectorInfo) -> ConnectorInfo | None:
    """The perpetual connector of `info`'s plugin that runs on the same sandbox, if any."""
    for other in host.connectors():
        if (other.instrument is Instrument.PERPETUAL and other.plugin == info.plugin and other.id != info.id
                and not other.base_connector and "sandbox" in other.capabilities and "positions" in other.capabilities):
            return other
    return None


class PerpDemo:
    """Runs steps 8-12 for one perpetual connector; notes go to the demo's summary."""

    def __init__(self, demo: Demo, info: ConnectorInfo) -> None:
        self.demo, self.info = demo, info
        self.chart = demo.chart.with_name(f"{demo.chart.stem}_perp{demo.chart.suffix}")

    async def run(self, venue: LocalVenue) -> None:
        _step(f"8. perpetual contracts on {self.info.id}, on the same sandbox")
        options = {k: v for k, v in venue.options.items() if k in self.info.options}
        try:
            async with await self.demo.host.open(self.info.id, venue.credentials, options) as conn:
                await self.live(conn)
        except ConnectorError as exc:
            self.demo.note(f"perpetuals did not complete: {exc}")

    async def live(self, conn: Connection) -> None:
        rules = await conn.trading_rules()
        pair = self.demo.pair if self.demo.pair in rules else next(iter(rules))
        rule = rules[pair]
        self.demo.note(f"{len(rules)} contracts; {pair}: {_f(rule.contract_size)} {pair.base} a contract, tick "
                       f"{_f(rule.price_increment)}, leverage {_f(rule.min_leverage)}-{_f(rule.max_leverage)}x")
        views = await _collect(conn.order_book(pair, 3), min(self.demo.seconds, 2.0))
        view = views[-1] if views else None
        if view is None or not view.bids or not view.asks:
            self.demo.note("skipped the perpetual trade: no two-sided book")
            return
        for price, amount in reversed(view.asks):
            print(f"   ask {_f(price):>14} {_f(amount):>14} {pair.base}")
        for price, amount in view.bids:
            print(f"   bid {_f(price):>14} {_f(amount):>14} {pair.base}")
        self.demo.note(f"perpetual book: {len(views)} applied updates, amounts in base units")
        hedge = await conn.position_mode() is PositionMode.HEDGE
        size = _size_for(rule, view.asks[0][0], NOTIONAL)
        await self.open_long(conn, rule, size, hedge)
        await self.watch(conn, pair)
        await self.funding(conn, pair)
        await self.close_long(conn, pair, size, hedge)
        _step(f"12. backfill {pair} perpetual 1m candles and plot them")
        await self.demo.candles(conn, pair, self.chart)

    async def open_long(self, conn: Connection, rule: TradingRule, size: Decimal, hedge: bool) -> None:
        pair = rule.pair
        leverage = min(LEVERAGE, rule.max_leverage or LEVERAGE)
        _step(f"9. open a {_f(leverage)}x long on {pair} and watch its PnL")
        setting = await conn.set_leverage(pair, leverage, MarginMode.CROSS)
        contracts = f" ({size / rule.contract_size:f} contracts)" if rule.contract_size else ""
        print(f"   leverage {_f(setting.leverage)}x {setting.margin_mode.value}, position mode "
              f"{mode_name(PositionMode.HEDGE if hedge else PositionMode.ONE_WAY)}")
        order = await conn.place_order(OrderRequest(pair, Side.BUY, OrderType.MARKET, size,
                                                    position_action=PositionAction.OPEN if hedge else None))
        order, fills = await settle(conn, order)
        print(f"   MARKET buy {_f(size)} {pair.base}{contracts} -> {order.state.value}")
        for line in describe_fills(order, fills):
            print(f" {line}")

    async def watch(self, conn: Connection, pair: TradingPair) -> None:
        """Ask for the position every half second for `seconds`; print each change of mark and PnL."""
        seen: list[Position] = []
        loop = asyncio.get_running_loop()
        end = loop.time() + max(self.demo.seconds, 1.0)
        while True:
            long = next((p for p in await conn.positions(pair) if p.amount), None)
            if long is None:
                break
            if not seen:
                for line in table([position_row(long)], POSITION_HEADERS).splitlines():
                    print(f"   {line}")
            if not seen or (long.mark_price, long.unrealized_pnl) != (seen[-1].mark_price, seen[-1].unrealized_pnl):
                print(f"   mark {_f(long.mark_price):>12}  unrealized PnL {_f(long.unrealized_pnl):>10} {pair.quote}",
                      flush=True)
                seen.append(long)
            if loop.time() >= end:
                break
            await asyncio.sleep(0.5)
        if not seen:
            self.demo.note(f"no {pair} position showed after the buy")
            return
        first, last = seen[0], seen[-1]
        moved = (f"PnL moved {_f(first.unrealized_pnl)} -> {_f(last.unrealized_pnl)} {pair.quote} with the mark"
                 if len(seen) > 1 else f"PnL {_f(last.unrealized_pnl)} {pair.quote} (the mark held still)")
        self.demo.note(f"position {last.side.value} {_f(last.amount)} {pair.base} at {_f(last.entry_price)}, "
                       f"{_f(last.leverage)}x {last.margin_mode.value}; {moved}")

    async def funding(self, conn: Connection, pair: TradingPair) -> None:
        _step(f"10. funding on {pair}")
        info = await conn.funding_info(pair)
        for line in funding_lines(info)[1:]:
            print(f" {line}")
        self.demo.note(f"funding: rate {_f(info.rate)} every {info.interval_s // 3600} h, mark {_f(info.mark_price)}, "
                       f"index {_f(info.index_price)}")

    async def close_long(self, conn: Connection, pair: TradingPair, size: Decimal, hedge: bool) -> None:
        _step(f"11. close the long on {pair}")
        request = OrderRequest(pair, Side.SELL, OrderType.MARKET, size, reduce_only=not hedge,
                               position_action=PositionAction.CLOSE if hedge else None)
        order, fills = await settle(conn, await conn.place_order(request))
        print(f"   MARKET sell {_f(size)} {pair.base} ({'close' if hedge else 'reduce-only'}) -> {order.state.value}")
        lines = describe_fills(order, fills)
        for line in lines:
            print(f" {line}")
        left = [p for p in await conn.positions(pair) if p.amount]
        realized = next((line.strip() for line in lines if "realized PnL" in line), "realized PnL -")
        self.demo.note(f"closed: {order.state.value}, {realized}; "
                       + ("no position left" if not left else f"{_f(left[0].amount)} {pair.base} still held"))
