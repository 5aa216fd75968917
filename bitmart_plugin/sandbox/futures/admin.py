"""Admin API of the futures venue (bitmart_futures.md Appendix A), served by the transport's ``admin.Admin``
under ``/admin/futures/`` with its guard (loopback only, ``X-Admin-Token``).

``account`` defaults to the sandbox's own account; ``symbol`` is a contract (``BTCUSDT``); numbers are
JSON numbers or strings in, strings out. Bad input answers 400 ``{"error"}``; a refusal by the venue
409 ``{"error", "code"}`` with BitMart's code (e.g. 40059 switching mode while a position is held).
Shapes named ``wallet``, ``position``, ``ledger row`` ... are those of ``admin_views``.

* ``POST /admin/futures/fund {"account", "amount"}``  deposit USDT (> 0) into a futures wallet and push its
  asset row -> ``wallet``. ``GET /admin/futures/wallet?account=`` -> ``wallet``.
* ``POST /admin/futures/prices {"symbol", "index"?, "mark"?}``  pin the index and/or mark (on the tick);
  an unpinned mark is re-derived at once inside the band of a pinned index. ``{"symbol", "unpin": true}``
  lets both follow the model again. -> ``{"symbol", "index", "mark", "index_pinned", "mark_pinned",
  "liquidated": [closed]}`` (the positions the new mark liquidated).
* ``POST /admin/futures/funding {"symbol", "rate"}``  hold the rate of the next settlements at ``rate``;
  ``{"symbol", "freeze": true}`` holds the current expected rate; ``{"symbol", "rate": null}`` (or
  ``"unfreeze": true``) returns to the premium model. -> ``{"symbol", "expected_rate", "fixed",
  "last_rate", "next_funding_time"}``.
* ``POST /admin/futures/settle {"symbol"}``  settle funding now at the current mark -> ``{"symbol", "rate",
  "funding_time", "rows": [ledger row]}`` (the rows it wrote).
* ``POST /admin/futures/liquidate {"account", "symbol", "direction"?}``  pin the mark at the nearest tick
  where the account's position is liquidated (``direction`` only when both sides are held) ->
  ``{"account", "symbol", "direction", "liquidation_price", "mark", "liquidated": [closed]}``
  (``liquidation_price``: what position-v2 reported before). The mark stays pinned until unpinned.
* ``POST /admin/futures/position-mode {"account", "mode"}``  hedge_mode | one_way_mode ->
  ``{"account", "position_mode"}``.
* ``GET /admin/futures/book?symbol=``, ``/positions``, ``/orders[?open=true]``, ``/ledger[?flow_type=]``
  (each with optional ``account`` and ``symbol`` filters; every account when none is named).
"""
from __future__ import annotations

from typing import Any, Callable

from .admin_views import (AdminCall, book, closed_view, decimal_of, ledger, ledger_view, orders, positions, price_of,
                          symbol_of, wallet, wallet_view)
from .venue import FuturesVenue
from .ws_rows import num

Route = Callable[[FuturesVenue, AdminCall], dict[str, Any]]


def fund(venue: FuturesVenue, call: AdminCall) -> dict[str, Any]:
    amount = decimal_of(call.get("amount"), "amount")
    if amount <= 0:
        raise ValueError("amount must be positive")
    venue.deposit(call.account, amount)
    return wallet_view(venue, call.account)


def prices(venue: FuturesVenue, call: AdminCall) -> dict[str, Any]:
    sym = symbol_of(venue, call)
    rules = venue.engine.contracts[sym]
    index, mark = call.get("index"), call.get("mark")
    if call.get("unpin") is True:
        if index is not None or mark is not None:
            raise ValueError("unpin takes no prices")
        done = venue.unpin_prices(sym)
    elif index is None and mark is None:
        raise ValueError("give index and/or mark, or unpin: true")
    else:
        done = venue.set_prices(sym, index=None if index is None else price_of(rules, index, "index"),
                                mark=None if mark is None else price_of(rules, mark, "mark"))
    m = venue.marks
    return {"symbol": sym, "index": num(m.index[sym]), "mark": num(m.mark[sym]),
            "index_pinned": sym in m.pinned_index, "mark_pinned": sym in m.pinned_mark,
            "liquidated": [closed_view(p) for p in done]}


def funding(venue: FuturesVenue, call: AdminCall) -> dict[str, Any]:
    sym = symbol_of(venue, call)
    f = venue.funding
    if call.get("freeze") is True:
        venue.set_funding_rate(sym, f.expected(sym))
    elif call.get("unfreeze") is True or ("rate" in call.body and call.body["rate"] is None):
        venue.set_funding_rate(sym, None)
    elif call.get("rate") is not None:
        rate = decimal_of(call.get("rate"), "rate")
        cap = venue.config.funding_cap
        if abs(rate) > cap:
            raise ValueError(f"|rate| must be at most the cap {num(cap)}")
        venue.set_funding_rate(sym, rate)
    else:
        raise ValueError("give rate, rate: null, freeze: true or unfreeze: true")
    return {"symbol": sym, "expected_rate": num(f.expected(sym)), "fixed": sym in f.fixed,
            "last_rate": num(f.last_rate[sym]), "next_funding_time": f.next_time[sym]}


def settle(venue: FuturesVenue, call: AdminCall) -> dict[str, Any]:
    sym = symbol_of(venue, call)
    ledger_rows = venue.accounts.ledger
    before = len(ledger_rows)
    now = venue.clock.now_ms()
    venue.settle_funding(now, sym, force=True)
    return {"symbol": sym, "rate": num(venue.funding.last_rate[sym]), "funding_time": now,
            "rows": [ledger_view(r) for r in ledger_rows[before:]]}


def liquidate(venue: FuturesVenue, call: AdminCall) -> dict[str, Any]:
    sym = symbol_of(venue, call)
    direction = call.get("direction")
    if direction not in (None, "long", "short"):
        raise ValueError("direction is long or short")
    held = [p for p in venue.accounts.of(call.account, sym) if p.hold_volume
            and (direction is None or p.direction == direction)]
    reported = num(venue.liquidation_price(held[0])) if len(held) == 1 else None
    mark, done = venue.move_to_liquidation(call.account, sym, direction)
    return {"account": call.account, "symbol": sym, "direction": held[0].direction, "liquidation_price": reported,
            "mark": num(mark), "liquidated": [closed_view(p) for p in done]}


def position_mode(venue: FuturesVenue, call: AdminCall) -> dict[str, Any]:
    mode = call.get("mode")
    if mode not in ("hedge_mode", "one_way_mode"):
        raise ValueError("mode is hedge_mode or one_way_mode")
    venue.set_position_mode(call.account, mode)
    return {"account": call.account, "position_mode": venue.accounts.mode(call.account)}


#: (method, path under /admin/futures/, handler)
ROUTES: list[tuple[str, str, Route]] = [
    ("POST", "fund", fund), ("GET", "wallet", wallet), ("POST", "prices", prices), ("POST", "funding", funding),
    ("POST", "settle", settle), ("POST", "liquidate", liquidate), ("POST", "position-mode", position_mode),
    ("GET", "book", book), ("GET", "positions", positions), ("GET", "orders", orders), ("GET", "ledger", ledger),
]
