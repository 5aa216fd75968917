"""The paper perpetual account: cash, order reservations, positions and their money, with no clock and no I/O.

Money is kept per margin asset (a pair's quote asset). For every asset, at all times:

    available + frozen + Σ position margin == start + realized − fees − funding

`available` and `frozen` are the wallet's cash (frozen: what open orders hold), `realized` the price
PnL booked on closes and liquidations, `fees` the commissions paid, `funding` the funding paid
(negative when received). Moves between available, frozen and margins are transfers; only a fill's
PnL and fee, a funding payment and a liquidation change the right-hand side.

Rules (generic perpetual-venue rules; the venue's numbers come from its TradingRule and FundingInfo):
an opening order holds `size × price / leverage` of margin plus the taker fee on its value; a fill moves
the margin into the position and pays the fee by role on `size × price`; a close realizes
`dir × (price − entry) × size` and releases the margin pro rata. Closing orders (hedge CLOSE, or
reduce-only) hold position volume instead and never open. One-way orders net: a fill first reduces the
opposite position (all of it, whatever other orders hold), then opens with what is left; a closing order
left holding more than its position now has is cancelled by the engine. In one-way mode a CLOSE action
reads as reduce-only and OPEN as a plain order (the venue's side codes); in hedge mode an order says OPEN
or CLOSE, reduce-only alone meaning CLOSE. A plain one-way order holds margin for the part that would
open at submit; if a fill opens more (the position moved meanwhile), the rest is taken from available cash.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from host_spec.errors import InsufficientBalance, InvalidOrder, OrderRejected
from host_spec.models import (
    Balance,
    BalanceEvent,
    FundingPayment,
    LeverageSetting,
    Position,
    PositionAction,
    PositionEvent,
    PositionMode,
    PositionSide,
    Side,
    TradingPair,
)
from host_spec.paper.balances import Wallet
from host_spec.paper.perp.positions import ZERO, Holding, closing_side, money, opening_side, plain, toward_due

__all__ = ["Legs", "Liquidation", "PerpLedger"]

Key = tuple[TradingPair, PositionSide]


@dataclass(slots=True)
class Legs:
    """What one order does to positions. A closing order (`closing`: hedge CLOSE or reduce-only) holds
    `close_left` of the opposite position's volume; any other order holds `frozen_left` of cash."""

    pair: TradingPair
    side: Side
    closing: bool
    hedge: bool
    close_left: Decimal = ZERO
    frozen_left: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class Liquidation:
    """A position the ledger liquidated: `loss` is the PnL it booked (negative)."""

    pair: TradingPair
    side: PositionSide
    amount: Decimal
    entry_price: Decimal
    mark_price: Decimal
    loss: Decimal
    timestamp_ms: int


class PerpLedger:
    """Cash (a spot `Wallet` per margin asset), positions, leverage settings and the position mode."""

    def __init__(self, wallet: Wallet, settings: Callable[[TradingPair], LeverageSetting],
                 maintenance: Callable[[TradingPair], Decimal], mode: PositionMode = PositionMode.ONE_WAY,
                 connector: str = "paper") -> None:
        self.wallet = wallet
        self.default_setting = settings
        self.maintenance_rate = maintenance
        self.mode = mode
        self.connector = connector
        self.settings: dict[TradingPair, LeverageSetting] = {}
        self.holdings: dict[Key, Holding] = {}
        self.marks: dict[TradingPair, Decimal] = {}
        self.realized: dict[str, Decimal] = {}
        self.funding: dict[str, Decimal] = {}
        self.payments: list[FundingPayment] = []
        self.liquidations: list[Liquidation] = []

    # -- reading ---------------------------------------------------------------------------------
    def setting(self, pair: TradingPair) -> LeverageSetting:
        return self.settings.get(pair) or self.default_setting(pair)

    def held(self, pair: TradingPair | None = None) -> list[Holding]:
        return [h for h in self.holdings.values() if h.amount and (pair is None or h.pair == pair)]

    def mark(self, h: Holding) -> Decimal:
        """The pair's last mark, or the entry price before the first one."""
        return self.marks.get(h.pair, h.entry_price)

    def cross_equity(self, asset: str) -> tuple[Decimal, Decimal]:
        """(equity backing the asset's cross positions, their maintenance): cash + cross margins + cross uPnL."""
        cross = [h for h in self.held() if not h.isolated and h.pair.quote == asset]
        equity = self.wallet.available.get(asset, ZERO) + self.wallet.frozen.get(asset, ZERO)
        equity += sum((h.margin + h.unrealized(self.mark(h)) for h in cross), ZERO)
        return equity, sum((h.maintenance(self.maintenance_rate(h.pair)) for h in cross), ZERO)

    def liquidation_price(self, h: Holding) -> Decimal:
        """Isolated: the mark where margin + uPnL meets maintenance. Cross: the mark of this position, the others
        held at their marks, where the asset's cross equity meets its maintenance."""
        if h.isolated:
            return h.isolated_liquidation_price(self.maintenance_rate(h.pair))
        equity, maintenance = self.cross_equity(h.pair.quote)
        return toward_due(self.mark(h) - h.sign * (equity - maintenance) / h.amount, h.sign) if h.amount else ZERO

    def position(self, h: Holding) -> Position:
        return h.view(self.mark(h), self.liquidation_price(h) if h.amount else None)

    def free(self, asset: str) -> Decimal:
        """Cash an order may hold: available, less the asset's cross unrealized loss."""
        loss = sum((h.unrealized(self.mark(h)) for h in self.held() if not h.isolated and h.pair.quote == asset), ZERO)
        return self.wallet.available.get(asset, ZERO) + min(loss, ZERO)

    def balance(self, asset: str) -> Balance:
        """Available: free cash (never below 0); frozen: what orders hold plus every position's margin."""
        margin = sum((h.margin for h in self.holdings.values() if h.pair.quote == asset), ZERO)
        return Balance(asset, max(self.free(asset), ZERO), self.wallet.frozen.get(asset, ZERO) + margin)

    def balances(self) -> dict[str, Balance]:
        assets = set(self.wallet.available) | {h.pair.quote for h in self.holdings.values()}
        return {a: self.balance(a) for a in sorted(assets)}

    def discrepancy(self, asset: str) -> Decimal:
        """Left side minus right side of the money identity (module doc); 0 when it holds."""
        w = self.wallet
        held = w.available.get(asset, ZERO) + w.frozen.get(asset, ZERO)
        held += sum((h.margin for h in self.holdings.values() if h.pair.quote == asset), ZERO)
        return held - (w.start.get(asset, ZERO) + self.realized.get(asset, ZERO) - w.fees_paid.get(asset, ZERO)
                       - self.funding.get(asset, ZERO))

    # -- events ----------------------------------------------------------------------------------
    def balance_event(self, asset: str, ts: int) -> BalanceEvent:
        b = self.balance(asset)
        return BalanceEvent(asset, b.available, b.frozen, ts)

    def position_event(self, h: Holding) -> PositionEvent:
        return PositionEvent(self.position(h))

    # -- orders ----------------------------------------------------------------------------------
    def hold(self, pair: TradingPair, side: Side, amount: Decimal, action: PositionAction | None, reduce_only: bool,
             price: Decimal, fee_rate: Decimal, ts: int) -> tuple[Legs, list[BalanceEvent]]:
        """Plan an order and hold what it needs: position volume for a closing order, else margin and fee.

        Raises InvalidOrder for a hedge-mode order without OPEN/CLOSE, OrderRejected for a close larger than
        the position's unreserved volume, InsufficientBalance when the cash is short."""
        hedge = self.mode is PositionMode.HEDGE
        if hedge and action is None and not reduce_only:
            raise InvalidOrder(f"{pair}: in hedge mode an order says position_action OPEN or CLOSE",
                               rule="position_action", allowed="OPEN or CLOSE", connector=self.connector)
        legs = Legs(pair, side, reduce_only or action is PositionAction.CLOSE, hedge)
        other = self.holdings.get((pair, closing_side(side)))
        closable = other.closable if other is not None else ZERO
        if legs.closing:
            if amount > closable:
                what = "reduce-only" if reduce_only else "closing"
                raise OrderRejected(f"{pair}: the {what} {side.value.lower()} of {amount} exceeds the {plain(closable)} of the "
                                    f"{closing_side(side).value.lower()} position left to close", connector=self.connector)
            assert other is not None
            other.reserved += amount
            legs.close_left = amount
            return legs, []
        opening = amount if hedge else amount - min(amount, closable)
        leverage = self._leverage(pair, opening_side(side))
        need = money(opening * price / leverage) + money(opening * price * fee_rate)
        asset = pair.quote
        if need > self.free(asset):
            raise InsufficientBalance(f"not enough {asset} margin: the order needs {need} (margin at {leverage}x and "
                                      f"fee), available {max(self.free(asset), ZERO)}", connector=self.connector)
        self.wallet.available[asset] = self.wallet.available.get(asset, ZERO) - need
        self.wallet.frozen[asset] = self.wallet.frozen.get(asset, ZERO) + need
        legs.frozen_left = need
        return legs, [self.balance_event(asset, ts)]

    def fill(self, legs: Legs, price: Decimal, qty: Decimal, fee_rate: Decimal,
             ts: int) -> tuple[Decimal, Decimal, list[BalanceEvent | PositionEvent]]:
        """One fill of `qty` at `price`: close, then open; pay the fee. Returns (realized PnL, fee, events)."""
        pair, asset = legs.pair, legs.pair.quote
        touched: list[Holding] = []
        pnl = ZERO
        other = self.holdings.get((pair, closing_side(legs.side)))
        if legs.closing:
            close = min(qty, legs.close_left)
            legs.close_left -= close
            if other is not None:
                other.reserved -= close
        else:
            close = ZERO if legs.hedge or other is None else min(qty, other.amount)
        if close:
            assert other is not None
            pnl, released = other.reduce(close, price, ts)
            self.credit(asset, released + pnl)
            self.realized[asset] = self.realized.get(asset, ZERO) + pnl
            touched.append(other)
        if qty > close:
            assert not legs.closing, "a closing order never opens"
            h = self._holding(pair, opening_side(legs.side))
            margin = money((qty - close) * price / h.leverage)
            h.add(qty - close, price, margin, ts)
            self._spend(legs, asset, margin)
            touched.append(h)
        fee = plain(money(qty * price * fee_rate))
        self._spend(legs, asset, fee)
        self.wallet.fees_paid[asset] = self.wallet.fees_paid.get(asset, ZERO) + fee
        events: list[BalanceEvent | PositionEvent] = [self.balance_event(asset, ts)]
        events += [self.position_event(h) for h in touched]
        self.drop_flat(touched)
        return pnl, fee, events

    def release(self, legs: Legs, ts: int) -> list[BalanceEvent]:
        """The order is done: give back the volume and cash it still holds."""
        other = self.holdings.get((legs.pair, closing_side(legs.side)))
        if legs.close_left and other is not None:
            other.reserved -= legs.close_left
            self.drop_flat([other])
        legs.close_left = ZERO
        if not legs.frozen_left:
            return []
        asset = legs.pair.quote
        self.wallet.frozen[asset] -= legs.frozen_left
        self.credit(asset, legs.frozen_left)
        legs.frozen_left = ZERO
        return [self.balance_event(asset, ts)]

    # -- settings --------------------------------------------------------------------------------
    def set_leverage(self, setting: LeverageSetting, ts: int, *, orders_open: bool) -> list[BalanceEvent | PositionEvent]:
        """Apply `setting` to the pair. Open positions are margined again at the new leverage (InsufficientBalance
        when the cash cannot cover the increase); the margin mode cannot change while the pair has a position or
        an open order (OrderRejected), as their margin was taken under the old mode."""
        pair, asset = setting.pair, setting.pair.quote
        held = self.held(pair)
        if setting.margin_mode is not self.setting(pair).margin_mode and (held or orders_open):
            raise OrderRejected(f"{pair}: the margin mode cannot change while a position or an order is open",
                                connector=self.connector)
        extra = sum((money(h.cost / setting.leverage) - h.margin for h in held), ZERO)
        if extra > self.free(asset):
            raise InsufficientBalance(f"not enough {asset} to margin the open {pair} position at {setting.leverage}x: "
                                      f"needs {extra} more, available {max(self.free(asset), ZERO)}", connector=self.connector)
        self.settings[pair] = setting
        for h in held:
            new = money(h.cost / setting.leverage)
            self.credit(asset, h.margin - new)
            h.margin, h.leverage, h.updated_ms = new, setting.leverage, ts
        return [self.balance_event(asset, ts), *(self.position_event(h) for h in held)] if held else []

    def set_mode(self, mode: PositionMode, *, orders_open: bool) -> PositionMode:
        """Switch the account's position mode; OrderRejected while any position or order is open."""
        if mode is not self.mode and (self.held() or orders_open):
            raise OrderRejected("the position mode cannot change while a position or an order is open",
                                connector=self.connector)
        self.mode = mode
        return mode

    # -- internals -------------------------------------------------------------------------------
    def _leverage(self, pair: TradingPair, side: PositionSide) -> Decimal:
        h = self.holdings.get((pair, side))
        return h.leverage if h is not None and h.amount else self.setting(pair).leverage

    def _holding(self, pair: TradingPair, side: PositionSide) -> Holding:
        h = self.holdings.get((pair, side))
        if h is None or not h.amount:
            setting = self.setting(pair)
            reserved = h.reserved if h is not None else ZERO
            h = self.holdings[(pair, side)] = Holding(pair, side, setting.leverage, setting.margin_mode, reserved=reserved)
        return h

    def credit(self, asset: str, amount: Decimal) -> None:
        """Add `amount` (negative: take it) to the asset's available cash."""
        self.wallet.available[asset] = self.wallet.available.get(asset, ZERO) + amount

    def _spend(self, legs: Legs, asset: str, amount: Decimal) -> None:
        """Pay `amount` from what the order holds, then from available cash."""
        held = min(legs.frozen_left, amount)
        legs.frozen_left -= held
        self.wallet.frozen[asset] = self.wallet.frozen.get(asset, ZERO) - held
        self.credit(asset, held - amount)

    def drop_flat(self, holdings: list[Holding]) -> None:
        for h in holdings:
            if not h.amount and not h.reserved and self.holdings.get((h.pair, h.side)) is h:
                assert not h.margin, h  # a full close releases all of it
                del self.holdings[(h.pair, h.side)]
