"""One error hierarchy for every connector; plugins map venue errors onto it."""

from __future__ import annotations

__all__ = [
    "AuthError",
    "CapabilityMissing",
    "ConfigError",
    "ConnectorError",
    "ConnectorNotFound",
    "InsufficientBalance",
    "InvalidOrder",
    "InvalidPair",
    "NetworkError",
    "OrderNotFound",
    "OrderRejected",
    "OrderStateUnknown",
    "PostOnlyRejected",
    "RateLimited",
    "StreamError",
]


class ConnectorError(Exception):
    """Base of every error a host sees from a connector. `code` is the venue's code, when there is one."""

    def __init__(self, message: str, *, code: str | int | None = None, connector: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.connector = connector

    def __str__(self) -> str:
        where = f"{self.connector}: " if self.connector else ""
        code = f" (code {self.code})" if self.code is not None else ""
        return f"{where}{self.message}{code}"


class ConfigError(ConnectorError):
    """Settings are missing or malformed; the message names the setting."""


class ConnectorNotFound(ConnectorError):
    """No installed plugin serves this connector id."""


class CapabilityMissing(ConnectorError):
    """The connector exists but does not offer this capability."""


class AuthError(ConnectorError):
    """Credentials were refused; the message says which part to check."""


class RateLimited(ConnectorError):
    """The venue asked us to slow down; `retry_after` is in seconds when known."""

    def __init__(self, message: str, *, retry_after: float | None = None, banned: bool = False, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.retry_after = retry_after
        self.banned = banned


class NetworkError(ConnectorError):
    """The venue could not be reached or answered with a server error."""


class StreamError(ConnectorError):
    """A stream could not be kept alive or sent something unusable."""


class InvalidPair(ConnectorError):
    """The pair is unknown to the venue or not trading."""


class OrderRejected(ConnectorError):
    """The venue (or the connector's own checks) refused the order."""


class InvalidOrder(OrderRejected):
    """The order breaks a trading rule; `rule` names it and `allowed` gives the allowed value."""

    def __init__(self, message: str, *, rule: str, allowed: object = None, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.rule = rule
        self.allowed = allowed


class InsufficientBalance(OrderRejected):
    """Not enough available balance for the order."""


class PostOnlyRejected(OrderRejected):
    """A LIMIT_MAKER order would have taken liquidity and was refused or cancelled by the venue."""


class OrderNotFound(ConnectorError):
    """The venue does not know the order (or no longer reports it)."""


class OrderStateUnknown(ConnectorError):
    """An order request got no usable answer and the venue could not be asked in time: the order MAY exist.

    Do not send it again (that could place it twice). The connector keeps the order pending under
    `client_order_id` and reports what the venue did on the user stream once it can ask. Deliberately
    not a `NetworkError` or `RateLimited`: from `place_order` those mean the order was not placed.
    """

    def __init__(self, message: str, *, client_order_id: str, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.client_order_id = client_order_id
