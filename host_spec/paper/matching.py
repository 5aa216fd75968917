"""The public book as the paper engine sees it, and the fill rules for takers and makers.

Pure and synchronous: no clock, no I/O. Prices are exact Decimal keys.
- Takers walk the book as it stands, level by level; `taken` is the ledger of displayed size we
  already took, so two of our orders never fill against the same displayed size. A level's ledger
  shrinks as the venue's displayed size there shrinks (the front of the queue goes first).
- Makers hold a queue position (`ahead`): trades at their price move it forward and fill by the
  volume beyond it; trades through the price fill from the trade's volume; size added later queues
  behind; decreases no trade explains are cancellations split by a queue model.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from host_spec.models import OrderBookView, PublicTrade, Side
from host_spec.paper.queue import QueueModel, cancel_ahead

__all__ = ["ASK", "BID", "MakerSlot", "PairBook", "book_side_of", "crossing_fill", "level_size", "maker_trade_fills", "requeue",
           "unshown", "walk"]

ZERO = Decimal(0)
BID, ASK = "bid", "ask"


def book_side_of(side: Side) -> str:
    """The book side an order of ours rests on."""
    return BID if side is Side.BUY else ASK


def _crosses(side: str, level: Decimal, limit: Decimal) -> bool:
    """Can a taker on the other side of `side` trade at `level` with limit `limit`?"""
    return level <= limit if side == ASK else level >= limit


def level_size(levels: dict[Decimal, Decimal], side: str, price: Decimal, known: bool = True) -> Decimal | None:
    """Size at `price` in one side's levels; 0 inside the shown range, None beyond it (or if not `known`)."""
    if not known:
        return None
    if price in levels:
        return levels[price]
    if not levels:
        return ZERO
    worst = min(levels) if side == BID else max(levels)
    beyond = price < worst if side == BID else price > worst
    return None if beyond else ZERO


def unshown(old: Decimal | None, new: Decimal | None, traded: Decimal, same_ms: Decimal) -> Decimal:
    """Of `same_ms`, the volume traded at a level in a view's own millisecond, the part the view does not show.

    A view and a trade stamped in the same millisecond come in no known order: the view may predate
    the trade. `traded` is all the volume traded at the level since the `old` view (same_ms included);
    whatever of `same_ms` the `new` size has not lost yet is taken as still to come. Erring this way
    only delays the trade's explanation to the next view; the other way would invent a cancellation.
    """
    if old is None or new is None or same_ms <= 0:
        return ZERO
    return min(same_ms, max(ZERO, new - (old - traded)))


def _side_hit(trade: PublicTrade) -> str:
    return ASK if trade.taker_side is Side.BUY else BID


def _absent_before(side: str, price: Decimal, trade: PublicTrade) -> bool:
    """Could a level at `price` on `side` not have rested through `trade`? On the trade's side, its taker would
    have met the better level first; on the other side, the level would have crossed the resting order it hit."""
    if _side_hit(trade) == side:
        return price < trade.price if side == ASK else price > trade.price
    return price <= trade.price if side == ASK else price >= trade.price


class PairBook:
    """The last view of one pair, the liquidity ledger, and trade volume seen since the last view."""

    def __init__(self) -> None:
        self.view: OrderBookView | None = None
        self.levels: dict[str, dict[Decimal, Decimal]] = {BID: {}, ASK: {}}
        self.taken: dict[tuple[str, Decimal], Decimal] = {}
        self.traded: dict[tuple[str, Decimal], Decimal] = {}
        #: per level, (millisecond of its newest trade, volume traded there in that millisecond)
        self.last_ms: dict[tuple[str, Decimal], tuple[int, Decimal]] = {}
        self.last_trade: PublicTrade | None = None

    @property
    def ready(self) -> bool:
        return self.view is not None

    def best(self, side: str) -> Decimal | None:
        lv = self.levels[side]
        if not lv:
            return None
        return max(lv) if side == BID else min(lv)

    def mid(self) -> Decimal | None:
        bid, ask = self.best(BID), self.best(ASK)
        if bid is None or ask is None:
            return bid or ask or (self.last_trade.price if self.last_trade else None)
        return (bid + ask) / 2

    def size_at(self, side: str, price: Decimal) -> Decimal | None:
        """Displayed size at `price`; 0 inside the visible range, None beyond the deepest level shown."""
        return level_size(self.levels[side], side, price, self.view is not None)

    def sorted_levels(self, side: str) -> list[tuple[Decimal, Decimal]]:
        return sorted(self.levels[side].items(), key=lambda kv: -kv[0] if side == BID else kv[0])

    def available(self, side: str, price: Decimal) -> Decimal:
        return max(ZERO, self.levels[side].get(price, ZERO) - self.taken.get((side, price), ZERO))

    def take(self, side: str, price: Decimal, qty: Decimal) -> None:
        self.taken[(side, price)] = self.taken.get((side, price), ZERO) + qty

    def on_trade(self, trade: PublicTrade) -> None:
        """A public trade: note its volume (it explains decreases in the next view) and let it consume the
        front of the level first, where the displayed size we took sits (so a twin's or anyone's trade
        of the size we took is not counted twice)."""
        key = (_side_hit(trade), trade.price)
        self.traded[key] = self.traded.get(key, ZERO) + trade.amount
        ms, qty = self.last_ms.get(key, (trade.timestamp_ms, ZERO))
        self.last_ms[key] = (trade.timestamp_ms, (qty if ms == trade.timestamp_ms else ZERO) + trade.amount)
        self.last_trade = trade
        if key in self.taken:
            left = self.taken[key] - trade.amount
            if left > 0:
                self.taken[key] = left
            else:
                del self.taken[key]

    def at_arrival(self, peek: tuple[OrderBookView | None, list[PublicTrade]] | None = None,
                   ts: int | None = None) -> PairBook:
        """A scratch copy of the book as it stood at an arrival (at `ts`), for deciding a taker or post-only order.

        Without a look-ahead: the last view as it stands (the ledger already holds what we took). With
        `peek` = (the first view stamped at or after the arrival, the trades stamped from the arrival to
        it): that view with those trades added back on the side they hit (they consumed liquidity that
        was resting at the arrival; on a batching venue the later view is the better picture of the
        moment, and adding the trades back keeps anything that traded after the arrival, our own live
        twin included, from being counted as gone). Exceptions, for liquidity posted after the arrival:
        a trade at a price neither view shows, stamped after the arrival, is not added back; a level only
        the later view shows, better than the price of a trade on its side after the arrival, is left out
        (had it been there, that trade's taker would have met it first), and so is one that would have
        crossed the price of a later trade on the other side. Trades in the later view's own
        millisecond that it does not show yet stay out (`unshown`). The ledger of what we took is carried over.
        """
        out = PairBook()
        out.view, out.last_trade, out.taken = self.view, self.last_trade, dict(self.taken)
        view, trades = peek if peek is not None else (None, [])
        if view is None:
            out.levels = {BID: dict(self.levels[BID]), ASK: dict(self.levels[ASK])}
            return out
        out.view = view
        out.levels = {BID: dict(view.bids), ASK: dict(view.asks)}
        volume: dict[tuple[str, Decimal], Decimal] = {}
        same: dict[tuple[str, Decimal], Decimal] = {}
        for t in trades:
            key = (_side_hit(t), t.price)
            posted_later = t.price not in self.levels[key[0]] and t.price not in out.levels[key[0]]
            if posted_later and ts is not None and t.timestamp_ms > ts:
                continue
            volume[key] = volume.get(key, ZERO) + t.amount
            if t.timestamp_ms == view.timestamp_ms:
                same[key] = same.get(key, ZERO) + t.amount
        later = [t for t in trades if ts is None or t.timestamp_ms >= ts]
        for side in (BID, ASK):
            for price in [p for p in out.levels[side] if p not in self.levels[side]]:
                if any(_absent_before(side, price, t) for t in later):
                    del out.levels[side][price]
        for (side, price), qty in volume.items():
            shown = out.levels[side].get(price, ZERO)
            late = unshown(self.size_at(side, price), level_size(out.levels[side], side, price),
                           self.traded.get((side, price), ZERO) + qty, same.get((side, price), ZERO))
            if qty - late > 0:
                out.levels[side][price] = shown + qty - late
        return out

    def apply_view(self, view: OrderBookView) -> tuple[dict[str, dict[Decimal, Decimal]], bool, dict[tuple[str, Decimal], Decimal]]:
        """Install a new view. Returns the previous levels, whether there were any, and the traded volume
        per level the view accounts for; volume traded in the view's own millisecond that it does not
        show yet stays in `traded` for the next view. Shrinks the ledger where the venue's size shrank."""
        old, known = self.levels, self.view is not None
        self.view = view
        self.levels = {BID: dict(view.bids), ASK: dict(view.asks)}
        explained: dict[tuple[str, Decimal], Decimal] = {}
        pending: dict[tuple[str, Decimal], Decimal] = {}
        for key, qty in self.traded.items():
            side, price = key
            ms, same = self.last_ms.get(key, (-1, ZERO))
            late = unshown(level_size(old[side], side, price, known), level_size(self.levels[side], side, price),
                           qty, same if ms == view.timestamp_ms else ZERO)
            explained[key] = qty - late
            if late > 0:
                pending[key] = late
        self.traded = pending
        self.last_ms = {k: v for k, v in self.last_ms.items() if k in pending}
        for key in list(self.taken):
            side, price = key
            before, now = old[side].get(price, ZERO), self.levels[side].get(price, ZERO)
            before = max(ZERO, before - explained.get(key, ZERO))  # trades already shrank the ledger
            if now <= 0:
                del self.taken[key]
            elif now < before:
                left = self.taken[key] - (before - now)
                if left > 0:
                    self.taken[key] = min(left, now)
                else:
                    del self.taken[key]
        return old, known, explained


def walk(book: PairBook, side: Side, limit: Decimal | None, amount: Decimal | None, quote: Decimal | None,
         step: Decimal) -> list[tuple[Decimal, Decimal]]:
    """Take liquidity for an incoming order of ours: [(price, qty)], best level first, marked in the ledger.

    `amount` bounds the base size; a market buy by quote gives `quote` instead (whole steps only).
    """
    opp = ASK if side is Side.BUY else BID
    out: list[tuple[Decimal, Decimal]] = []
    left_amount, left_quote = amount, quote
    for price, _ in book.sorted_levels(opp):
        if limit is not None and not _crosses(opp, price, limit):
            break
        avail = book.available(opp, price)
        if avail <= 0:
            continue
        if left_quote is not None:
            qty = min(avail, (left_quote / price / step).to_integral_value(rounding=ROUND_DOWN) * step)
        else:
            assert left_amount is not None
            qty = min(avail, left_amount)
        if qty <= 0:
            break
        book.take(opp, price, qty)
        out.append((price, qty))
        if left_quote is not None:
            left_quote -= qty * price
        else:
            assert left_amount is not None
            left_amount -= qty
            if left_amount <= 0:
                break
    return out


@dataclass
class MakerSlot:
    """A resting order of ours as the maker logic needs it."""

    key: str
    side: str
    price: Decimal
    remaining: Decimal
    ahead: Decimal
    seq: int
    #: the queue ahead as of the last depth view, and what trades at our price filled since (see requeue)
    ahead_at_view: Decimal = ZERO
    filled_since_view: Decimal = ZERO
    #: a depth view stamped since we arrived has been applied (in shadow mode it shows our live twin)
    in_view: bool = False

    def mark_view(self, ahead_at_view: Decimal | None = None) -> None:
        self.ahead_at_view = self.ahead if ahead_at_view is None else ahead_at_view
        self.filled_since_view = ZERO


def maker_trade_fills(slots: Iterable[MakerSlot], trade: PublicTrade,
                      shadow: bool = False) -> list[tuple[MakerSlot, Decimal]]:
    """Fills a public trade gives our resting orders on the side it hit.

    Orders priced through the trade fill from its volume first (the taker would have met them
    first); orders at its price fill by the volume beyond their queue position. Our orders share
    the trade's volume in price-time priority.

    `shadow`: the public data already contains a live twin of each of our orders (a live account
    places the same orders). Then our orders are in the displayed queues and the trades already:
    each order fills independently by the volume beyond its own position (an earlier order of ours
    at the price is counted in the size ahead of a later one, not again), and a trade through our
    price means the taker emptied our level, twin included, so the order fills completely.
    """
    side = _side_hit(trade)
    mine = [s for s in slots if s.side == side and s.remaining > 0 and _crosses(side, s.price, trade.price)]
    mine.sort(key=lambda s: (-s.price if side == BID else s.price, s.seq))
    left = trade.amount
    out: list[tuple[MakerSlot, Decimal]] = []
    for slot in mine:
        if shadow:
            if slot.price == trade.price:
                advance = min(slot.ahead, trade.amount)
                slot.ahead -= advance
                qty = min(slot.remaining, trade.amount - advance)
            else:
                qty = slot.remaining
        elif slot.price == trade.price:
            advance = min(slot.ahead, left)
            slot.ahead -= advance
            qty = min(slot.remaining, left - advance)
        else:
            qty = min(slot.remaining, left)
        if qty > 0:
            slot.remaining -= qty
            if slot.price == trade.price:
                slot.filled_since_view += qty
            left -= qty
            out.append((slot, qty))
    return out


def requeue(slot: MakerSlot, old: Decimal | None, new: Decimal | None, explained: Decimal, model: QueueModel,
            k: float, shadow: bool = False) -> Decimal:
    """Move `slot.ahead` for one depth change at its price (old -> new size, `explained` by trades at it).

    A decrease no trade explains is cancellations, split around us by `model`. When the interval also
    had trades at our price, the order of the two within it is unknown: `front`, the optimistic bound,
    takes the cancellations as first, so those trades met a shorter queue, and returns the fill owed to
    us for that (the other models take them as after the trades and owe nothing). With `shadow` our
    live twin is part of the displayed size (from the first view after our arrival) and of the trades,
    and is neither ahead nor behind.
    """
    if old is None or new is None:
        return ZERO
    filled = slot.filled_since_view
    own_old = slot.remaining + filled if shadow and slot.in_view else ZERO
    others_traded = max(ZERO, explained - filled) if shadow else explained
    after_trades = max(ZERO, old - own_old - others_traded)  # everyone else at the price, had nobody cancelled
    now = max(ZERO, new - (slot.remaining if shadow else ZERO))
    owed = ZERO
    if now < after_trades:
        cancelled = after_trades - now
        if model is QueueModel.FRONT and explained > 0 and slot.ahead_at_view > slot.ahead:
            a0 = slot.ahead_at_view
            gone = cancel_ahead(model, a0, max(ZERO, old - own_old - a0), cancelled, k)
            owed = max(ZERO, min(slot.remaining + filled, max(ZERO, explained - (a0 - gone))) - filled)
            slot.ahead = max(ZERO, a0 - gone - others_traded)
        else:
            behind = max(ZERO, after_trades - slot.ahead)
            slot.ahead -= cancel_ahead(model, slot.ahead, behind, cancelled, k)
    slot.ahead = max(ZERO, min(slot.ahead, now))
    return owed


def crossing_fill(book: PairBook, slot: MakerSlot) -> list[tuple[Decimal, Decimal]]:
    """Resting liquidity on the other side at or through our price fills us (we were there first).

    Returns [(their price, qty)], marked in the ledger; the fill price is ours (we are the maker).
    """
    opp = ASK if slot.side == BID else BID
    out: list[tuple[Decimal, Decimal]] = []
    for price, _ in book.sorted_levels(opp):
        if slot.remaining <= 0 or not _crosses(opp, price, slot.price):
            break
        qty = min(book.available(opp, price), slot.remaining)
        if qty > 0:
            book.take(opp, price, qty)
            slot.remaining -= qty
            out.append((price, qty))
    return out
