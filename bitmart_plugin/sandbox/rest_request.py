"""What a REST handler of either venue receives (``Req``) and the handler signature the router calls."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:  # pragma: no cover
    from .state import State

Handler = Callable[["State", "Req"], Any]


class Req:
    """What a handler sees: query params, JSON body (dict) and the authenticated account."""

    __slots__ = ("query", "body", "account_id", "path")

    def __init__(self, path: str, query: dict[str, str], body: dict[str, Any],
                 account_id: str | None) -> None:
        self.path = path
        self.query = query
        self.body = body
        self.account_id = account_id
