"""The futures venue's core façade: engine, marks, funding and liquidation on one clock (no I/O)."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..core.clock import Clock, SystemClock
from ..core.events import ZERO, PublicTrade
from . import errors as E
from .config import FuturesConfig
from .contracts import ContractRules, generate_contracts
from .engine import FuturesEngine
from .errors import ferror
from .amend import amend
from .events import ContractFill, ContractOrder, FundingSettled, LedgerRow, MarkChanged, Position
from .funding import Funding
from .liquidation import Liquidator, cross_estimate, isolated_price, maintenance
from .market import FuturesMarket
from .marks import IndexSource, Marks


@dataclass(frozen=True, slots=True)
class AccountView:
    """``/contract/private/assets-detail`` numbers of the USDT row (Appendix A "Account numbers")."""

    available_balance: Decimal
    frozen_balance: Decimal
    position_deposit: Decimal
    unrealized: Decimal
    equity: Decimal


class FuturesVenue:
    """A BitMart-like USDT-M perpetual exchange in memory; every method is synchronous."""

    def __init__(self, *, seed: int = 1, contracts: int = 12, clock: Clock | None = None,
                 config: FuturesConfig | None = None, index_source: IndexSource | None = None) -> None:
        self.config = config or FuturesConfig()
        self.clock: Clock = clock or SystemClock()
        self.contract_list: list[ContractRules] = generate_contracts(seed, contracts)
        self.engine = FuturesEngine(self.contract_list, self.clock, self.config)
        self.accounts = self.engine.accounts
        self.marks = Marks(self.contract_list, seed, self.config.mark_band, index_source)
        self.funding = Funding(self.contract_list, self.config, self.clock.now_ms())
        self.liquidator = Liquidator(self.engine)
        self.market = FuturesMarket(self.contract_list)
        self.engine.listeners.append(self.market.record)
        self.deadlines: dict[tuple[str, str], int] = {}  # cancel-all-after: (account, symbol) -> ms

    # -- accounts and settings --------------------------------------------------------------
    def fund(self, account_id: str, amount: Decimal) -> None:
        self.accounts.deposit(account_id, amount)

    def deposit(self, account_id: str, amount: Decimal) -> None:
        """Admin: fund a wallet and announce its new asset row (call on the venue's event loop)."""
        self.fund(account_id, amount)
        self.engine.announce_asset(account_id)

    def seed_history(self, trades: list[PublicTrade]) -> None:
        """Past trades (oldest first) into the candles; the last price becomes the newest one's."""
        self.market.backfill(trades)
        for t in trades:
            self.engine.last_price[t.symbol] = t.price

    def set_position_mode(self, account_id: str, mode: str) -> None:
        """hedge_mode | one_way_mode; 40059 while the account holds a position or an open order."""
        if mode not in ("hedge_mode", "one_way_mode"):
            raise ferror(E.INVALID_REQUEST)
        if any(p.hold_volume for p in self.accounts.of(account_id)) or self.engine.open_orders(account_id):
            raise ferror(E.MODE_SWITCH_REFUSED)
        self.accounts.modes[account_id] = mode

    def set_leverage(self, account_id: str, symbol: str, leverage: object, open_type: str) -> None:
        """submit-leverage: the open type may not change under a position (40045, Q15)."""
        rules = self.engine.contracts.get(symbol)
        if rules is None:
            raise ferror(E.SYMBOL_NOT_EXIST)
        if open_type not in ("cross", "isolated"):
            raise ferror(E.OPEN_TYPE_INVALID)
        try:
            lev = int(str(leverage))
        except ValueError:
            raise ferror(E.LEVERAGE_INVALID) from None
        if lev <= 0:
            raise ferror(E.LEVERAGE_INVALID)
        if lev < rules.min_leverage:
            raise ferror(E.LEVERAGE_TOO_SMALL)
        held = [p for p in self.accounts.of(account_id, symbol) if p.hold_volume]
        value = max((p.cost for p in held), default=ZERO)
        if lev > min(rules.max_leverage, rules.bracket_for(value).initial_leverage):
            raise ferror(E.LEVERAGE_TOO_LARGE)
        if any(p.open_type != open_type for p in held):
            raise ferror(E.OPEN_TYPE_INVALID)
        self.accounts.settings[(account_id, symbol)] = (lev, open_type)

    # -- trading ----------------------------------------------------------------------------
    def submit_order(self, account_id: str, symbol: str, side: object, size: object, **fields: Any) -> ContractOrder:
        return self.engine.submit(account_id, symbol, side, size, **fields)

    def cancel_order(self, account_id: str, **ids: str | None) -> ContractOrder:
        return self.engine.cancel_order(account_id, **ids)

    def modify_order(self, account_id: str, **fields: object) -> ContractOrder:
        """modify-limit-order (see amend.py): order_id or client_order_id, price and/or size."""
        return amend(self.engine, account_id, **fields)  # type: ignore[arg-type]

    def cancel_all_after(self, account_id: str, symbol: str, timeout_s: int) -> int:
        """Cancel the symbol's open orders ``timeout_s`` from now (0 disarms); returns the deadline in ms (0 if none)."""
        if timeout_s == 0:
            self.deadlines.pop((account_id, symbol), None)
            return 0
        at = self.clock.now_ms() + timeout_s * 1000
        self.deadlines[(account_id, symbol)] = at
        return at

    def fire_deadlines(self, now: int) -> None:
        """Cancel the orders of every cancel-all-after timer that ran out."""
        for key, at in list(self.deadlines.items()):
            if at <= now:
                del self.deadlines[key]
                self.engine.cancel_all(key[0], key[1])

    # -- prices, funding, liquidation -------------------------------------------------------
    def tick(self) -> list[Position]:
        """Refresh marks, settle due funding, liquidate; returns the positions liquidated."""
        now = self.clock.now_ms()
        self.fire_deadlines(now)
        self.refresh_marks(now)
        self.settle_funding(now)
        return self.liquidator.check(self.marks.mark, now)

    def refresh_marks(self, now: int) -> None:
        for symbol in self.engine.books:
            self.refresh_mark(symbol, now)

    def refresh_mark(self, symbol: str, now: int) -> None:
        """Move the index one step, re-derive the mark from the book mid, sample the funding premium."""
        index, mark = self.marks.refresh(symbol, self._mid(symbol))
        self.funding.sample(symbol, index, mark)
        if self.engine.listeners:
            self.engine.emit(MarkChanged(symbol, index, mark, now))

    def _mid(self, symbol: str) -> Decimal | None:
        book = self.engine.books[symbol]
        bid, ask = book.bids.best_price(), book.asks.best_price()
        return (bid + ask) / 2 if bid is not None and ask is not None else None

    def set_prices(self, symbol: str, *, mark: Decimal | None = None, index: Decimal | None = None) -> list[Position]:
        """Admin: pin the mark/index (e.g. to a liquidation price) and liquidate what that makes due.

        An unpinned mark is re-derived from the book at once within the band of a newly pinned index.
        """
        self.marks.pin(symbol, mark=mark, index=index)
        return self._repriced(symbol)

    def unpin_prices(self, symbol: str) -> list[Position]:
        """Admin: index and mark follow the model again (the index from the next clock tick)."""
        self.marks.unpin(symbol)
        return self._repriced(symbol)

    def _repriced(self, symbol: str) -> list[Position]:
        """After an admin price change: re-derive an unpinned mark (the index stays), announce, liquidate."""
        now = self.clock.now_ms()
        mark = self.marks.derive_mark(symbol, self._mid(symbol))
        if self.engine.listeners:
            self.engine.emit(MarkChanged(symbol, self.marks.index[symbol], mark, now))
        return self.liquidator.check(self.marks.mark, now)

    def move_to_liquidation(self, account_id: str, symbol: str,
                            direction: str | None = None) -> tuple[Decimal, list[Position]]:
        """Admin: pin the mark at the nearest price that liquidates the account's ``symbol`` position.

        ``direction`` (long | short) is needed only when both sides are held. Returns the mark and what
        was liquidated. ValueError when no such position is held or no positive mark would liquidate it.
        """
        held = [p for p in self.accounts.of(account_id, symbol) if p.hold_volume
                and (direction is None or p.direction == direction)]
        if not held:
            raise ValueError(f"{account_id} holds no {symbol} {direction or ''} position".replace("  ", " "))
        if len(held) > 1:
            raise ValueError(f"{account_id} holds both {symbol} sides: name a direction (long | short)")
        price = self.liquidator.due_mark(held[0], self.marks.mark)
        if price is None:
            raise ValueError("no positive mark liquidates this position")
        return price, self.set_prices(symbol, mark=price)

    def set_funding_rate(self, symbol: str, rate: Decimal | None) -> None:
        """Admin: fix (freeze) the rate that settles next, or None to return to the premium model."""
        if rate is None:
            self.funding.fixed.pop(symbol, None)
        else:
            self.funding.fixed[symbol] = rate

    def settle_funding(self, now: int, symbol: str | None = None, force: bool = False) -> None:
        """Settle every boundary reached by ``now`` (``force``: settle ``symbol`` now, admin trigger)."""
        for sym in [symbol] if symbol else list(self.engine.contracts):
            times = self.funding.due(sym, now)
            if force and not times:
                times = [now]
            for when in times:
                rate = self.funding.settle(self.accounts, sym, self.marks.mark[sym], when)
                if self.engine.listeners:
                    self.engine.emit(FundingSettled(sym, rate, self.marks.mark[sym], when,
                                                    self.funding.next_time[sym]))
        if force:
            self.liquidator.check(self.marks.mark, now)

    # -- views ------------------------------------------------------------------------------
    def account(self, account_id: str) -> AccountView:
        w = self.accounts.wallet(account_id)
        held = self.accounts.of(account_id)
        upnl = sum((p.unrealized(self.marks.mark[p.symbol]) for p in held), ZERO)
        cross_loss = min(ZERO, sum((p.unrealized(self.marks.mark[p.symbol]) for p in held
                                    if p.open_type == "cross"), ZERO))
        deposit = self.accounts.position_margin(account_id)
        return AccountView(w.available + cross_loss, w.frozen, deposit, upnl,
                           w.available + w.frozen + deposit + upnl)

    def liquidation_price(self, p: Position) -> Decimal:
        """position-v2 ``liquidation_price``: the isolated price, or the cross estimate (§5.3)."""
        rules = self.engine.contracts[p.symbol]
        if p.open_type == "isolated":
            return isolated_price(p, rules)
        return cross_estimate(p, rules, self.accounts.wallet(p.account_id).available)

    def maintenance_margin(self, p: Position) -> Decimal:
        return maintenance(p, self.engine.contracts[p.symbol])

    def depth(self, symbol: str, limit: int | None = None) -> tuple[list[tuple[Decimal, Decimal]],
                                                                    list[tuple[Decimal, Decimal]]]:
        """(bids best first, asks best first) as (price, contracts) levels."""
        return self.engine.books[symbol].depth(limit)

    def open_interest(self, symbol: str) -> Decimal:
        """Σ contracts held long (= Σ held short)."""
        return sum((p.hold_volume for p in self.accounts.positions.values()
                    if p.symbol == symbol and p.direction == "long"), ZERO)

    def order(self, account_id: str, order_id: str) -> ContractOrder | None:
        o = self.engine.orders.get(order_id)
        return o if o is not None and o.account_id == account_id else None

    def orders_of(self, account_id: str, symbol: str | None = None) -> list[ContractOrder]:
        """Every order of an account (open and finished), newest first."""
        out = [o for o in self.engine.orders.values()
               if o.account_id == account_id and (symbol is None or o.symbol == symbol)]
        return out[::-1]

    def fills_of(self, account_id: str, symbol: str | None = None) -> list[ContractFill]:
        """Fills of an account, newest first."""
        return [f for f in reversed(self.engine.fills.get(account_id, [])) if symbol is None or f.symbol == symbol]

    def ledger_of(self, account_id: str, flow_type: int = 0) -> list[LedgerRow]:
        """transaction-history rows, newest first."""
        return self.accounts.rows(account_id, flow_type)[::-1]
