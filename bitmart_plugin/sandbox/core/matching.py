"""The price-time walk shared by the spot and futures venues.

It knows books and orders only: each venue says how much to trade against a maker (``qty_at``) and
what a trade does to its accounts (``trade``), so settlement stays with the venue. Sizes are base
units on spot and whole contracts on futures; the walk does not care.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Callable

from .book import Book, BookSide
from .events import ZERO, Order

QtyAt = Callable[[Order, Decimal], Decimal]
Trade = Callable[[Order, Decimal, Decimal], None]
CancelMaker = Callable[[Order], None]


def sweep(book: Book, taker: Order, limit: Decimal | None, qty_at: QtyAt, trade: Trade,
          cancel_maker: CancelMaker) -> bool:
    """Trade ``taker`` against the opposite side, best price first, while ``qty_at`` > 0.

    Stops at ``limit`` (None: no limit). Self-trades follow ``taker.stp_mode``. Returns True
    when self-trade prevention stopped the taker.
    """
    opp = book.opposite(taker.side)
    buy = taker.side == "buy"
    while True:
        maker = opp.best_order()
        if maker is None:
            return False
        price = maker.price
        assert price is not None
        if limit is not None and (price > limit if buy else price < limit):
            return False
        qty = qty_at(maker, price)
        if qty <= 0:
            return False
        if maker.account_id == taker.account_id and taker.stp_mode != "none":
            if taker.stp_mode in ("cancel_maker", "cancel_both"):
                cancel_maker(maker)
            if taker.stp_mode in ("cancel_taker", "cancel_both"):
                return True
            continue
        trade(maker, price, qty)


def execute(opp: BookSide, maker: Order, taker: Order, price: Decimal, qty: Decimal, now: int) -> Decimal:
    """Record a fill of ``qty`` at ``price`` on both orders and the book; returns the new level total."""
    notional = price * qty
    for o in (maker, taker):
        o.filled_size += qty
        o.filled_notional += notional
        o.update_time_ms = now
        if o.size is None:  # sized by notional (spot market buy): never "filled" by size
            o.state = "partially_filled"
        else:
            o.state = "filled" if o.filled_size == o.size else "partially_filled"
    if maker.state == "filled":
        return opp.remove(maker, qty)
    return opp.reduce(price, qty)


def liquidity(book: Book, taker: Order, limit: Decimal | None, want: Decimal) -> tuple[Decimal, Decimal, Decimal]:
    """What ``taker`` could fill now, up to ``want``: (size, notional, worst price).

    Own resting orders count as absent when self-trade prevention is on (they would be skipped
    or stop the taker), so FOK checks and market reference prices never rely on them.
    """
    opp = book.opposite(taker.side)
    buy = taker.side == "buy"
    got = notional = worst = ZERO
    for price in opp.prices():
        if got >= want or (limit is not None and (price > limit if buy else price < limit)):
            break
        for maker in opp.levels[price].values():
            if maker.account_id == taker.account_id and taker.stp_mode != "none":
                if taker.stp_mode != "cancel_maker":
                    return got, notional, worst
                continue
            q = min(maker.remaining, want - got)
            got += q
            notional += q * price
            worst = price
            if got >= want:
                break
    return got, notional, worst
