"""What a valid book level is: the spellings a price and a size may have, a price's canonical key, and the
check of a whole side (host_spec.orderbook validates every level with these when it applies it).

A price is an unsigned decimal string (digits, an optional point, an optional exponent), a non-negative int
or a finite Decimal, and is > 0; a size is the same and >= 0. Anything else raises BookDataError.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal

__all__ = ["BookDataError", "canonical_price", "check_side", "is_plain", "is_zero"]

_ONE = Decimal(1)
_EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)  # canonical keys never round two prices into one


class BookDataError(ValueError):
    """A snapshot or update carried an invalid level; it was not applied and the book must be resynced."""


# An unsigned decimal spelling in ASCII digits; the exponent is bounded so no Decimal operation overflows.
_NUMBER = re.compile(r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]{1,4})?").fullmatch


def _value(raw: object, what: str) -> Decimal:
    """A level's price or size as a non-negative finite Decimal, or BookDataError saying why not."""
    cls = raw.__class__
    if cls is str:
        if _NUMBER(raw) is not None:  # type: ignore[arg-type]
            return Decimal(raw)  # type: ignore[arg-type]
    elif cls is int:
        if raw >= 0:  # type: ignore[operator]
            return Decimal(raw)  # type: ignore[arg-type]
    elif cls is Decimal:
        if raw.is_finite() and not raw.is_signed():  # type: ignore[attr-defined]
            return raw  # type: ignore[return-value]
    raise BookDataError(f"invalid {what} {raw!r:.40}: want a non-negative decimal string, int or Decimal")


def _positive(raw: object) -> Decimal:
    """A valid price: a `_value` that is > 0."""
    value = _value(raw, "price")
    if not value:
        raise BookDataError(f"invalid price {raw!r:.40}: must be > 0")
    return value


def canonical_price(raw: object) -> Decimal:
    """A price's canonical Decimal (3E+4 -> 30000, 1.50 -> 1.5); BookDataError if it is not a valid price."""
    if is_plain(raw):
        # plain digits: the fraction's trailing zeros off is the canonical form (what normalize and the
        # quantize below make of it), at a third of the cost; a zero goes on to the error below
        value = Decimal(raw.rstrip("0").rstrip(".") if "." in raw else raw)  # type: ignore[attr-defined]
        if value:
            return value
    value = _positive(raw).normalize(_EXACT)
    return value.quantize(_ONE, context=_EXACT) if value.as_tuple().exponent > 0 else value  # type: ignore[operator]


def is_plain(size: object) -> bool:
    """The hot-path test: digits with at most one point, nothing else (no allocation for integer spellings)."""
    return size.__class__ is str and size.isascii() and size.replace(".", "", 1).isdigit()  # type: ignore[attr-defined]


def is_zero(size: object) -> bool:
    """A zero size in any spelling ("0", "0.000", "0E-8", 0, Decimal(0)); only for validated sizes."""
    if size.__class__ is str:
        rest = size.lstrip("0.")  # type: ignore[attr-defined]
        return not rest or rest[0] in "eE"
    return size == 0


def check_side(
    levels: Iterable[object], name: str, side: dict[str | Decimal, str | Decimal], key: Callable[[object], Decimal], indexed: bool = True
) -> list[tuple[object, object]]:
    """Every level of one side validated (BookDataError naming the first bad one); the pairs, in order.

    `key` canonicalizes (and caches) a price that `side` does not hold as a str spelling already.
    """
    out: list[tuple[object, object]] = []
    for i, level in enumerate(levels):
        try:
            if not isinstance(level, list | tuple):
                raise TypeError
            price, size = level
        except (TypeError, ValueError):
            raise BookDataError(f"{_where(name, i, indexed)} is not a [price, size] pair: {level!r:.60}") from None
        try:
            if price.__class__ is not str:
                canonical_price(price)
            elif price not in side:  # a held spelling was validated when it came
                key(price)
            if not is_plain(size):
                _value(size, "size")
        except BookDataError as exc:
            raise BookDataError(f"{_where(name, i, indexed)}: {exc}") from None
        except (TypeError, ArithmeticError):  # an unhashable price, an exponent Decimal cannot hold
            raise BookDataError(f"{_where(name, i, indexed)} is not a valid level: {level!r:.60}") from None
        out.append((price, size))
    return out


def _where(name: str, i: int, indexed: bool) -> str:
    """Where a bad level sits, for its error (built only when one is refused)."""
    return f"{name}[{i}]" if indexed else f"a {name} level"
