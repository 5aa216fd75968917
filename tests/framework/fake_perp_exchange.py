"""The fake plugin's perpetual venue ("fakex_perp"): in memory, but honest.

Positions move with fills (re-averaged on adds, PnL realized on closes, one-way orders net and flip),
leverage and position mode are settable with the venue's checks, funding settles on demand. Like a
real perp plugin it keeps sizes in contracts inside and converts at its edge with host_spec's
`to_contracts` / `from_contracts`. Only host_spec's public API is used.

Its public data is stamped with the wall clock, as a real venue's is, and a test may move its book
(`move`); the session option `funding_interval_s` shortens the funding clock the venue announces.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator
from decimal import Decimal

from fake_exchange_plugin import PAIR, PERP_ID, PERP_RULE, PERP_TYPES, FakeSession

from host_spec import (
    Balance,
    Fill,
    FundingEvent,
    FundingInfo,
    FundingPayment,
    InvalidOrder,
    InvalidPair,
    LeverageSetting,
    MarginMode,
    Order,
    OrderEvent,
    OrderBookView,
    OrderEventKind,
    OrderRejected,
    OrderRequest,
    OrderState,
    OrderType,
    Position,
    PositionAction,
    PositionEvent,
    PositionMode,
    PositionSide,
    PostOnlyRejected,
    PublicTrade,
    SessionConfig,
    Side,
    TimeInForce,
    TradingPair,
    TradingRule,
    UserEvent,
    check_order,
    from_contracts,
    to_contracts,
)

BID, ASK, MARK, INDEX = Decimal(100), Decimal(101), Decimal("100.5"), Decimal("100.4")
TAKER_FEE = Decimal("0.0005")
FUNDING_RATE = Decimal("0.0001")
FUNDING_INTERVAL_S = 8 * 3600
CONTRACT = PERP_RULE.contract_size or Decimal(1)


class FakePerpSession(FakeSession):
    connector_id = PERP_ID

    def __init__(self, config: SessionConfig) -> None:
        super().__init__(config)
        self.mode = PositionMode.ONE_WAY
        self.leverage = LeverageSetting(PAIR, Decimal(10), MarginMode.CROSS)
        self.held: dict[PositionSide, tuple[int, Decimal]] = {}  # side -> (contracts, entry price)
        self.wallet = Decimal(1000)
        self.fill_log: list[Fill] = []
        self.payments: list[FundingPayment] = []
        self.bid, self.ask, self.mark = BID, ASK, MARK
        self.funding_interval_s = int(config.options.get("funding_interval_s", FUNDING_INTERVAL_S))

    def move(self, bid: Decimal, ask: Decimal) -> None:
        """Shift the book to best `bid` / `ask` (the trades and the mark follow: the mark is the mid)."""
        self.bid, self.ask, self.mark = bid, ask, (bid + ask) / 2

    async def book(self, depth: int) -> AsyncIterator[OrderBookView]:
        for seq in itertools.count(1):
            bids = tuple((self.bid - Decimal("0.5") * i, Decimal(1)) for i in range(depth))
            asks = tuple((self.ask + Decimal("0.5") * i, Decimal(1)) for i in range(depth))
            yield OrderBookView(PAIR, _now_ms(), seq, bids, asks)
            await asyncio.sleep(0.002)

    async def trades(self) -> AsyncIterator[PublicTrade]:
        while True:
            yield PublicTrade(PAIR, self.ask, Decimal("0.1"), Side.BUY, _now_ms())
            await asyncio.sleep(0.002)

    def _push(self, event: UserEvent) -> None:
        for queue in self.listeners:
            queue.put_nowait(event)  # type: ignore[arg-type]

    async def rules(self) -> dict[TradingPair, TradingRule]:
        return {PAIR: PERP_RULE}

    # -- orders ----------------------------------------------------------------------------------
    async def place(self, request: OrderRequest) -> Order:
        if request.pair != PAIR:
            raise InvalidPair(f"fakex_perp does not list {request.pair}")
        request = check_order(request, PERP_RULE, order_types=PERP_TYPES, connector=PERP_ID)
        contracts = to_contracts(request.amount or Decimal(0), CONTRACT, connector=PERP_ID)
        hedge = self.mode is PositionMode.HEDGE
        if hedge != (request.position_action is not None):
            need = "OPEN or CLOSE" if hedge else "None (one-way orders net)"
            raise InvalidOrder(f"in {self.mode.value} mode position_action must be {need}", rule="position_action")
        closing = request.position_action is PositionAction.CLOSE or request.reduce_only
        if closing and contracts > self._closable(request.side):
            raise OrderRejected("position volume is not enough to close", code=40020)
        cid = request.client_order_id or f"fp{next(self.ids)}"
        price = self._fill_price(request)
        if price is None:
            state = OrderState.CANCELED if self._immediate(request) else OrderState.OPEN
            order = Order(cid, cid, PAIR, request.side, request.order_type, request.price, request.amount, state)
            self.orders[cid] = order
            self._tell(OrderEventKind.CREATED if state is OrderState.OPEN else OrderEventKind.CANCELED, order)
            return order
        pnl = self._trade(request.side, contracts, price, hedge, request.position_action)
        amount = from_contracts(contracts, CONTRACT)
        order = Order(cid, cid, PAIR, request.side, request.order_type, request.price, request.amount,
                      OrderState.FILLED, amount, amount * price)
        fee = amount * price * TAKER_FEE
        self.wallet += pnl - fee
        fill = Fill(f"t{next(self.ids)}", cid, cid, PAIR, request.side, price, amount, fee, "USDT", False,
                    _now_ms(), realized_pnl=pnl)
        self.orders[cid] = order
        self.fill_log.append(fill)
        self._push(OrderEvent(OrderEventKind.FILLED, order, fill))
        for position in self._positions(with_closed=True):
            self._push(PositionEvent(position))
        self.held = {side: held for side, held in self.held.items() if held[0]}
        return order

    def _fill_price(self, request: OrderRequest) -> Decimal | None:
        touch = self.ask if request.side is Side.BUY else self.bid
        if request.order_type is OrderType.MARKET:
            return touch
        assert request.price is not None
        crosses = request.price >= touch if request.side is Side.BUY else request.price <= touch
        if crosses and request.order_type is OrderType.LIMIT_MAKER:
            raise PostOnlyRejected(f"a LIMIT_MAKER at {request.price} would take liquidity")
        return touch if crosses else None

    @staticmethod
    def _immediate(request: OrderRequest) -> bool:
        return request.order_type is OrderType.IOC or request.time_in_force in (TimeInForce.IOC, TimeInForce.FOK)

    def _closable(self, side: Side) -> int:
        """Contracts an order on `side` may close: the opposite position's."""
        return self.held.get(PositionSide.SHORT if side is Side.BUY else PositionSide.LONG, (0, Decimal(0)))[0]

    def _trade(self, side: Side, contracts: int, price: Decimal, hedge: bool, action: PositionAction | None) -> Decimal:
        """Apply a fill to the positions; return the PnL it realized."""
        same = PositionSide.LONG if side is Side.BUY else PositionSide.SHORT
        other = PositionSide.SHORT if side is Side.BUY else PositionSide.LONG
        if hedge and action is PositionAction.OPEN:
            return self._add(same, contracts, price)
        reduce = min(contracts, self._closable(side))
        pnl = self._reduce(other, reduce, price)
        if contracts > reduce:
            pnl += self._add(same, contracts - reduce, price)
        return pnl

    def _add(self, side: PositionSide, contracts: int, price: Decimal) -> Decimal:
        held, entry = self.held.get(side, (0, Decimal(0)))
        self.held[side] = (held + contracts, (entry * held + price * contracts) / (held + contracts))
        return Decimal(0)

    def _reduce(self, side: PositionSide, contracts: int, price: Decimal) -> Decimal:
        if not contracts:
            return Decimal(0)
        held, entry = self.held[side]
        self.held[side] = (held - contracts, entry)
        sign = 1 if side is PositionSide.LONG else -1
        return (price - entry) * from_contracts(contracts, CONTRACT) * sign

    # -- positions, modes, leverage, funding -------------------------------------------------------
    def _positions(self, *, with_closed: bool = False) -> list[Position]:
        out = []
        lev, mode = self.leverage.leverage, self.leverage.margin_mode
        for side, (contracts, entry) in self.held.items():
            if not contracts and not with_closed:
                continue
            amount = from_contracts(contracts, CONTRACT)
            sign = 1 if side is PositionSide.LONG else -1
            liquidation = entry * (1 - sign / lev) if contracts else None
            out.append(Position(PAIR, side, amount, entry, self.mark, (self.mark - entry) * amount * sign, lev, mode,
                                liquidation, entry * amount / lev, _now_ms()))
        return out

    async def positions(self, pair: TradingPair | None) -> list[Position]:
        return [p for p in self._positions() if pair in (None, p.pair)]

    async def position_mode(self) -> PositionMode:
        return self.mode

    async def set_position_mode(self, mode: PositionMode) -> PositionMode:
        if mode is not self.mode and (self._positions() or await self.open()):
            raise OrderRejected("Some positions exist and the mode switching fails.", code=40059)
        self.mode = mode
        return mode

    async def set_leverage(self, pair: TradingPair, leverage: Decimal, margin_mode: MarginMode) -> LeverageSetting:
        if pair != PAIR:
            raise InvalidPair(f"fakex_perp does not list {pair}")
        low, high = PERP_RULE.min_leverage or Decimal(1), PERP_RULE.max_leverage or Decimal(1)
        if not low <= leverage <= high:
            name = "min_leverage" if leverage < low else "max_leverage"
            raise InvalidOrder(f"leverage {leverage} is outside {low} to {high} for {pair}", rule=name,
                               allowed=low if leverage < low else high)
        self.leverage = LeverageSetting(pair, leverage, margin_mode)
        return self.leverage

    async def funding_info(self, pair: TradingPair) -> FundingInfo:
        if pair != PAIR:
            raise InvalidPair(f"fakex_perp does not list {pair}")
        interval_ms = self.funding_interval_s * 1000
        next_ms = (_now_ms() // interval_ms + 1) * interval_ms
        return FundingInfo(PAIR, FUNDING_RATE, next_ms, self.funding_interval_s, self.mark, INDEX, timestamp_ms=_now_ms())

    def settle_funding(self) -> list[FundingPayment]:
        """The venue's funding clock, run on demand: longs pay shorts at a positive rate."""
        settled = []
        for position in self._positions():
            amount = -position.signed_amount * self.mark * FUNDING_RATE
            payment = FundingPayment(PAIR, amount, "USDT", FUNDING_RATE, _now_ms(), f"f{next(self.ids)}")
            self.wallet += amount
            self.payments.append(payment)
            self._push(FundingEvent(payment))
            settled.append(payment)
        return settled

    async def funding_payments(self, pair: TradingPair | None, since_ms: int | None) -> list[FundingPayment]:
        return [p for p in self.payments if pair in (None, p.pair) and p.timestamp_ms >= (since_ms or 0)]

    async def fills(self) -> list[Fill]:
        return list(self.fill_log)

    async def balances(self) -> dict[str, Balance]:
        margin = sum((p.margin for p in self._positions()), Decimal(0))
        return {"USDT": Balance("USDT", self.wallet - margin, margin)}


def _now_ms() -> int:
    return int(time.time() * 1000)
