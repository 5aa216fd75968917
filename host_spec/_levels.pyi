"""The order book's C hot loop (host_spec/_levels.c); see host_spec.orderbook."""

from decimal import Decimal

def store(side: dict[str | Decimal, str | Decimal], levels: list[object], start: int, /) -> int: ...
