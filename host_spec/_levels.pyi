"""The order book's C hot loop (host_spec/_levels.c); see host_spec.orderbook and host_spec.book_top."""

from decimal import Decimal

from host_spec.book_top import TopLevels

def store(side: dict[str | Decimal, str | Decimal], levels: list[object], start: int, top: TopLevels | None = None, /) -> int: ...
def frozen(rows: list[tuple[Decimal, Decimal]], /) -> tuple[tuple[Decimal, Decimal], ...]: ...
