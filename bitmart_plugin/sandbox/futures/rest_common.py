"""What every futures REST handler shares: the venue, parameter parsing with BitMart's codes, time windows.

Numbers go out through ``ws_rows.num``/``cut`` (one formatting for REST and WS). Query parameters are
strings (PYSDK sends them unencoded); body fields may be ints or numeric strings (§2.3 leniency), and
JSON ``null`` means absent.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..core.errors import ExchangeError
from ..rest_request import Req
from ..state import State
from . import errors as E
from .contracts import ContractRules
from .errors import ferror

if TYPE_CHECKING:  # pragma: no cover
    from .venue import FuturesVenue

DAY_MS = 86_400_000
DEFAULT_SPAN_MS = 7 * DAY_MS  # history endpoints answer the last 7 days by default (§2.3)
MAX_SPAN_MS = 90 * DAY_MS
ACCOUNT = "futures"


def venue(state: State) -> "FuturesVenue":
    v = state.futures
    assert v is not None, "the futures venue is not running"
    return v


def account(req: Req) -> str:
    assert req.account_id is not None
    return req.account_id


def invalid() -> ExchangeError:
    """40011 "Invalid request" (a missing or malformed parameter)."""
    return ferror(E.INVALID_REQUEST)


def rules_of(state: State, symbol: object) -> ContractRules:
    """The contract named ``symbol``; 40034 for anything else (missing, unknown, not a string)."""
    r = venue(state).engine.contracts.get(symbol) if isinstance(symbol, str) else None
    if r is None:
        raise ferror(E.SYMBOL_NOT_EXIST)
    return r


def query_symbol(state: State, req: Req, required: bool = True) -> str | None:
    """``symbol`` from the query: 40034 when unknown, and when missing unless optional."""
    sym = req.query.get("symbol") or None
    if sym is None and not required:
        return None
    return rules_of(state, sym).symbol


def body_symbol(state: State, req: Req) -> str:
    return rules_of(state, req.body.get("symbol")).symbol


def int_query(req: Req, name: str, default: int, cap: int | None = None) -> int:
    """A positive integer query parameter (capped, not refused, above ``cap``); 40011 when malformed."""
    raw = req.query.get(name)
    if raw is None or raw == "":
        return default
    if not (raw.isascii() and raw.isdigit()) or int(raw) <= 0:
        raise invalid()
    return min(int(raw), cap) if cap is not None else int(raw)


def body_text(req: Req, name: str) -> str | None:
    """A string body field (ints are taken as their digits); 40007 for other JSON types."""
    raw = req.body.get(name)
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool) or not isinstance(raw, (str, int)):
        raise ferror(E.PARSE_ERROR)
    return str(raw)


def _time(state: State, req: Req, name: str, unit_ms: int) -> int | None:
    raw = req.query.get(name)
    if raw is None or raw == "":
        return None
    if not (raw.isascii() and raw.isdigit()):
        raise invalid()
    value = int(raw)
    if unit_ms == 1000 and len(raw) >= 13 and state.config.lenient_time_units:
        return value  # ccxt sends ms where BitMart wants seconds; the lenient switch takes it as ms
    return value * unit_ms


def time_bounds(state: State, req: Req, unit_ms: int, required: bool = False) -> tuple[int | None, int | None]:
    """(start, end) in ms from ``start_time``/``end_time`` given in seconds (1000) or ms (1); 40011 / 40039."""
    start, end = _time(state, req, "start_time", unit_ms), _time(state, req, "end_time", unit_ms)
    if required and (start is None or end is None):
        raise invalid()
    if start is not None and end is not None and end < start:
        raise ferror(E.TIMESTAMP_INVALID)
    return start, end


def history_window(state: State, req: Req, unit_ms: int) -> tuple[int, int]:
    """The window of a history query: default the 7 days up to the end (now), at most 90 days (40039)."""
    start, end = time_bounds(state, req, unit_ms)
    end = end if end is not None else state.now_ms()
    start = start if start is not None else end - DEFAULT_SPAN_MS
    if end - start > MAX_SPAN_MS:
        raise ferror(E.TIMESTAMP_INVALID)
    return start, end


def other_account(req: Req) -> bool:
    """True when ``account`` names another account type (copy_trading): its answer is empty."""
    return (req.query.get("account") or ACCOUNT) != ACCOUNT
