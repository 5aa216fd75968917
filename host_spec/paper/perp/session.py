"""PerpPaperSession: a perpetual connector's trading API, positions and funding, simulated on its public data.

Everything the spot session does (the base connector's book and trades merged with our latency-delayed
actions into the engine, persistence, the report) is inherited; this adds the perpetual account
(paper.perp.ledger), the perpetual hooks, and the live connector's funding info: read on a schedule
that tightens as a settlement nears, each announced settlement time is put on the merged timeline, and
when the venue's clock reaches it the rate last announced for it is applied to our positions.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from host_spec.errors import ConnectorError, InvalidOrder
from host_spec.models import (
    Balance,
    FundingInfo,
    FundingPayment,
    LeverageSetting,
    MarginMode,
    OrderType,
    Position,
    PositionMode,
    TradingPair,
    TradingRule,
)
from host_spec.paper.engine import PaperEngine
from host_spec.paper.merge import Action
from host_spec.paper.options import PaperOptions
from host_spec.paper.perp.engine import PerpEngine
from host_spec.paper.perp.ledger import PerpLedger
from host_spec.paper.perp.options import DEFAULT_MAINTENANCE_RATE, PerpOptions
from host_spec.paper.session import PaperSession
from host_spec.rules import rule_for

__all__ = ["PerpPaperSession"]

MIN_POLL_S = 0.2
log = logging.getLogger(__name__)


class PerpPaperSession(PaperSession):
    """One perpetual paper account on one base connector (`<base>_paper_trade`)."""

    engine: PerpEngine | None

    def __init__(self, connector_id: str, base_id: str, host: Any, options: PaperOptions, perp: PerpOptions,
                 order_types: tuple[OrderType, ...], *, venue_funding: bool = True) -> None:
        super().__init__(connector_id, base_id, host, options, order_types)
        self.perp = perp
        self.venue_funding = venue_funding
        self.rules: Mapping[TradingPair, TradingRule] = {}
        self.ledger = PerpLedger(self.wallet, self._default_setting, self._maintenance_rate, perp.position_mode,
                                 connector_id)
        #: per pair, the newest funding info read from the live connector
        self.funding_seen: dict[TradingPair, FundingInfo] = {}
        self._announced: dict[tuple[TradingPair, int], Decimal] = {}

    # -- the spot session's hooks ----------------------------------------------------------------
    def _open_store(self, path: str) -> Any:
        from host_spec.paper.perp.store import PerpStore

        return PerpStore(path)

    def _new_engine(self, rules: Mapping[TradingPair, TradingRule]) -> PaperEngine:
        self.rules = rules
        return PerpEngine(self.connector_id, rules, self.fees, self.ledger, mark_from_book=self.perp.mark_source == "mid",
                          order_types=self.order_types, model=self.options.queue_model, k=self.options.queue_k,
                          shadow=self.options.shadow)

    def _pairs_to_resume(self, engine: PaperEngine) -> set[TradingPair]:
        """Pairs with open orders or positions: a position needs its marks and its funding."""
        return super()._pairs_to_resume(engine) | {h.pair for h in self.ledger.held()}

    async def _open_pair(self, pair: TradingPair) -> None:
        await super()._open_pair(pair)
        if self.venue_funding:
            self._tasks.append(asyncio.get_running_loop().create_task(self._follow_funding(pair)))

    async def _perp_engine(self) -> PerpEngine:
        engine = await self._engine()
        assert isinstance(engine, PerpEngine)
        return engine

    def _default_setting(self, pair: TradingPair) -> LeverageSetting:
        rule = self.rules.get(pair)
        low = rule.min_leverage if rule is not None and rule.min_leverage is not None else Decimal(1)
        high = rule.max_leverage if rule is not None and rule.max_leverage is not None else self.perp.leverage
        return LeverageSetting(pair, min(max(self.perp.leverage, low), high), self.perp.margin_mode)

    def _maintenance_rate(self, pair: TradingPair) -> Decimal:
        return self.maintenance(pair)[0]

    def maintenance(self, pair: TradingPair) -> tuple[Decimal, str]:
        """The pair's maintenance margin rate and where it comes from: the option, else the pair's rule, else
        DEFAULT_MAINTENANCE_RATE."""
        if self.perp.maintenance_rate is not None:
            return self.perp.maintenance_rate, "option maintenance_rate"
        rule = self.rules.get(pair)
        if rule is not None and rule.maintenance_margin_rate is not None:
            return rule.maintenance_margin_rate, "venue trading rule"
        return DEFAULT_MAINTENANCE_RATE, "default (the venue's rule gives none)"

    # -- funding ---------------------------------------------------------------------------------
    async def _follow_funding(self, pair: TradingPair) -> None:
        """Read the pair's funding info, put its settlement on the timeline, and read again: every
        `funding_poll_s` at most, halfway to the settlement when that is sooner, and soon after it passes."""
        base = await self.base()
        failing = False
        while True:
            try:
                async with asyncio.timeout(10):
                    info = await base.funding_info(pair)
            except (ConnectorError, asyncio.TimeoutError) as exc:
                if not failing:
                    log.warning("%s: funding info for %s unavailable, retrying: %s", self.connector_id, pair, exc)
                failing = True
                await asyncio.sleep(min(self.perp.funding_poll_s, 5))
                continue
            failing = False
            self._announce(pair, info)
            left_s = (info.next_funding_ms - self.venue_now()) / 1000
            await asyncio.sleep(max(MIN_POLL_S, min(self.perp.funding_poll_s, left_s / 2 if left_s > 0 else 1)))

    def _announce(self, pair: TradingPair, info: FundingInfo) -> None:
        self.funding_seen[pair] = info
        engine = self.engine
        if engine is None:
            return
        if self.perp.mark_source == "venue":
            self.timeline.push_action(Action(self.venue_now(), functools.partial(engine.on_mark, pair, info.mark_price),
                                             label="mark"))
        key = (pair, info.next_funding_ms)
        if info.next_funding_ms > engine.funding_settled.get(pair, -1):
            if key not in self._announced:
                self.timeline.push_action(Action(info.next_funding_ms, functools.partial(self._settle, pair),
                                                 label="funding"))
            self._announced[key] = info.rate
        self._drain()

    def _settle(self, pair: TradingPair, at_ms: int) -> list[Any]:
        rate = self._announced.pop((pair, at_ms), None)
        if rate is None or self.engine is None:
            return []
        return self.engine.settle_funding(pair, rate, at_ms)

    # -- the perpetual API -----------------------------------------------------------------------
    async def balances(self) -> Mapping[str, Balance]:
        await self._engine()
        return self.ledger.balances()

    async def positions(self, pair: TradingPair | None) -> list[Position]:
        await self._engine()
        return [self.ledger.position(h) for h in self.ledger.held(pair)]

    async def position_mode(self) -> PositionMode:
        await self._engine()
        return self.ledger.mode

    async def set_position_mode(self, mode: PositionMode) -> PositionMode:
        engine = await self._perp_engine()
        self.ledger.set_mode(mode, orders_open=engine.orders_open())
        self._save()
        return self.ledger.mode

    async def set_leverage(self, pair: TradingPair, leverage: Decimal, margin_mode: MarginMode) -> LeverageSetting:
        engine = await self._perp_engine()
        rule = rule_for(engine.rules, pair, connector=self.connector_id)
        low = rule.min_leverage or Decimal(1)
        high = rule.max_leverage
        if leverage < low or (high is not None and leverage > high):
            name, bound = ("min_leverage", low) if leverage < low else ("max_leverage", high)
            raise InvalidOrder(f"leverage {leverage} is outside {low} to {high} for {pair}", rule=name, allowed=bound,
                               connector=self.connector_id)
        ts = self.venue_now()
        events = self.ledger.set_leverage(LeverageSetting(pair, leverage, margin_mode), ts,
                                          orders_open=engine.orders_open(pair))
        self._publish([*events, *engine.risk(ts)])
        self._save()
        return self.ledger.setting(pair)

    async def funding_info(self, pair: TradingPair) -> FundingInfo:
        """The live connector's funding info, passed through."""
        return await (await self.base()).funding_info(pair)  # type: ignore[no-any-return]

    async def funding_payments(self, pair: TradingPair | None, since_ms: int | None) -> list[FundingPayment]:
        """Our own payments (the paper ledger's), oldest first."""
        await self._engine()
        return [p for p in self.ledger.payments
                if (pair is None or p.pair == pair) and (since_ms is None or p.timestamp_ms >= since_ms)]

    def _save(self) -> None:
        if self.store is not None and self.engine is not None:
            self.store.save(self.engine, [])

    def report(self) -> str:
        """Orders, fills, fees, positions, realized and unrealized PnL and funding so far, as text."""
        from host_spec.paper.perp.report import build_perp_report

        return build_perp_report(self)

