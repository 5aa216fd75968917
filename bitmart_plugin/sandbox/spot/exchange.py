"""The sandbox exchange façade (see DESIGN.md): validation, ids, order store and queries.

Validation order: symbol (50001) -> trade_status (50040) -> side (52002) -> type (52001) ->
stpMode (50000) -> client_order_id (50037/50038/50042) -> required fields (50010/50011/50012)
-> price/size scale (50000, see errors.py) -> size bounds (50006/50007, market sell 51014) ->
min notional (51011 limit, 51012 market buy) -> post-only reject (50034/50035, only with
``post_only_reject=True``) -> balance (50020).
"""
from __future__ import annotations

from collections import deque
from decimal import Decimal, InvalidOperation
from typing import Callable, Iterable

from ..core import errors as E
from ..core.accounts import Accounts
from .agents import Agents
from ..core.book import Book
from ..core.candles import STEPS, SymbolMarketData
from ..core.clock import Clock, SystemClock
from .engine import Engine
from ..core.errors import ExchangeError, error
from ..core.events import ZERO, Candle, Event, Fill, Order, PublicTrade, Ticker
from .symbols import SymbolRules, generate_symbols

__all__ = ["Exchange", "ExchangeError", "Order", "Fill", "SymbolRules", "PublicTrade", "Candle", "Ticker"]

ORDER_ID_BASE = 1_000_000_000_000
SIDES = ("buy", "sell")
TYPES = ("limit", "market", "limit_maker", "ioc")
STP_MODES = ("cancel_maker", "cancel_taker", "cancel_both", "none")
AGED_OUT_MS = 20 * 60 * 1000
AGENT_ORDERS_KEPT = 20_000  # the agents' finished orders still held (their open ones always are)


def _dec(value: object, name: str) -> Decimal:
    try:
        d = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise error(E.BAD_REQUEST, f"invalid {name}") from None
    if not d.is_finite():
        raise error(E.BAD_REQUEST, f"invalid {name}")
    return d


def _on_grid(value: Decimal, step: Decimal) -> bool:
    try:
        return value % step == 0
    except InvalidOperation:
        return False


class Exchange:
    """A BitMart-compatible spot exchange in memory; every method is synchronous."""

    def __init__(self, *, seed: int = 1, pairs: int = 20, clock: Clock | None = None,
                 post_only_reject: bool = False, eager_symbols: int = 20, agents: bool = True) -> None:
        self.seed = seed
        self.agents_enabled = agents
        self.clock: Clock = clock or SystemClock()
        self.post_only_reject = post_only_reject
        self.symbol_list: list[SymbolRules] = generate_symbols(seed, max(1, pairs))
        self.rules: dict[str, SymbolRules] = {r.symbol: r for r in self.symbol_list}
        self.accounts = Accounts()
        self.engine = Engine(self.accounts, self.clock)
        self.engine.rules = self.rules
        self._orders: dict[str, Order] = {}
        self._by_client: dict[tuple[str, str], Order] = {}
        self._acct_orders: dict[str, list[Order]] = {}
        self._agents_done: deque[str] = deque()  # the agents' finished orders still held, oldest first
        self._seq = 0
        self.agents = Agents(self, seed)
        self.engine.on_quiet_done = self._agent_order_done
        for r in self.symbol_list[:max(1, eager_symbols)]:
            self.materialize(r.symbol)

    # -- setup ----------------------------------------------------------------------------
    def add_account(self, account_id: str, balances: dict[str, Decimal]) -> None:
        self.accounts.ensure(account_id)
        for cur, amount in balances.items():
            self.accounts.deposit(account_id, cur, _dec(amount, "amount"))

    def add_listener(self, listener: Callable[[Event], None], kinds: Iterable[type] | None = None, *,
                     quiet_accounts: bool = True) -> None:
        """``listener`` gets every event of ``kinds`` (None: all kinds) synchronously, in order;
        ``quiet_accounts=False``: without the agents' own order and balance events."""
        self.engine.listen(listener, kinds, quiet_accounts=quiet_accounts)

    def remove_listener(self, listener: Callable[[Event], None]) -> None:
        self.engine.unlisten(listener)

    def set_fee_rates(self, account_id: str, maker: Decimal, taker: Decimal) -> None:
        self.engine.fee_overrides[account_id] = (Decimal(maker), Decimal(taker))

    def now_ms(self) -> int:
        return self.clock.now_ms()

    def materialize(self, symbol: str) -> Book:
        """Create the book and market data of ``symbol`` (history + agent levels) on first use."""
        book = self.engine.books.get(symbol)
        if book is None:
            book = self.engine.books[symbol] = Book(symbol)
            rules = self.rules[symbol]
            seeded = rules.trading and self.agents_enabled
            now_ms = self.clock.now_ms()
            self.engine.market[symbol] = SymbolMarketData(
                symbol, history=(lambda: self.agents.history(rules, now_ms)) if seeded else None)
            if seeded:
                self.agents.populate(symbol)
        return book

    def _rules(self, symbol: str) -> SymbolRules:
        rules = self.rules.get(symbol)
        if rules is None:
            raise error(E.SYMBOL_NOT_FOUND)
        self.materialize(symbol)
        return rules

    # -- trading --------------------------------------------------------------------------
    def submit_order(self, account_id: str, symbol: str, side: str, type: str, *, size: object = None,
                     price: object = None, notional: object = None, client_order_id: str | None = None,
                     stp_mode: str | None = "cancel_maker") -> Order:
        """Validate, accept and match an order; returns the live Order (a snapshot is in events)."""
        rules = self._rules(symbol)
        if not rules.trading:
            raise error(E.SYMBOL_NOT_AVAILABLE)
        if side not in SIDES:
            raise error(E.UNSUPPORTED_SIDE)
        if type not in TYPES:
            raise error(E.UNSUPPORTED_TYPE)
        stp = stp_mode or "cancel_maker"
        if stp not in STP_MODES:
            raise error(E.BAD_REQUEST, "stpMode")
        coid = client_order_id or None
        if coid is not None:
            if len(coid) > 32:
                raise error(E.CLIENT_ID_TOO_LONG)
            if not (coid.isascii() and coid.isalnum()):
                raise error(E.CLIENT_ID_CHARSET)
            if (account_id, coid) in self._by_client:
                raise error(E.CLIENT_ID_DUPLICATE)
        p = s = n = None
        freeze: Decimal | None
        book = self.engine.books[symbol]
        if type == "market" and side == "buy":
            if notional is None or notional == "":
                raise error(E.NOTIONAL_REQUIRED)
            n = _dec(notional, "notional")
            if n < rules.min_buy_amount:
                raise error(E.MARKET_BUY_TOO_SMALL, rules.min_buy_amount)
            freeze = n
        else:
            if size is None or size == "":
                raise error(E.SIZE_REQUIRED)
            if type != "market" and (price is None or price == ""):
                raise error(E.PRICE_REQUIRED)
            s = _dec(size, "size")
            if type != "market":
                p = _dec(price, "price")
                if p <= 0:
                    raise error(E.MIN_PRICE, rules.tick)
                if not _on_grid(p, rules.tick):
                    raise error(E.BAD_REQUEST, f"price scale exceeds {rules.price_max_precision}")
                p = p.quantize(rules.tick)
            if not _on_grid(s, rules.size_step):
                raise error(E.BAD_REQUEST, f"size scale exceeds step {rules.size_step}")
            s = s.quantize(rules.size_step) if s > 0 else s
            if s < rules.min_size:
                code = E.MARKET_SELL_TOO_SMALL if type == "market" else E.MIN_SIZE
                raise error(code, rules.min_size)
            if s > rules.max_size:
                raise error(E.MAX_SIZE, rules.max_size)
            if p is not None:
                n = p * s
                floor = rules.min_buy_amount if side == "buy" else rules.min_sell_amount
                if n < floor:
                    raise error(E.LIMIT_NOTIONAL_TOO_SMALL, floor)
            freeze = n if side == "buy" else s
        assert freeze is not None
        crossing = type == "limit_maker" and p is not None and book.crosses(side, p)
        if crossing and self.post_only_reject:
            raise error(E.POST_ONLY_BUY_CROSS if side == "buy" else E.POST_ONLY_SELL_CROSS)
        cur = rules.quote if side == "buy" else rules.base
        if not self.accounts.can_freeze(account_id, cur, freeze):
            raise error(E.BALANCE_NOT_ENOUGH)
        return self._open(account_id, symbol, side, type, p, s, n, freeze, coid, stp, crossing)

    def submit_agent_order(self, account_id: str, symbol: str, side: str, type: str, *,
                           size: Decimal | None = None, price: Decimal | None = None,
                           notional: Decimal | None = None) -> Order:
        """An agent's order (limit, ioc or market; unlimited account): what ``submit_order`` does, less
        its parsing.

        The agents build Decimals on the symbol's grids, so the text parsing, grid and field checks are
        skipped (at 1,000 pairs they were a fifth of an order's cost); sizes and prices are still
        quantized, and the size bounds and minimum notionals still raise as in ``submit_order``.
        tests/sandbox/test_core_scale.py checks that agents driven through ``submit_order`` instead
        leave exactly the same exchange.
        """
        rules = self.rules[symbol]
        p = s = None
        n: Decimal | None
        freeze: Decimal | None
        if notional is not None:  # market buy
            n = notional
            if n < rules.min_buy_amount:
                raise error(E.MARKET_BUY_TOO_SMALL, rules.min_buy_amount)
            freeze = n
        else:
            assert size is not None
            s = size.quantize(rules.size_step)
            if s < rules.min_size:
                raise error(E.MARKET_SELL_TOO_SMALL if type == "market" else E.MIN_SIZE, rules.min_size)
            if s > rules.max_size:
                raise error(E.MAX_SIZE, rules.max_size)
            n = None
            if price is not None:
                p = price.quantize(rules.tick)
                n = p * s
                floor = rules.min_buy_amount if side == "buy" else rules.min_sell_amount
                if n < floor:
                    raise error(E.LIMIT_NOTIONAL_TOO_SMALL, floor)
            freeze = n if side == "buy" else s
        assert freeze is not None
        return self._open(account_id, symbol, side, type, p, s, n, freeze, None, "cancel_maker", False)

    def _open(self, account_id: str, symbol: str, side: str, type: str, p: Decimal | None, s: Decimal | None,
              n: Decimal | None, freeze: Decimal, coid: str | None, stp: str, crossing: bool) -> Order:
        """Give a validated order its id, register it and hand it to the engine."""
        self._seq += 1
        order_id = str(ORDER_ID_BASE + self._seq)
        now = self.clock.now_ms()
        order = Order(order_id, coid or order_id, account_id, symbol, side, type, p, s, n,
                      stp_mode=stp, create_time_ms=now, update_time_ms=now)
        self._orders[order_id] = order
        self._by_client.setdefault((account_id, order.client_order_id), order)
        if account_id not in self.accounts.unlimited:
            self._acct_orders.setdefault(account_id, []).append(order)
        self.engine.accept(order, freeze, post_only_cancel=crossing)
        return order

    def _find(self, account_id: str, order_id: str | None, client_order_id: str | None) -> Order | None:
        if not order_id and not client_order_id:
            raise error(E.IDS_EMPTY)
        order = self._orders.get(order_id) if order_id else self._by_client.get((account_id, client_order_id or ""))
        if order is None or order.account_id != account_id:
            return None
        return order

    def cancel_order(self, account_id: str, symbol: str, *, order_id: str | None = None,
                     client_order_id: str | None = None) -> bool:
        """Cancel an open order (cancel_source "user"); errors 50030/50031/50032 otherwise."""
        self._rules(symbol)
        order = self._find(account_id, order_id, client_order_id)
        if order is None or order.symbol != symbol:
            raise error(E.ORDER_NOT_EXIST)
        if order.state == "filled":
            raise error(E.ALREADY_COMPLETED)
        if not order.is_open:
            raise error(E.ALREADY_CANCELED)
        self.engine.cancel(order, "user", self.clock.now_ms())
        return True

    def cancel_all(self, account_id: str, symbol: str | None = None, side: str | None = None) -> list[Order]:
        if symbol is not None:
            self._rules(symbol)
        out = []
        for order in self.open_orders(account_id, symbol):
            if side is None or order.side == side:
                self.engine.cancel(order, "user", self.clock.now_ms())
                out.append(order)
        return out

    # -- queries --------------------------------------------------------------------------
    def get_order(self, account_id: str, *, order_id: str | None = None,
                  client_order_id: str | None = None) -> Order:
        order = self._find(account_id, order_id, client_order_id)
        if order is None:
            raise error(E.ORDER_ID_NOT_FOUND)
        if (order.state == "canceled" and order.filled_size == 0
                and self.clock.now_ms() - order.update_time_ms > AGED_OUT_MS):
            raise error(E.ORDER_ID_NOT_FOUND)
        return order

    def _account_orders(self, account_id: str) -> list[Order]:
        if account_id in self.accounts.unlimited:
            return [o for o in self._orders.values() if o.account_id == account_id]
        return self._acct_orders.get(account_id, [])

    def open_orders(self, account_id: str, symbol: str | None = None) -> list[Order]:
        """Open orders, newest first."""
        return [o for o in reversed(self._account_orders(account_id))
                if o.is_open and (symbol is None or o.symbol == symbol)]

    def history_orders(self, account_id: str, symbol: str | None = None, start_ms: int | None = None,
                       end_ms: int | None = None, limit: int = 200) -> list[Order]:
        """Finished orders (filled, canceled, partially_canceled), newest first."""
        out = []
        for o in reversed(self._account_orders(account_id)):
            if o.is_open or (symbol is not None and o.symbol != symbol):
                continue
            if (start_ms is not None and o.create_time_ms < start_ms) or (end_ms is not None and o.create_time_ms > end_ms):
                continue
            out.append(o)
            if len(out) >= limit:
                break
        return out

    def fills(self, account_id: str, symbol: str | None = None, order_id: str | None = None,
              start_ms: int | None = None, end_ms: int | None = None, limit: int = 200) -> list[Fill]:
        """Own executions, newest first."""
        src = self.engine.fills_by_order.get(order_id, []) if order_id else self.engine.fills_by_account.get(account_id, [])
        out = []
        for f in reversed(src):
            if f.account_id != account_id or (symbol is not None and f.symbol != symbol):
                continue
            if (start_ms is not None and f.time_ms < start_ms) or (end_ms is not None and f.time_ms > end_ms):
                continue
            out.append(f)
            if len(out) >= limit:
                break
        return out

    def balances(self, account_id: str) -> dict[str, tuple[Decimal, Decimal]]:
        return self.accounts.balances(account_id)

    def fee_rates(self, account_id: str, symbol: str) -> tuple[Decimal, Decimal]:
        return self.engine.fee_rates(account_id)

    def all_orders(self) -> list[Order]:
        return list(self._orders.values())

    def order_by_id(self, order_id: str) -> Order | None:
        """Admin lookup of any account's order (None when unknown or pruned)."""
        return self._orders.get(order_id)

    # -- market data ----------------------------------------------------------------------
    def depth(self, symbol: str, limit: int | None = None) -> tuple[list[tuple[Decimal, Decimal]], list[tuple[Decimal, Decimal]]]:
        self._rules(symbol)
        return self.engine.books[symbol].depth(limit)

    def public_trades(self, symbol: str, limit: int = 50) -> list[PublicTrade]:
        self._rules(symbol)
        return self.engine.market[symbol].recent_trades(limit)

    def candles(self, symbol: str, step_minutes: int, *, before_s: int | None = None,
                after_s: int | None = None, limit: int = 100) -> list[Candle]:
        """Newest first; raises ValueError for a step outside candles.STEPS."""
        self._rules(symbol)
        if step_minutes not in STEPS:
            raise ValueError(f"unsupported step {step_minutes}")
        return self.engine.market[symbol].series[step_minutes].query(before_s, after_s, limit)

    def ticker(self, symbol: str) -> Ticker:
        rules = self._rules(symbol)
        md = self.engine.market[symbol]
        bids, asks = self.engine.books[symbol].depth(1)
        now = self.clock.now_ms()
        last = md.last if md.last is not None else rules.ref_price
        stats = md.stats_24h(now)
        o, h, lo, v, qv = stats if stats else (last, last, last, ZERO, ZERO)
        fluct = ((last - o) / o).quantize(Decimal("0.00001")) if o else ZERO
        bid = bids[0] if bids else (ZERO, ZERO)
        ask = asks[0] if asks else (ZERO, ZERO)
        return Ticker(symbol, last, v, qv, o, h, lo, fluct + 0, bid[0], bid[1], ask[0], ask[1], now)

    def tickers(self) -> list[Ticker]:
        """Tickers of the symbols materialized so far (others have not traded)."""
        return [self.ticker(s) for s in list(self.engine.books) if self.rules[s].trading]

    def currencies(self) -> list[str]:
        seen: dict[str, None] = {}
        for r in self.symbol_list:
            seen.setdefault(r.base)
            seen.setdefault(r.quote)
        return list(seen)

    # -- agents ---------------------------------------------------------------------------
    def step_agents(self, n_actions: int) -> None:
        self.agents.step(n_actions)
        self._prune_agent_orders()

    def _agent_order_done(self, order: Order) -> None:
        """The engine's word that an agent's order is over (filled or cancelled): it may be forgotten."""
        self._agents_done.append(order.order_id)

    def _prune_agent_orders(self) -> None:
        """Forget the agents' oldest finished orders beyond AGENT_ORDERS_KEPT; open ones stay.

        Each finished order is looked at once, when it is forgotten: an action's share is the few orders
        it ended. (A pass over all the agents' orders held the loop 200-250 ms every few seconds at 1,000
        pairs; a walk round the old end that put open orders back met each open one again and again.)
        """
        q, orders, by_client = self._agents_done, self._orders, self._by_client
        while len(q) > AGENT_ORDERS_KEPT:
            order = orders.pop(q.popleft(), None)
            if order is not None:
                by_client.pop((order.account_id, order.client_order_id), None)
