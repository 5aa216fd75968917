"""``modify-limit-order``: a resting limit order gets a new price and/or total size, keeping its id.

Everything is checked before anything moves, as if the order's own reservations were already
released: unknown id 40037, finished order 40036, price off tick 40043 / not positive 40044, size not
a whole step 40043, size not above what has filled or outside [min_volume, max_volume] 40044, close
volume over the closable 40020, margin 40012/40027. Then the order leaves the book, its margin and
close volume are released, the new rest is reserved like a fresh order and matched again (it loses
time priority; a crossing maker-only order is cancelled as on submit). The change is pushed as
order action 2 (submit) [DECISION: BitMart has no "modify" action].
"""
from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from ..core.events import LevelChanged
from . import errors as E
from .accounts import money
from .errors import ferror, insufficient
from .events import ACTION_SUBMIT, ContractOrder
from .intake import Plan, _int, _num, check_risk

if TYPE_CHECKING:  # pragma: no cover
    from .engine import FuturesEngine


def _find(eng: "FuturesEngine", account_id: str, order_id: str | None, client_order_id: str | None) -> ContractOrder:
    o = eng.orders.get(order_id or "") if order_id else None
    if o is None and client_order_id and not order_id:
        o = next((x for x in eng.orders.values() if x.account_id == account_id
                  and x.client_order_id == client_order_id and x.is_open), None)
    if o is None or o.account_id != account_id:
        raise ferror(E.ORDER_ID_NOT_EXIST)
    if not o.is_open or o.type != "limit":
        raise ferror(E.ORDER_STATUS_INVALID)
    return o


def amend(eng: "FuturesEngine", account_id: str, *, order_id: str | None = None, client_order_id: str | None = None,
          price: object = None, size: object = None) -> ContractOrder:
    """Re-price and/or re-size a resting limit order; raises ExchangeError and then changes nothing."""
    o = _find(eng, account_id, order_id, client_order_id)
    rules = eng.contracts[o.symbol]
    assert o.price is not None and o.size is not None
    px = o.price if price is None else _num(price, E.PRECISION_INVALID)
    if px <= 0:
        raise ferror(E.RANGE_INVALID)
    if px % rules.price_tick != 0:
        raise ferror(E.PRECISION_INVALID)
    px = px.quantize(rules.price_tick)
    total = o.size if size is None else Decimal(_int(size, E.PRECISION_INVALID))
    if total % rules.vol_step != 0:
        raise ferror(E.PRECISION_INVALID)
    if total <= o.filled_size or total < rules.min_volume or total > rules.max_volume:
        raise ferror(E.RANGE_INVALID)
    rest = total - o.filled_size
    acc = eng.accounts
    close_dir = "short" if o.side == "buy" else "long"
    pos = acc.position(account_id, o.symbol, close_dir)
    closable = (pos.closable + o.close_left) if pos is not None else Decimal(0)
    if o.side_code in (2, 3):
        if rest > closable:
            raise ferror(E.POSITION_NOT_ENOUGH)
        close, opening = rest, Decimal(0)
    elif acc.mode(account_id) == "one_way_mode":
        close = min(rest, max(closable, Decimal(0)))
        opening = rest - close
    else:
        close, opening = Decimal(0), rest
    plan = Plan(rules, o.side_code, o.side, "limit", rest, px, o.mode, o.leverage, o.open_type, close, opening,
                o.client_order_id, o.stp_mode)
    basis = px if o.side == "buy" else max(px, eng.books[o.symbol].bids.best_price() or px)
    check_risk(acc, account_id, plan, basis)
    taker = eng.fee_rates(account_id)[1]
    need = money(opening * rules.contract_size * basis * (1 / Decimal(o.leverage) + taker))
    if need > acc.wallet(account_id).available + o.frozen:
        raise insufficient(eng.config.insufficient_margin_code)
    _apply(eng, o, px, total, close, opening, need, basis)
    return o


def _apply(eng: "FuturesEngine", o: ContractOrder, px: Decimal, total: Decimal, close: Decimal, opening: Decimal,
           need: Decimal, basis: Decimal) -> None:
    now = eng.clock.now_ms()
    book = eng.books[o.symbol]
    side = book.side_for(o.side)
    assert o.price is not None
    level = side.remove(o, o.remaining)
    if eng.listeners:
        eng.emit(LevelChanged(o.symbol, side.name, o.price, level, now))
    acc = eng.accounts
    pos = acc.position(o.account_id, o.symbol, "short" if o.side == "buy" else "long")
    if pos is not None:
        pos.frozen_volume += close - o.close_left
    acc.release(o.account_id, o.frozen)
    acc.reserve(o.account_id, need)
    o.price, o.size, o.frozen = px, total, need
    o.close_left, o.open_left, o.reserve_price = close, opening, basis
    o.update_time_ms = now
    eng._order(o, ACTION_SUBMIT)
    if pos is not None:
        eng._position(pos)
    eng._asset(o.account_id, now)
    eng._run(o, book, now)
