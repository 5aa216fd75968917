"""Order validation in BitMart's order (§6) and the side code → (book side, close part, open part) split.

First failure wins: symbol (40034/40014) → side (40041) → type/mode (40042/40011) → open_type (40045)
→ leverage (40040/40030/40029) → precision (40043) → range (40044) → client id (40048/40049/40050)
→ position checks (40021/40020/40045); then, at the engine's price basis, ``check_risk`` (40029 by
bracket, 40016) before the margin reservation (40012/40027).
Side codes (§1.4): hedge 1 open long, 2 close short, 3 close long, 4 open short; one-way 1 buy and
4 sell (closing the opposite position first, then opening), 2 and 3 reduce-only.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from ..core.events import ZERO
from . import errors as E
from .accounts import FuturesAccounts
from .contracts import ContractRules
from .errors import ferror
from .events import LONG, SHORT

STP_MODES = {1: "cancel_maker", 2: "cancel_taker", 3: "cancel_both"}
CLIENT_ID = re.compile(r"[A-Za-z0-9]*")


@dataclass(frozen=True, slots=True)
class Plan:
    """A validated order: what it trades and how it splits into closing and opening contracts."""

    rules: ContractRules
    side_code: int
    side: str  # buy | sell, the book side
    type: str
    size: Decimal
    price: Decimal | None
    mode: int
    leverage: int
    open_type: str
    close: Decimal
    open: Decimal
    client_order_id: str
    stp_mode: str

    @property
    def open_dir(self) -> str:
        return LONG if self.side == "buy" else SHORT

    @property
    def close_dir(self) -> str:
        return SHORT if self.side == "buy" else LONG


def _num(value: object, code: int) -> Decimal:
    try:
        d = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ferror(code) from None
    if not d.is_finite():
        raise ferror(code)
    return d


def _int(value: object, code: int) -> int:
    if isinstance(value, bool):
        raise ferror(code)
    d = _num(value, code)
    if d != d.to_integral_value():
        raise ferror(code)
    return int(d)


def plan_order(accounts: FuturesAccounts, contracts: dict[str, ContractRules], live_client_ids: set[str],
               account_id: str, symbol: str, side: object, size: object, *, type: str | None = "limit",
               price: object = None, mode: object = None, leverage: object = None, open_type: str | None = None,
               client_order_id: str | None = None, stp_mode: object = None) -> Plan:
    """Validate one submit-order request; raises the first failing futures error."""
    rules = contracts.get(symbol)
    if rules is None:
        raise ferror(E.SYMBOL_NOT_EXIST)
    if not rules.trading:
        raise ferror(E.CONTRACT_OFFLINE)
    side_code = _int(side, E.SIDE_INVALID) if side is not None else 0
    if side_code not in (1, 2, 3, 4):
        raise ferror(E.SIDE_INVALID)
    type = type or "limit"
    if type not in ("limit", "market"):
        raise ferror(E.TYPE_INVALID)
    mode_i = 1 if mode is None else _int(mode, E.INVALID_REQUEST)
    if mode_i not in (1, 2, 3, 4):
        raise ferror(E.INVALID_REQUEST)
    if mode_i == 4 and type == "market":
        raise ferror(E.TYPE_INVALID)
    stp = STP_MODES.get(1 if stp_mode is None else _int(stp_mode, E.INVALID_REQUEST))
    if stp is None:
        raise ferror(E.INVALID_REQUEST)
    lev_now, ot_now = accounts.setting(account_id, symbol, rules.max_leverage)
    open_type = open_type or ot_now
    if open_type not in ("cross", "isolated"):
        raise ferror(E.OPEN_TYPE_INVALID)
    lev = lev_now if leverage is None else _int(leverage, E.LEVERAGE_INVALID)
    if lev <= 0:
        raise ferror(E.LEVERAGE_INVALID)
    if lev < rules.min_leverage:
        raise ferror(E.LEVERAGE_TOO_SMALL)
    if lev > rules.max_leverage:
        raise ferror(E.LEVERAGE_TOO_LARGE)
    qty = _num(size, E.PRECISION_INVALID) if size is not None else ZERO
    if qty % rules.vol_step != 0:
        raise ferror(E.PRECISION_INVALID)
    px: Decimal | None = None
    if type == "limit":
        if price is None:
            raise ferror(E.INVALID_REQUEST)
        px = _num(price, E.PRECISION_INVALID)
        if px <= 0:
            raise ferror(E.RANGE_INVALID)
        if px % rules.price_tick != 0:
            raise ferror(E.PRECISION_INVALID)
        px = px.quantize(rules.price_tick)
    top = rules.max_volume if type == "limit" else rules.market_max_volume
    if qty < rules.min_volume or qty > top:
        raise ferror(E.RANGE_INVALID)
    cid = client_order_id or ""
    if not CLIENT_ID.fullmatch(cid):
        raise ferror(E.CLIENT_ID_CHARSET)
    if len(cid) > 32:
        raise ferror(E.CLIENT_ID_TOO_LONG)
    if cid and cid in live_client_ids:
        raise ferror(E.CLIENT_ID_DUPLICATE)
    book_side = "buy" if side_code in (1, 2) else "sell"
    close, open_ = _split(accounts, account_id, symbol, side_code, book_side, qty)
    plan = Plan(rules, side_code, book_side, type, qty, px, mode_i, lev, open_type, close, open_, cid, stp)
    held = accounts.position(account_id, symbol, plan.open_dir)
    if open_ and held is not None and held.hold_volume and held.open_type != open_type:
        raise ferror(E.OPEN_TYPE_INVALID)
    return plan


def _split(accounts: FuturesAccounts, account_id: str, symbol: str, side_code: int, book_side: str,
           qty: Decimal) -> tuple[Decimal, Decimal]:
    """(contracts closing the opposite position, contracts opening) for a side code in the account's mode."""
    close_dir = SHORT if book_side == "buy" else LONG
    pos = accounts.position(account_id, symbol, close_dir)
    closable = pos.closable if pos is not None else ZERO
    if side_code in (2, 3):
        if pos is None or pos.hold_volume == 0:
            raise ferror(E.POSITION_NOT_EXIST)
        if qty > closable:
            raise ferror(E.POSITION_NOT_ENOUGH)
        return qty, ZERO
    if accounts.mode(account_id) == "one_way_mode":
        close = min(qty, max(closable, ZERO))
        return close, qty - close
    return ZERO, qty


def check_risk(accounts: FuturesAccounts, account_id: str, plan: Plan, basis: Decimal) -> None:
    """Leverage within the bracket of the resulting position (40029); isolated opens above maintenance (40016)."""
    if not plan.open:
        return
    rules = plan.rules
    added = plan.open * rules.contract_size * basis
    held = accounts.position(account_id, rules.symbol, plan.open_dir)
    value = added + (held.cost if held else ZERO)
    if plan.leverage > rules.bracket_for(value).initial_leverage:
        raise ferror(E.LEVERAGE_TOO_LARGE)
    margin = added / plan.leverage + (held.margin if held else ZERO)
    if plan.open_type == "isolated" and margin <= rules.maintenance(value):
        raise ferror(E.WOULD_LIQUIDATE)
