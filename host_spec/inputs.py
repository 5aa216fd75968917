"""Argument checks at the public boundary: a wrong type gets a TypeError that says what to pass.

Used by the model constructors hosts build (`OrderRequest`, `TradingPair`) and by `Connection`.
Internal: imports nothing from the rest of host_spec, so the models can use it.
"""

from __future__ import annotations

import enum
from decimal import Decimal
from typing import Any, TypeVar

E = TypeVar("E", bound=enum.Enum)


def _got(value: object) -> str:
    return f"the {type(value).__name__} {value!r}"


def decimal_or_none(value: object, name: str) -> Decimal | None:
    """`value` as a Decimal (an int converts exactly); a float, str or bool is refused with the Decimal to write."""
    if value is None or isinstance(value, Decimal):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    hint = f": pass Decimal('{value}')" if isinstance(value, (float, str)) else ""
    raise TypeError(f"{name} must be a Decimal, not {_got(value)}{hint}")


def member(value: object, cls: type[E], name: str, *, optional: bool = False) -> E | None:
    """`value` if it is a member of `cls` (or None when `optional`); a plain string (such as 'buy') is refused
    naming the members."""
    if isinstance(value, cls) or (optional and value is None):
        return value
    names = [f"{cls.__name__}.{m.name}" for m in cls]
    article = "an" if cls.__name__[0] in "AEIOU" else "a"
    choices = " or ".join(names) if len(names) == 2 else f"{article} {cls.__name__} ({', '.join(names)})"
    raise TypeError(f"{name} must be {choices}{' or None' if optional else ''}, not {_got(value)}")


def text(value: object, name: str, *, optional: bool = False) -> None:
    """A non-empty str (or None when `optional`)."""
    if optional and value is None:
        return
    if not isinstance(value, str) or not value:
        what = "a str or None" if optional else "a non-empty str"
        raise TypeError(f"{name} must be {what}, not {_got(value)}")


def integer(value: object, name: str, *, optional: bool = False, positive: bool = False, unit: str = "") -> None:
    """An int (not a bool), or None when `optional`; `positive` also refuses 0 and below with a ValueError."""
    if optional and value is None:
        return
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int{f' ({unit})' if unit else ''}, not {_got(value)}")
    if positive and value <= 0:
        raise ValueError(f"{name} must be a positive int, not {value}")


def instance(value: Any, cls: type, name: str, *, optional: bool = False, hint: str = "") -> None:
    """`value` is a `cls` (or None when `optional`); `hint` says how to build one."""
    if isinstance(value, cls) or (optional and value is None):
        return
    article = "an" if cls.__name__[0] in "AEIOU" else "a"
    what = f"{article} {cls.__name__}{' or None' if optional else ''}"
    raise TypeError(f"{name} must be {what}{f': {hint}' if hint else ''}, not {_got(value)}")
