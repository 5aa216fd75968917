"""The account side of the perpetual session: balances, positions, position mode, leverage, funding.

A mixin of `BitmartPerpSession` (connector.py), which supplies `rest`, the listing (`_listing`) and the
event fan-out (`_emit`). Positions come from position-v2 (REST, the source of truth) and from the private
socket's `futures/position` rows, which carry no mark, PnL or leverage: those are completed from what the
session last learnt (a position-v2 row, a leverage change, an order push), and a row of a pair whose
leverage is unknown is fetched over REST instead. An event is emitted only when a position changed
(the venue repeats every row each 10 s). Funding payments appear on no socket (§4.2): they are polled
from transaction-history (milliseconds) and each new one becomes a `FundingEvent`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from host_spec import (
    Balance, FeeRates, FundingEvent, FundingInfo, FundingPayment, LeverageSetting, MarginMode, Position,
    PositionEvent, PositionMode, PositionSide, TradingPair,
)

from bitmart_plugin.fields import ParseError, dec, text
from bitmart_plugin.perp.bodies import confirm_position_mode, leverage_body, position_mode_body
from bitmart_plugin.perp.codes import margin_mode, position_mode
from bitmart_plugin.perp.parse_account import PositionUpdate, balances_from_rest, position_from_update, positions_from_v2
from bitmart_plugin.perp.parse_funding import funding_info, payments_from_history, rate_from_rest, settled_rates
from bitmart_plugin.perp.symbols import CONNECTOR, Contracts

if TYPE_CHECKING:
    from bitmart_plugin.perp.rest import FuturesRest

__all__ = ["PerpAccount", "readable"]

log = logging.getLogger(__name__)
_Key = tuple[TradingPair, PositionSide]
MARK_LOOKBACK_S = 300  # the newest 1-minute mark candle of the last 5 minutes gives the mark over REST


def readable(what: str, exc: Exception) -> Exception:
    """A venue answer the parsers refuse, as a host error (never a traceback)."""
    from host_spec import ConnectorError

    return ConnectorError(f"BitMart futures sent a {what} the connector cannot read ({exc})", connector=CONNECTOR)


class PerpAccount:
    """Balances, positions, modes, leverage and funding of one futures account."""

    rest: FuturesRest
    _mode: PositionMode | None
    _fees: FeeRates | None
    _started_ms: int

    if TYPE_CHECKING:
        async def _listing(self) -> Contracts: ...
        def _emit(self, events: Iterable[Any]) -> None: ...
        def _require_credentials(self) -> None: ...
        _streams_obj: Any

    def _init_account(self) -> None:
        self._held: dict[_Key, Position] = {}
        self._leverage: dict[TradingPair, Decimal] = {}
        self._marks: dict[TradingPair, Decimal] = {}
        self._payments_seen: set[str] = set()
        self._funding_since_ms = self._started_ms - 60_000

    # ---- balances and fees ----------------------------------------------------------------------

    async def balances(self) -> dict[str, Balance]:
        """The futures wallet: available, and frozen = margin held by positions and by open orders."""
        self._require_credentials()
        data = await self.rest.assets()
        try:
            return balances_from_rest(data)
        except ParseError as exc:
            raise readable("balance list", exc) from None

    async def fee_rates(self, pair: TradingPair) -> FeeRates:
        self._require_credentials()
        contract = (await self._listing()).by_pair(pair)
        data = await self.rest.fee_rate(contract.symbol)
        try:
            self._fees = FeeRates(maker=dec(data, "maker_fee_rate"), taker=dec(data, "taker_fee_rate"))
        except (ParseError, TypeError) as exc:
            raise readable("fee rate", exc) from None
        return self._fees

    # ---- positions ------------------------------------------------------------------------------

    async def positions(self, pair: TradingPair | None) -> list[Position]:
        """Open positions (position-v2), amounts in base units; learns each pair's mark and leverage."""
        self._require_credentials()
        contracts = await self._listing()
        symbol = contracts.by_pair(pair).symbol if pair is not None else None
        rows = await self.rest.positions(symbol)
        try:
            found = positions_from_v2(rows, contracts)
        except ParseError as exc:
            raise readable("position list", exc) from None
        for p in found:
            self._marks[p.pair], self._leverage[p.pair] = p.mark_price, p.leverage
        return [p for p in found if pair is None or p.pair == pair]

    async def _sync_positions(self, pair: TradingPair | None = None) -> None:
        """Emit what changed between the positions last reported and the venue's (closed ones with amount 0)."""
        now = await self.positions(pair)
        current = {(p.pair, p.side): p for p in now}
        for key, old in list(self._held.items()):
            if key not in current and (pair is None or key[0] == pair):
                self._report(_closed(old, int(time.time() * 1000)))
        for p in now:
            self._report(p)

    def _report(self, position: Position) -> None:
        key = (position.pair, position.side)
        old = self._held.get(key)
        if position.amount == 0:
            if self._held.pop(key, None) is not None:
                self._emit([PositionEvent(position)])
            return
        self._held[key] = position
        if old is None or _shape(old) != _shape(position):
            self._emit([PositionEvent(position)])

    async def _on_position_update(self, update: PositionUpdate) -> None:
        """A `futures/position` row: report it completed with the mark and leverage known, else ask REST."""
        key = (update.pair, update.side)
        if update.amount == 0:
            old = self._held.get(key)
            if old is not None:
                self._report(_closed(old, update.updated_ms))
            return
        leverage = self._leverage.get(update.pair)
        if leverage is None:
            await self._sync_positions(update.pair)
            return
        held = self._held.get(key)
        mark = self._marks.get(update.pair) or (held.mark_price if held else update.entry_price)
        self._report(position_from_update(update, mark, leverage))

    # ---- position mode and leverage -------------------------------------------------------------

    async def position_mode(self) -> PositionMode:
        self._require_credentials()
        data = await self.rest.position_mode()
        try:
            self._mode = position_mode(data.get("position_mode") if isinstance(data, dict) else None)
        except ParseError as exc:
            raise readable("position mode", exc) from None
        return self._mode

    async def _mode_now(self) -> PositionMode:
        return self._mode if self._mode is not None else await self.position_mode()

    async def set_position_mode(self, mode: PositionMode) -> PositionMode:
        """Switch the account (OrderRejected, saying what to close, while positions or orders are open). The
        mode in force is asked first: setting it again is a no-op, which the venue would refuse (40059)."""
        if await self.position_mode() is mode:
            return mode
        data = await self.rest.set_position_mode(position_mode_body(mode))
        self._mode = confirm_position_mode(mode, data)
        return self._mode

    async def set_leverage(self, pair: TradingPair, leverage: Decimal, mode: MarginMode) -> LeverageSetting:
        """Checked against the contract's range before sending (InvalidOrder naming min/max_leverage)."""
        self._require_credentials()
        contract = (await self._listing()).by_pair(pair)
        data = await self.rest.set_leverage(leverage_body(contract, leverage, mode))
        try:
            setting = LeverageSetting(pair, dec(data, "leverage"), margin_mode(text(data, "open_type")))
        except (ParseError, TypeError) as exc:
            raise readable("leverage answer", exc) from None
        self._leverage[pair] = setting.leverage
        return setting

    # ---- funding --------------------------------------------------------------------------------

    async def funding_info(self, pair: TradingPair) -> FundingInfo:
        """The streamed FundingInfo when a funding stream runs for `pair`, else REST: the funding-rate, the
        index from the contract's details and the mark from the newest mark-price candle."""
        contracts = await self._listing()
        contract = contracts.by_pair(pair)
        streams = self._streams_obj
        streamed = streams.funding_info(pair) if streams is not None and hasattr(streams, "funding_info") else None
        if streamed is not None:
            return streamed  # type: ignore[no-any-return]
        try:
            rate = rate_from_rest(await self.rest.funding_rate(contract.symbol), contracts)
            row = next(r for r in (await self.rest.details(contract.symbol)).get("symbols", [])
                       if r.get("symbol") == contract.symbol)
            index = dec(row, "index_price")
            mark = await self._mark(contract.symbol) or self._marks.get(pair) or index
        except (ParseError, StopIteration, AttributeError, TypeError) as exc:
            raise readable("funding rate", exc) from None
        return funding_info(rate, contract, mark, index)

    async def _mark(self, symbol: str) -> Decimal | None:
        now_s = int(time.time())
        rows = await self.rest.mark_klines(symbol, now_s - MARK_LOOKBACK_S, now_s)
        closes = [r for r in rows if isinstance(r, dict) and r.get("close_price")]
        return dec(max(closes, key=lambda r: int(r.get("timestamp") or 0)), "close_price") if closes else None

    async def funding_payments(self, pair: TradingPair | None, since_ms: int | None) -> list[FundingPayment]:
        """Our funding payments (transaction-history flow 3), oldest first, each with the rate that settled when
        the venue's rate history still lists it."""
        self._require_credentials()
        contracts = await self._listing()
        symbol = contracts.by_pair(pair).symbol if pair is not None else None
        rows = await self.rest.funding_payments(symbol, since_ms)
        try:
            bare = payments_from_history(rows, contracts)
            rates = []
            for pair_of in dict.fromkeys(p.pair for p in bare):
                rates += settled_rates(await self.rest.funding_rate_history(contracts.by_pair(pair_of).symbol),
                                       contracts)
            return payments_from_history(rows, contracts, rates)
        except ParseError as exc:
            raise readable("funding payment list", exc) from None

    async def _poll_funding(self) -> None:
        """New funding payments since the last poll become FundingEvents (each payment once)."""
        payments = await self.funding_payments(None, self._funding_since_ms)
        fresh = [p for p in payments if (p.payment_id or f"{p.pair}{p.timestamp_ms}") not in self._payments_seen]
        for p in fresh:
            self._payments_seen.add(p.payment_id or f"{p.pair}{p.timestamp_ms}")
            self._emit([FundingEvent(p)])
        if payments:
            self._funding_since_ms = max(self._funding_since_ms, payments[-1].timestamp_ms)


def _shape(p: Position) -> tuple[Any, ...]:
    """What makes a position change worth an event (not the mark or PnL, which move all the time)."""
    return p.amount, p.entry_price, p.margin_mode, p.leverage, p.liquidation_price


def _closed(p: Position, when_ms: int) -> Position:
    return Position(p.pair, p.side, Decimal(0), p.entry_price, p.mark_price, Decimal(0), p.leverage, p.margin_mode,
                    None, Decimal(0), when_ms)
