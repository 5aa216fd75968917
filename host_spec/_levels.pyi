"""The order book's C hot loop (host_spec/_levels.c); see host_spec.orderbook and host_spec.book_top."""

from decimal import Decimal
from typing import overload

@overload
def store(side: dict[str | Decimal, str | Decimal], levels: list[object], start: int, /) -> int: ...
@overload
def store(
    side: dict[str | Decimal, str | Decimal], levels: list[object], start: int, watch: dict[str, Decimal], hits: list[str], /
) -> int: ...
def refresh(
    hits: list[str], held: dict[str, Decimal], side: dict[str | Decimal, str | Decimal], keys: list[Decimal],
    rows: list[tuple[Decimal, Decimal]], make: type[Decimal], start: int, /,
) -> int: ...
