"""Private futures REST: assets, fee rate, positions (v1, v2, risk), position mode, leverage (§2.2, §5).

v1 values are at the last price and v2 at the mark (Q25); v1 ``mark_price`` is a price with the value
in ``mark_value`` (the doc form, Q5); cross ``liquidation_price`` on v2 is the account estimate (Q26).
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..core.events import ZERO
from ..rest_request import Req
from ..state import State
from .contracts import ContractRules
from .events import Position
from .rest_common import ACCOUNT, account, body_text, other_account, query_symbol, rules_of, venue
from .ws_rows import AVG_QUANTUM, cut, num

ASSET_ROWS = ("USDT", "BTC", "ETH")  # always these three, zeros included (live fixture)


def assets_detail(state: State, req: Req) -> Any:
    a = venue(state).account(account(req))
    zero = {"position_deposit": "0", "frozen_balance": "0", "available_balance": "0", "equity": "0",
            "unrealized": "0"}
    usdt = {"position_deposit": num(a.position_deposit), "frozen_balance": num(a.frozen_balance),
            "available_balance": num(a.available_balance), "equity": num(a.equity), "unrealized": num(a.unrealized)}
    return [{"currency": c, **(usdt if c == "USDT" else zero)} for c in ASSET_ROWS]


def trade_fee_rate(state: State, req: Req) -> Any:
    sym = query_symbol(state, req)
    maker, taker = venue(state).engine.fee_rates(account(req))
    return {"symbol": sym, "taker_fee_rate": num(taker), "maker_fee_rate": num(maker)}


def max_notional(rules: ContractRules, leverage: int) -> Decimal:
    """The largest position value a leverage allows: the cap of the last tier that still grants it."""
    return max((b.notional_cap for b in rules.brackets if b.initial_leverage >= leverage),
               default=rules.brackets[0].notional_cap)


def _held(state: State, req: Req, symbol: str | None) -> list[Position]:
    if other_account(req):
        return []
    return [p for p in venue(state).accounts.of(account(req), symbol) if p.hold_volume]


def _v1_row(state: State, p: Position, now: int) -> dict[str, Any]:
    v = venue(state)
    q_cs = p.hold_volume * p.contract_size
    mark, last = v.marks.mark[p.symbol], v.engine.last_price[p.symbol]
    return {"symbol": p.symbol, "leverage": str(p.leverage), "timestamp": now, "current_fee": "0",
            "open_timestamp": p.create_time_ms, "current_value": num(q_cs * last), "mark_value": num(q_cs * mark),
            "mark_price": num(mark), "position_value": num(p.cost), "position_cross": num(p.margin),
            "maintenance_margin": num(v.maintenance_margin(p)), "margin_type": p.open_type.capitalize(),
            "position_mode": v.accounts.mode(p.account_id), "close_vol": num(p.close_volume),
            "close_avg_price": cut(p.close_avg_price, AVG_QUANTUM), "open_avg_price": cut(p.open_avg_price, AVG_QUANTUM),
            "entry_price": cut(p.entry_price, AVG_QUANTUM), "current_amount": num(p.hold_volume),
            "unrealized_value": num(p.unrealized(last)), "realized_value": num(p.realized_value),
            "position_type": 1 if p.direction == "long" else 2, "account": ACCOUNT}


def position_v1(state: State, req: Req) -> Any:
    sym = query_symbol(state, req, required=False)
    now = state.now_ms()
    return [_v1_row(state, p, now) for p in _held(state, req, sym)]


def _v2_row(state: State, account_id: str, symbol: str, side: str, p: Position | None, now: int) -> dict[str, Any]:
    v = venue(state)
    rules = v.engine.contracts[symbol]
    mark = v.marks.mark[symbol]
    if p is None or not p.hold_volume:
        lev, open_type = v.accounts.setting(account_id, symbol, rules.max_leverage)
        zero = "0"
        return {"symbol": symbol, "leverage": str(lev), "timestamp": now, "current_fee": zero, "open_timestamp": 0,
                "current_value": zero, "mark_price": num(mark), "position_value": zero, "position_cross": zero,
                "maintenance_margin": zero, "close_vol": zero, "close_avg_price": zero, "open_avg_price": zero,
                "entry_price": zero, "current_amount": zero, "position_amount": zero, "realized_value": zero,
                "mark_value": zero, "account": ACCOUNT, "open_type": open_type, "position_side": side,
                "unrealized_pnl": zero, "liquidation_price": zero,
                "max_notional_value": num(max_notional(rules, lev)), "initial_margin": zero}
    value = p.hold_volume * p.contract_size * mark
    signed = -p.hold_volume if side == "both" and p.direction == "short" else p.hold_volume
    return {"symbol": symbol, "leverage": str(p.leverage), "timestamp": now, "current_fee": "0",
            "open_timestamp": p.create_time_ms, "current_value": num(value), "mark_price": num(mark),
            "position_value": num(p.cost), "position_cross": num(p.margin),
            "maintenance_margin": num(v.maintenance_margin(p)), "close_vol": num(p.close_volume),
            "close_avg_price": cut(p.close_avg_price, AVG_QUANTUM), "open_avg_price": cut(p.open_avg_price, AVG_QUANTUM),
            "entry_price": cut(p.entry_price, AVG_QUANTUM), "current_amount": num(p.hold_volume),
            "position_amount": num(signed), "realized_value": num(p.realized_value), "mark_value": num(value),
            "account": ACCOUNT, "open_type": p.open_type, "position_side": side,
            "unrealized_pnl": num(p.unrealized(mark)), "liquidation_price": cut(v.liquidation_price(p), AVG_QUANTUM),
            "max_notional_value": num(max_notional(rules, p.leverage)), "initial_margin": num(p.margin)}


def position_v2(state: State, req: Req) -> Any:
    """With ``symbol``: that symbol's rows even when flat; without: the symbols holding a position."""
    sym = query_symbol(state, req, required=False)
    if other_account(req):
        return []
    acct, v, now = account(req), venue(state), state.now_ms()
    symbols = [sym] if sym else sorted({p.symbol for p in v.accounts.of(acct) if p.hold_volume})
    rows = []
    for s in symbols:
        long_, short = v.accounts.position(acct, s, "long"), v.accounts.position(acct, s, "short")
        if v.accounts.mode(acct) == "one_way_mode":
            held = long_ if long_ is not None and long_.hold_volume else short
            rows.append(_v2_row(state, acct, s, "both", held, now))
        else:
            rows += [_v2_row(state, acct, s, "long", long_, now), _v2_row(state, acct, s, "short", short, now)]
    return rows


def position_risk(state: State, req: Req) -> Any:
    sym = query_symbol(state, req, required=False)
    v = venue(state)
    out = []
    for p in _held(state, req, sym):
        mark = v.marks.mark[p.symbol]
        out.append({"symbol": p.symbol, "position_amt": num(p.hold_volume), "mark_price": num(mark),
                    "unrealized_profit": num(p.unrealized(mark)),
                    "liquidation_price": cut(v.liquidation_price(p), AVG_QUANTUM), "leverage": str(p.leverage),
                    "max_notional_value": num(max_notional(v.engine.contracts[p.symbol], p.leverage)),
                    "margin_type": p.open_type.capitalize(),
                    "isolated_margin": num(p.margin if p.open_type == "isolated" else ZERO),
                    "position_side": p.direction.capitalize(),
                    "notional": num(p.hold_volume * p.contract_size * mark),
                    "update_time": p.update_time_ms // 1000, "account": ACCOUNT})
    return out


def get_position_mode(state: State, req: Req) -> Any:
    return {"position_mode": venue(state).accounts.mode(account(req))}


def set_position_mode(state: State, req: Req) -> Any:
    venue(state).set_position_mode(account(req), body_text(req, "position_mode") or "")
    return get_position_mode(state, req)


def submit_leverage(state: State, req: Req) -> Any:
    """Set the symbol's leverage and open type; a missing leverage keeps the current one."""
    acct = account(req)
    rules = rules_of(state, req.body.get("symbol"))
    v = venue(state)
    lev = req.body.get("leverage")
    if lev is None or lev == "":
        lev = v.accounts.setting(acct, rules.symbol, rules.max_leverage)[0]
    open_type = req.body.get("open_type")
    v.set_leverage(acct, rules.symbol, lev, open_type if isinstance(open_type, str) else "")
    lev_now, ot_now = v.accounts.setting(acct, rules.symbol, rules.max_leverage)
    return {"symbol": rules.symbol, "leverage": str(lev_now), "open_type": ot_now, "max_value": str(rules.max_leverage)}
