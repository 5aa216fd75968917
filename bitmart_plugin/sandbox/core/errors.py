"""ExchangeError and the BitMart spot error codes the core raises (api §5.2).

Sandbox decisions (documented here because BitMart is ambiguous, api §6.2 [UNSURE]):
  * a price with more decimals than ``price_max_precision`` is REJECTED with
    50000 "Bad Request [price scale exceeds <n>]" (BitMart may silently truncate);
  * a size that is not a multiple of the size step is REJECTED with
    50000 "Bad Request [size scale exceeds step <step>]".
"""
from __future__ import annotations

BAD_REQUEST = 50000
SYMBOL_NOT_FOUND = 50001
ORDER_ID_NOT_FOUND = 50005
MIN_SIZE = 50006
MAX_SIZE = 50007
MIN_PRICE = 50008
SIZE_REQUIRED = 50010
PRICE_REQUIRED = 50011
NOTIONAL_REQUIRED = 50012
BALANCE_NOT_ENOUGH = 50020
ALREADY_CANCELED = 50030
ALREADY_COMPLETED = 50031
ORDER_NOT_EXIST = 50032
POST_ONLY_BUY_CROSS = 50034
POST_ONLY_SELL_CROSS = 50035
CLIENT_ID_TOO_LONG = 50037
CLIENT_ID_CHARSET = 50038
IDS_EMPTY = 50039
SYMBOL_NOT_AVAILABLE = 50040
CLIENT_ID_DUPLICATE = 50042
LIMIT_NOTIONAL_TOO_SMALL = 51011
MARKET_BUY_TOO_SMALL = 51012
MARKET_SELL_TOO_SMALL = 51014
UNSUPPORTED_TYPE = 52001
UNSUPPORTED_SIDE = 52002

#: code -> message template (``%s`` filled in where BitMart does).
MESSAGES: dict[int, str] = {
    BAD_REQUEST: "Bad Request [%s]",
    SYMBOL_NOT_FOUND: "Symbol not found",
    ORDER_ID_NOT_FOUND: "Order Id not found",
    MIN_SIZE: "Minimum size is %s",
    MAX_SIZE: "Maximum size is %s",
    MIN_PRICE: "Minimum price is %s",
    SIZE_REQUIRED: "RequestParam size is required",
    PRICE_REQUIRED: "RequestParam price is required",
    NOTIONAL_REQUIRED: "RequestParam notional is required",
    BALANCE_NOT_ENOUGH: "Balance not enough",
    ALREADY_CANCELED: "Order is already canceled",
    ALREADY_COMPLETED: "Order is already completed",
    ORDER_NOT_EXIST: "Order does not exist",
    POST_ONLY_BUY_CROSS: "The price is high and there is no matching depth",
    POST_ONLY_SELL_CROSS: "The price is low and there is no matching depth",
    CLIENT_ID_TOO_LONG: "clientOrderId longer than 32",
    CLIENT_ID_CHARSET: "clientOrderId only allows numbers and letters",
    IDS_EMPTY: "Order_id and clientOrderId cannot be empty at the same time",
    SYMBOL_NOT_AVAILABLE: "Symbol Not Available",
    CLIENT_ID_DUPLICATE: "clientOrderId is duplicate",
    LIMIT_NOTIONAL_TOO_SMALL: "param not match : size * price >=%s",
    MARKET_BUY_TOO_SMALL: "param not match : notional >=%s",
    MARKET_SELL_TOO_SMALL: "param not match : size >=%s",
    UNSUPPORTED_TYPE: "Unsupported Trade Type",
    UNSUPPORTED_SIDE: "Unsupported Side Type",
}


class ExchangeError(Exception):
    """A BitMart business error: ``code``, ``message`` and the HTTP status to answer with."""

    def __init__(self, code: int, message: str | None = None, http_status: int = 400) -> None:
        self.code = code
        self.message = message if message is not None else MESSAGES.get(code, "Bad Request")
        self.http_status = http_status
        super().__init__(f"{code}: {self.message}")


def error(code: int, *args: object) -> ExchangeError:
    """Build an ExchangeError from the table, formatting ``%s`` with ``args``."""
    template = MESSAGES[code]
    return ExchangeError(code, template % args if args else template.replace(" [%s]", "").replace("%s", ""))
