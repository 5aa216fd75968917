"""BitMart futures error codes -> host_spec errors whose messages say what to change (bitmart_futures.md §6).

Futures bodies are `{"code", "message", "trace"}`, usually without `data`; the message may be missing
(ccxt then crashes) and is kept in brackets when present. Codes this table does not know (auth 30xxx,
rate limits, HTTP statuses) go through the shared spot map, which the futures host shares.
Texts the venue overloads are told apart by their words: 40012 is "System error" in the docs but live
it carries the insufficient-balance text; 40020 is "position volume not enough" but also a maintenance
answer. 40035 ("The order is not exist", from `/order`) and 40037 (from cancel) are both OrderNotFound.
"""

from __future__ import annotations

from typing import Any

from host_spec import (
    AuthError, ConnectorError, InsufficientBalance, InvalidOrder, InvalidPair, OrderNotFound, OrderRejected,
)

from bitmart_plugin import errors_map as shared
from bitmart_plugin.perp.symbols import CONNECTOR

__all__ = ["from_exception", "from_response"]

_CLIENT_ID = "use 1-32 letters or digits"
#: code -> (error class, what it means and what to change, InvalidOrder rule or None)
_TABLE: dict[int, tuple[type[ConnectorError], str, str | None]] = {
    40007: (OrderRejected, "BitMart futures could not parse the request (a field has the wrong type)", None),
    40011: (OrderRejected, "BitMart futures found the request invalid (a required field is missing or out of "
                           "range)", None),
    40014: (InvalidPair, "this contract is offline (delisted); trade another contract", None),
    40015: (InvalidPair, "trading in this contract is paused; try again when BitMart resumes it", None),
    40016: (OrderRejected, "this order would put the position at liquidation: add margin, lower the size or "
                           "lower the leverage", None),
    40021: (OrderRejected, "there is no position to close: a close or reduce-only order needs an open position "
                           "on that side", None),
    40027: (InsufficientBalance, "the futures account's available balance cannot cover the margin and fee: "
                                 "transfer USDT to the futures account, lower the size or raise the leverage", None),
    40029: (InvalidOrder, "the leverage is above the maximum for this contract (and this position size): "
                          "lower it", "max_leverage"),
    40030: (InvalidOrder, "the leverage is below the contract's minimum: raise it", "min_leverage"),
    40034: (InvalidPair, "BitMart futures does not list this symbol", None),
    40035: (OrderNotFound, "BitMart futures does not know this order id", None),
    40036: (OrderRejected, "the order is already finished (filled or cancelled): nothing to cancel or change", None),
    40037: (OrderNotFound, "BitMart futures does not know this order id or client order id", None),
    40038: (ConnectorError, "the candle interval (k-line step) is not one BitMart futures offers", None),
    40039: (ConnectorError, "the time range is invalid (end before start, or too long); if the times are right, "
                            "check the system clock", None),
    40040: (InvalidOrder, "the leverage is invalid: use a whole number inside the contract's leverage range",
            "leverage"),
    40041: (InvalidOrder, "the side code is invalid (1-4)", "side"),
    40042: (InvalidOrder, "the order type is invalid (limit or market; post-only cannot be a market order)",
            "order_type"),
    40043: (InvalidOrder, "the price is not a multiple of the tick or the size not a whole multiple of the contract "
                          "step", "precision"),
    40044: (InvalidOrder, "the size is outside the contract's minimum/maximum (market orders have their own "
                          "maximum) or the price is not positive", "size_range"),
    40045: (InvalidOrder, "the margin mode (open_type) is invalid, or differs from the open position's: use the "
                          "position's margin mode or close it first", "margin_mode"),
    40046: (AuthError, "this API key's account has no futures account: open futures trading on BitMart first", None),
    40048: (InvalidOrder, f"the client order id has characters BitMart refuses: {_CLIENT_ID}", "client_order_id"),
    40049: (InvalidOrder, f"the client order id is longer than 32 characters: {_CLIENT_ID}", "client_order_id"),
    40050: (InvalidOrder, "the client order id is already used by an open order: use a new one", "client_order_id"),
    40059: (OrderRejected, "the position mode cannot be switched while positions or orders are open: close every "
                           "position and cancel every order first", None),
    42000: (InsufficientBalance, "the account balance is insufficient", None),
    49998: (OrderRejected, "BitMart futures refused a parameter of the request", None),
}
_BALANCE_WORDS = ("balance not enough", "insufficient")
_MAINTENANCE = "BitMart futures is in maintenance; try again later"


def _classify(code: int, text: str) -> tuple[type[ConnectorError], str, str | None] | None:
    low = text.lower()
    if code == 40012:
        if any(w in low for w in _BALANCE_WORDS):
            return _TABLE[40027]
        return (OrderRejected, "BitMart futures refused the request with a system error; it is also the answer to "
                               "a leverage or margin-mode change while a position is open", None)
    if code == 40020:
        if "position" in low or not low:
            return (OrderRejected, "the position is smaller than this close or reduce-only order (minus what open "
                                   "close orders already reserve): lower the size", None)
        return (OrderRejected, _MAINTENANCE, None)
    if code == 25601:
        return (OrderRejected, _MAINTENANCE, None)
    if code == 30019:
        return (AuthError, "the API key has no permission for this: enable futures trading on the key", None)
    return _TABLE.get(code)


def from_response(code: int | None, message: str, *, status: int | None = None,
                  headers: dict[str, str] | None = None, what: str = "request") -> ConnectorError:
    """The host_spec error for a futures error envelope (or a bare HTTP status when `code` is None)."""
    found = _classify(code, message or "") if code is not None else None
    if found is None:
        return shared.from_response(code, message, status=status, headers=headers, what=what, connector=CONNECTOR)
    cls, hint, rule = found
    text = f"{hint} [{message or 'no message'}]"
    kw: dict[str, Any] = {"code": code, "connector": CONNECTOR}
    if cls is InvalidOrder:
        return InvalidOrder(text, rule=rule or f"bitmart_{code}", **kw)
    return cls(text, **kw)


def from_exception(exc: BaseException, *, status: int | None = None, body: str | None = None,
                   headers: dict[str, str] | None = None, what: str = "request") -> ConnectorError:
    """Map what one futures REST call raised (ccxt, aiohttp, asyncio) to a host_spec error."""
    return shared.from_exception(exc, status=status, body=body, headers=headers, what=what, respond=from_response,
                                 connector=CONNECTOR)
