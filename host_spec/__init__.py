"""host_spec: a small framework that lets trading hosts discover and drive exchange connector plugins.

Everything a plugin or a host needs is importable from here; other modules are internal.
Importing this package is cheap: it loads no plugin and no network library.
"""

from host_spec.errors import (
    AuthError,
    CapabilityMissing,
    ConfigError,
    ConnectorError,
    ConnectorNotFound,
    InsufficientBalance,
    InvalidOrder,
    InvalidPair,
    NetworkError,
    OrderNotFound,
    OrderRejected,
    OrderStateUnknown,
    PostOnlyRejected,
    RateLimited,
    StreamError,
)
from host_spec.credentials import config_home
from host_spec.hookspecs import hookimpl
from host_spec.host import Connection, Host
from host_spec.models import (
    Balance,
    BalanceEvent,
    Candle,
    ComponentStatus,
    ConnectorInfo,
    CredentialField,
    FeeRates,
    Fill,
    Order,
    OrderBookView,
    OrderEvent,
    OrderEventKind,
    OrderRequest,
    OrderState,
    OrderType,
    PublicTrade,
    Side,
    Ticker,
    TradingPair,
    TradingRule,
)
from host_spec.orderbook import BookDataError, L2Book, SeqResult, check_sequence
from host_spec.plugins import ENTRY_POINT_GROUP, get_plugin_manager
from host_spec.rules import check_order, rule_for
from host_spec.session import ConnectorSession, LocalVenue, SessionConfig
from host_spec.venues import RecordedVenue, VenueRecords

__all__ = [
    "ENTRY_POINT_GROUP",
    "AuthError",
    "BookDataError",
    "Balance",
    "BalanceEvent",
    "Candle",
    "CapabilityMissing",
    "ComponentStatus",
    "ConfigError",
    "Connection",
    "ConnectorError",
    "ConnectorInfo",
    "ConnectorNotFound",
    "ConnectorSession",
    "LocalVenue",
    "CredentialField",
    "FeeRates",
    "Fill",
    "Host",
    "InsufficientBalance",
    "InvalidOrder",
    "InvalidPair",
    "L2Book",
    "NetworkError",
    "Order",
    "OrderBookView",
    "OrderEvent",
    "OrderEventKind",
    "OrderNotFound",
    "OrderRejected",
    "OrderRequest",
    "OrderState",
    "OrderStateUnknown",
    "OrderType",
    "PostOnlyRejected",
    "PublicTrade",
    "RateLimited",
    "RecordedVenue",
    "SeqResult",
    "SessionConfig",
    "Side",
    "StreamError",
    "Ticker",
    "TradingPair",
    "TradingRule",
    "VenueRecords",
    "check_sequence",
    "check_order",
    "config_home",
    "get_plugin_manager",
    "hookimpl",
    "rule_for",
]
