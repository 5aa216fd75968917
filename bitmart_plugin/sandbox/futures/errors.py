"""Futures error codes the core raises, with BitMart's doc texts verbatim (bitmart_futures.md §6)."""
from __future__ import annotations

from ..core.errors import ExchangeError

PARSE_ERROR = 40007
SYSTEM_ERROR = 40012
CONTRACT_OFFLINE = 40014
WOULD_LIQUIDATE = 40016
POSITION_NOT_ENOUGH = 40020
POSITION_NOT_EXIST = 40021
BALANCE_NOT_ENOUGH = 40027
LEVERAGE_TOO_LARGE = 40029
LEVERAGE_TOO_SMALL = 40030
SYMBOL_NOT_EXIST = 40034
ORDER_NOT_EXIST = 40035
ORDER_STATUS_INVALID = 40036
ORDER_ID_NOT_EXIST = 40037
KLINE_STEP_INVALID = 40038
TIMESTAMP_INVALID = 40039
LEVERAGE_INVALID = 40040
SIDE_INVALID = 40041
TYPE_INVALID = 40042
PRECISION_INVALID = 40043
RANGE_INVALID = 40044
OPEN_TYPE_INVALID = 40045
CLIENT_ID_CHARSET = 40048
CLIENT_ID_TOO_LONG = 40049
CLIENT_ID_DUPLICATE = 40050
INVALID_REQUEST = 40011
MODE_SWITCH_REFUSED = 40059

#: the live insufficient-margin text, sent with 40012 (C12) and, minus the period, with 40027
BALANCE_TEXT = "You contract account available balance not enough."

MESSAGES: dict[int, str] = {
    PARSE_ERROR: "Parse parameter error",
    INVALID_REQUEST: "Invalid request",
    SYSTEM_ERROR: "System error",
    CONTRACT_OFFLINE: "This contract is offline",
    WOULD_LIQUIDATE: "This order would trigger user position liquidate",
    POSITION_NOT_ENOUGH: "Your position volume is not enough",
    POSITION_NOT_EXIST: "The position is not exsit",
    BALANCE_NOT_ENOUGH: "You contract account available balance not enough",
    LEVERAGE_TOO_LARGE: "The order's leverage is too large.",
    LEVERAGE_TOO_SMALL: "The order's leverage is too small.",
    SYMBOL_NOT_EXIST: "The Symbol is not exist",
    ORDER_NOT_EXIST: "The order is not exist",
    ORDER_STATUS_INVALID: "The order status is invalid",
    ORDER_ID_NOT_EXIST: "The order id is not exist",
    KLINE_STEP_INVALID: "The k-line step is invalid",
    TIMESTAMP_INVALID: "The timestamp is invalid",
    LEVERAGE_INVALID: "The order leverage is invalid",
    SIDE_INVALID: "The order side is invalid",
    TYPE_INVALID: "The order type is invalid",
    PRECISION_INVALID: "The order precision is invalid",
    RANGE_INVALID: "The order range is invalid",
    OPEN_TYPE_INVALID: "The order open type is invalid",
    CLIENT_ID_CHARSET: "ClientOrderId only allows a combination of numbers and letters",
    CLIENT_ID_TOO_LONG: "The maximum length of clientOrderId cannot exceed 32",
    CLIENT_ID_DUPLICATE: "Client OrderId duplicated with existing orders",
    MODE_SWITCH_REFUSED: "Some positions exist and the mode switching fails.",
}
HTTP_403 = frozenset({CLIENT_ID_CHARSET, CLIENT_ID_TOO_LONG, CLIENT_ID_DUPLICATE})


def ferror(code: int) -> ExchangeError:
    """A futures ExchangeError with the doc text and the doc's HTTP status."""
    return ExchangeError(code, MESSAGES[code], 403 if code in HTTP_403 else 400)


def insufficient(code: int) -> ExchangeError:
    """Insufficient margin as 40012 with the live text (default) or as 40027 (doc)."""
    if code == SYSTEM_ERROR:
        return ExchangeError(SYSTEM_ERROR, BALANCE_TEXT)
    return ferror(BALANCE_NOT_ENOUGH)
