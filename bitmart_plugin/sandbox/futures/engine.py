"""Futures order intake, reservations, matching on the shared book walk, and fills → positions/fees/ledger.

Opening contracts reserve ``vol × cs × basis × (1/leverage + taker_rate)`` in ``frozen`` (basis: the
limit price, the worst price a market buy walks to, or the best bid for sells that could fill above
their limit); closing contracts reserve position volume (``frozen_volume``) instead. Each fill first
closes (the order's reserved volume, then in one-way mode whatever opposite position is left), then
opens: the opening share of the reservation is released pro rata and ``vol × cs × price / leverage``
becomes position margin; the fee ``vol × cs × price × rate`` (maker or taker) leaves the wallet.

Event order per accepted order: order(action 2), asset; per trade: depth level, public trade,
maker order, taker order (action 1), positions, assets; then rest (depth) or cancel (order action 3).
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Callable, cast

from ..core.book import Book
from ..core.clock import Clock
from ..core.events import ZERO, LevelChanged, Order, PublicTrade
from ..core.matching import execute, liquidity, sweep
from . import errors as E
from .accounts import USDT, FuturesAccounts, money
from .config import FuturesConfig
from .contracts import ContractRules
from .errors import ferror
from .events import (ACTION_BANKRUPTCY, ACTION_CANCEL, ACTION_FILL, ACTION_SUBMIT, AssetChanged, ContractFill,
                     ContractOrder, FuturesEvent, FuturesOrderChanged, LedgerAdded, LedgerRow, Position,
                     PositionChanged)
from .intake import Plan, check_risk, plan_order
from .liquidation import reported_price

ORDER_ID_BASE = 3_000_000_000_000_000
TRADE_ID_BASE = 6_000_000_000


class FuturesEngine:
    """Books, orders, fills and accounts of the futures venue (sizes in contracts, money in USDT)."""

    def __init__(self, contracts: list[ContractRules], clock: Clock, config: FuturesConfig | None = None) -> None:
        self.config = config or FuturesConfig()
        self.clock = clock
        self.contracts = {c.symbol: c for c in contracts}
        self.accounts = FuturesAccounts(self.config)
        self.accounts.on_row = self._on_row
        self.books = {c.symbol: Book(c.symbol) for c in contracts}
        self.orders: dict[str, ContractOrder] = {}
        self.fills: dict[str, list[ContractFill]] = {}
        self.last_price: dict[str, Decimal] = {c.symbol: c.ref_price for c in contracts}
        self.fee_overrides: dict[str, tuple[Decimal, Decimal]] = {}
        self.listeners: list[Callable[[FuturesEvent], None]] = []
        self._seq = 0
        self._trade_seq = 0

    # -- plumbing ---------------------------------------------------------------------------
    def emit(self, ev: FuturesEvent) -> None:
        for listener in self.listeners:
            listener(ev)

    def _on_row(self, row: LedgerRow) -> None:
        if self.listeners:
            self.emit(LedgerAdded(row))

    def _asset(self, account_id: str, now: int) -> None:
        if self.listeners:
            w = self.accounts.wallet(account_id)
            self.emit(AssetChanged(account_id, USDT, w.available, w.frozen,
                                   self.accounts.position_margin(account_id), now))

    def announce_asset(self, account_id: str) -> None:
        """An AssetChanged for a wallet changed outside trading (an admin deposit)."""
        self._asset(account_id, self.clock.now_ms())

    def _position(self, p: Position) -> None:
        if self.listeners:
            self.emit(PositionChanged(p.snapshot(), reported_price(p, self.contracts[p.symbol]),
                                      self.accounts.mode(p.account_id)))

    def _order(self, o: ContractOrder, action: int, fill: ContractFill | None = None) -> None:
        if self.listeners:
            self.emit(FuturesOrderChanged(o.snapshot(), fill, action))  # type: ignore[arg-type]

    def fee_rates(self, account_id: str) -> tuple[Decimal, Decimal]:
        """(maker, taker) of an account."""
        return self.fee_overrides.get(account_id, (self.config.maker_fee, self.config.taker_fee))

    def open_orders(self, account_id: str, symbol: str | None = None) -> list[ContractOrder]:
        return [o for o in self.orders.values()
                if o.account_id == account_id and o.is_open and (symbol is None or o.symbol == symbol)]

    # -- intake -----------------------------------------------------------------------------
    def submit(self, account_id: str, symbol: str, side: object, size: object, **fields: Any) -> ContractOrder:
        """Validate, reserve and match one order (fields as submit-order names them); raises ExchangeError."""
        # the duplicate check needs the account's live client ids; only an order that carries one pays for
        # the scan (the agents' orders carry none, and at 1,000 pairs the scan was most of their cost)
        live = ({o.client_order_id for o in self.open_orders(account_id) if o.client_order_id}
                if fields.get("client_order_id") else set())
        plan = plan_order(self.accounts, self.contracts, live, account_id, symbol, side, size, **fields)
        book = self.books[symbol]
        probe = ContractOrder("", "", account_id, symbol, plan.side, plan.type, plan.price, plan.size, None,
                              stp_mode=plan.stp_mode)
        basis = self._basis(plan, book, probe)
        check_risk(self.accounts, account_id, plan, basis)
        if plan.mode == 4 and self.config.post_only_reject and book.crosses(plan.side, plan.price):  # type: ignore[arg-type]
            raise ferror(E.INVALID_REQUEST)
        rules, taker = plan.rules, self.fee_rates(account_id)[1]
        need = money(plan.open * rules.contract_size * basis * (1 / Decimal(plan.leverage) + taker))
        self.accounts.reserve(account_id, need)
        now = self.clock.now_ms()
        self._seq += 1
        oid = str(ORDER_ID_BASE + self._seq)
        price = plan.price if plan.type == "limit" else self.last_price[symbol]  # Q28: market carries last price
        o = ContractOrder(oid, plan.client_order_id, account_id, symbol, plan.side, plan.type, price, plan.size,
                          None, stp_mode=plan.stp_mode, create_time_ms=now, update_time_ms=now,
                          frozen=need, side_code=plan.side_code, mode=plan.mode, leverage=plan.leverage,
                          open_type=plan.open_type, position_mode=self.accounts.mode(account_id),
                          close_left=plan.close, open_left=plan.open, reserve_price=basis)
        self.orders[oid] = o
        if plan.close:
            pos = self.accounts.position(account_id, symbol, plan.close_dir)
            assert pos is not None
            pos.frozen_volume += plan.close
            self._position(pos)
        self._order(o, ACTION_SUBMIT)
        self._asset(account_id, now)
        self._run(o, book, now)
        return o

    def _basis(self, plan: Plan, book: Book, probe: ContractOrder) -> Decimal:
        """The price the opening reservation is computed at (never below what a fill can cost)."""
        fallback = self.last_price[plan.rules.symbol]
        if plan.side == "sell":
            bid = book.bids.best_price()
            return max(plan.price or ZERO, bid or ZERO) or fallback
        if plan.price is not None:
            return plan.price
        got, _, worst = liquidity(book, probe, None, plan.size)
        return worst if got else fallback

    def _run(self, o: ContractOrder, book: Book, now: int) -> None:
        """Match a newly accepted order, then rest it or cancel its remainder."""
        if o.mode == 4 and book.crosses(o.side, o.price):  # type: ignore[arg-type]
            self.cancel(o, "system", now)
            return
        limit = o.price if o.type == "limit" else None
        if o.mode == 2 and liquidity(book, o, limit, o.remaining)[0] < o.remaining:
            self.cancel(o, "system", now)
            return
        stopped = sweep(book, o, limit, lambda maker, price: min(maker.remaining, o.remaining),
                        lambda maker, price, qty: self._trade(book, maker, o, price, qty, now),
                        lambda maker: self.cancel(cast(ContractOrder, maker), "stp", now))
        if stopped:
            self.cancel(o, "stp", now)
        elif o.remaining == 0:
            self._release(o, o.frozen, now)
        elif o.type == "market" or o.mode in (2, 3):
            self.cancel(o, "system", now)
        else:
            rules = self.contracts[o.symbol]
            keep = money(o.open_left * rules.contract_size * o.price  # type: ignore[operator]
                         * (1 / Decimal(o.leverage) + self.fee_rates(o.account_id)[1]))
            if o.frozen > keep:
                self._release(o, o.frozen - keep, now)
            side = book.side_for(o.side)
            total = side.add(o)
            if self.listeners:
                self.emit(LevelChanged(o.symbol, side.name, o.price, total, now))  # type: ignore[arg-type]

    def _release(self, o: ContractOrder, amount: Decimal, now: int) -> None:
        if amount:
            o.frozen -= amount
            self.accounts.release(o.account_id, amount)
            self._asset(o.account_id, now)

    # -- cancels ----------------------------------------------------------------------------
    def cancel(self, o: ContractOrder, source: str, now: int, action: int = ACTION_CANCEL) -> None:
        """Finish ``o``'s unfilled rest: out of the book, volume and margin reservations released."""
        side = self.books[o.symbol].side_for(o.side)
        if o.price is not None and o.order_id in side.levels.get(o.price, {}):
            total = side.remove(o, o.remaining)
            if self.listeners:
                self.emit(LevelChanged(o.symbol, side.name, o.price, total, now))
        o.state = "partially_canceled" if o.filled_size > 0 else "canceled"
        o.cancel_source = source
        o.update_time_ms = now
        pos = None
        if o.close_left:
            pos = self.accounts.position(o.account_id, o.symbol, "short" if o.side == "buy" else "long")
            assert pos is not None
            pos.frozen_volume -= o.close_left
            o.close_left = ZERO
        o.open_left = ZERO
        self._order(o, action)
        self._release(o, o.frozen, now)
        if pos is not None:
            self._position(pos)
            self.accounts.drop_if_flat(pos)

    def cancel_order(self, account_id: str, *, order_id: str | None = None,
                     client_order_id: str | None = None) -> ContractOrder:
        """User cancel by id: 40037 unknown, 40036 already finished."""
        o = self.orders.get(order_id or "")
        if o is None and client_order_id:
            o = next((x for x in self.orders.values() if x.account_id == account_id
                      and x.client_order_id == client_order_id and x.is_open), None)
        if o is None or o.account_id != account_id:
            raise ferror(E.ORDER_ID_NOT_EXIST)
        if not o.is_open:
            raise ferror(E.ORDER_STATUS_INVALID)
        self.cancel(o, "user", self.clock.now_ms())
        return o

    def cancel_all(self, account_id: str, symbol: str | None = None, action: int = ACTION_CANCEL) -> list[ContractOrder]:
        now = self.clock.now_ms()
        out = self.open_orders(account_id, symbol)
        for o in out:
            self.cancel(o, "user" if action == ACTION_CANCEL else "system", now, action)
        return out

    def cancel_closers(self, p: Position, now: int) -> None:
        """Cancel the newest orders closing ``p`` until their reserved volume fits what it holds."""
        closers = [o for o in self.open_orders(p.account_id, p.symbol)
                   if o.close_left and (o.side == "buy") == (p.direction == "short")]
        for o in reversed(closers):
            if p.frozen_volume <= p.hold_volume:
                break
            self.cancel(o, "system", now)
        if p.hold_volume == 0:
            for o in closers:
                if o.is_open:
                    self.cancel(o, "system", now)

    # -- fills ------------------------------------------------------------------------------
    def _trade(self, book: Book, resting: Order, taker: ContractOrder, price: Decimal, qty: Decimal, now: int) -> None:
        maker = cast(ContractOrder, resting)  # a futures book holds only futures orders
        opp = book.opposite(taker.side)
        total = execute(opp, maker, taker, price, qty, now)
        self._trade_seq += 1
        trade_id = str(TRADE_ID_BASE + self._trade_seq)
        self.last_price[taker.symbol] = price
        fm, pm = self._apply(maker, "maker", trade_id, price, qty, now)
        ft, pt = self._apply(taker, "taker", trade_id, price, qty, now)
        if not self.listeners:
            return
        self.emit(LevelChanged(taker.symbol, opp.name, price, total, now))
        self.emit(PublicTrade(taker.symbol, price, qty, taker.side, now))
        self._order(maker, ACTION_FILL, fm)
        self._order(taker, ACTION_FILL, ft)
        for p in pm + pt:
            self._position(p)
        self._asset(maker.account_id, now)
        if taker.account_id != maker.account_id:
            self._asset(taker.account_id, now)

    def _apply(self, o: ContractOrder, role: str, trade_id: str, price: Decimal, vol: Decimal,
               now: int) -> tuple[ContractFill, list[Position]]:
        """Book one side of a trade: close first, then open; fee by role; returns the fill and positions touched."""
        acc, rules = self.accounts, self.contracts[o.symbol]
        cs = rules.contract_size
        close_dir, open_dir = ("short", "long") if o.side == "buy" else ("long", "short")
        own = min(vol, o.close_left)
        opening = vol - own
        o.close_left -= own
        if opening:  # the opening share of the reservation goes back to available first
            portion = o.frozen if opening == o.open_left else money(o.frozen * opening / o.open_left)
            o.open_left -= opening
            o.frozen -= portion
            acc.release(o.account_id, portion)
        opp = acc.position(o.account_id, o.symbol, close_dir)
        netted = ZERO
        if opening and opp is not None and acc.mode(o.account_id) == "one_way_mode":
            netted = min(opening, opp.hold_volume - own)
        touched: list[Position] = []
        pnl = ZERO
        if own + netted:
            assert opp is not None
            opp.frozen_volume -= own
            pnl = acc.close(opp, own + netted, price, now)
            touched.append(opp)
            if netted:
                self.cancel_closers(opp, now)
        pos = opp
        if opening - netted:
            pos = acc.ensure_position(o.account_id, o.symbol, open_dir, o.open_type, o.leverage, cs, now)
            margin = money((opening - netted) * cs * price / Decimal(o.leverage))
            acc.open(pos, opening - netted, price, margin, o.leverage, now)
            touched.append(pos)
        maker_rate, taker_rate = self.fee_rates(o.account_id)
        fee = money(vol * cs * price * (maker_rate if role == "maker" else taker_rate))
        assert pos is not None
        acc.charge_fee(pos, fee, now)
        fill = ContractFill(trade_id, o.order_id, o.client_order_id, o.account_id, o.symbol, o.side_code,
                            price, vol, fee, role, pnl, now)
        self.fills.setdefault(o.account_id, []).append(fill)
        for p in touched:
            acc.drop_if_flat(p)
        return fill, touched

    def liquidated(self, p: Position, vol: Decimal, price: Decimal, now: int) -> None:
        """Record a forced close of ``vol`` at ``price`` as a ``liquidate`` order (WS action 7) and events."""
        self._seq += 1
        side = "sell" if p.direction == "long" else "buy"
        o = ContractOrder(str(ORDER_ID_BASE + self._seq), "", p.account_id, p.symbol, side, "liquidate", price, vol,
                          None, filled_size=vol, filled_notional=price * vol, state="filled",
                          create_time_ms=now, update_time_ms=now, side_code=3 if side == "sell" else 2,
                          open_type=p.open_type, leverage=p.leverage, position_mode=self.accounts.mode(p.account_id))
        self.orders[o.order_id] = o
        self._order(o, ACTION_BANKRUPTCY)
        self._position(p)
        self._asset(p.account_id, now)
        self.accounts.drop_if_flat(p)
