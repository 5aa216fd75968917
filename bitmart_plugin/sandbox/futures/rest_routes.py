"""The futures REST route tables and rate limits (bitmart_futures.md §2 "S" rows, bitmart_api.md §4.3).

Public paths are GET/NONE, private GETs KEYED (X-BM-SIGN ignored), POSTs SIGNED over the raw body.
Paths not listed (plan, tp-sl, trailing, affiliate, sub-account, transfers) answer 30000 (404).
Each endpoint counts in its own window, as the doc lists limits per endpoint.
"""
from __future__ import annotations

from ..ratelimit import Rule
from ..rest_request import Handler
from . import rest_orders as O
from . import rest_private as P
from . import rest_public as Q

PUBLIC: dict[str, Handler] = {
    "/contract/public/details": Q.details, "/contract/public/depth": Q.depth,
    "/contract/public/market-trade": Q.market_trade, "/contract/public/funding-rate": Q.funding_rate,
    "/contract/public/funding-rate-history": Q.funding_rate_history, "/contract/public/kline": Q.kline,
    "/contract/public/markprice-kline": Q.markprice_kline, "/contract/public/open-interest": Q.open_interest,
    "/contract/public/leverage-bracket": Q.leverage_bracket,
}
KEYED: dict[str, Handler] = {
    "/contract/private/assets-detail": P.assets_detail, "/contract/private/trade-fee-rate": P.trade_fee_rate,
    "/contract/private/position": P.position_v1, "/contract/private/position-v2": P.position_v2,
    "/contract/private/position-risk": P.position_risk, "/contract/private/get-position-mode": P.get_position_mode,
    "/contract/private/order": O.order_detail, "/contract/private/get-open-orders": O.open_orders,
    "/contract/private/order-history": O.order_history, "/contract/private/trades": O.trades,
    "/contract/private/transaction-history": O.transaction_history,
}
SIGNED: dict[str, Handler] = {
    "/contract/private/set-position-mode": P.set_position_mode, "/contract/private/submit-leverage": P.submit_leverage,
    "/contract/private/submit-order": O.submit_order, "/contract/private/modify-limit-order": O.modify_limit_order,
    "/contract/private/cancel-order": O.cancel_order, "/contract/private/cancel-orders": O.cancel_orders,
    "/contract/private/cancel-all-after": O.cancel_all_after,
}
#: paths whose replies the lose_response / delay_response faults act on
ORDER_PATHS = frozenset({"/contract/private/submit-order", "/contract/private/modify-limit-order",
                         "/contract/private/cancel-order", "/contract/private/cancel-orders"})

_LIMITS: dict[str, tuple[int, str]] = {  # path -> (requests per 2 s, target)
    **{p: (12, "IP") for p in PUBLIC}, "/contract/public/open-interest": (2, "IP"),
    "/contract/private/submit-order": (24, "KEY"), "/contract/private/cancel-order": (40, "KEY"),
    "/contract/private/cancel-orders": (2, "KEY"), "/contract/private/cancel-all-after": (4, "UID"),
    "/contract/private/modify-limit-order": (24, "UID"),
    "/contract/private/set-position-mode": (2, "KEY"), "/contract/private/get-position-mode": (2, "KEY"),
    "/contract/private/get-open-orders": (50, "KEY"), "/contract/private/order": (50, "KEY"),
    "/contract/private/order-history": (6, "KEY"), "/contract/private/trades": (6, "KEY"),
    "/contract/private/transaction-history": (6, "KEY"), "/contract/private/position": (6, "KEY"),
    "/contract/private/position-v2": (6, "KEY"), "/contract/private/assets-detail": (12, "KEY"),
    "/contract/private/submit-leverage": (24, "KEY"), "/contract/private/position-risk": (24, "KEY"),
    "/contract/private/trade-fee-rate": (2, "KEY"),
}
RULES: dict[str, Rule] = {p: Rule(p, n, 2, mode) for p, (n, mode) in _LIMITS.items()}
