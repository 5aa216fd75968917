"""Futures wire units -> host units: contracts to base amounts, the venue's time formats to epoch ms.

Every wire quantity is a whole number of contracts (bitmart_futures.md §1.1), read strictly here and
multiplied by the contract size, so no parser can forget the conversion (Hummingbot's perp connector
passes contracts through as base amounts). Depth sizes become exact plain decimal strings (`base_text`:
integer arithmetic and a decimal point, no float, no rounding context), so perp levels take the book's
fast path as spot levels do. Times (§2.4) come as ms ints, ms strings, seconds, or
RFC 3339 with nanoseconds (public trades).
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any

from bitmart_plugin.fields import ParseError, dec, integer, opt_dec
from bitmart_plugin.perp.symbols import Contract

__all__ = ["MAX_COUNT_DIGITS", "Scale", "base", "base_text", "contracts", "ms", "ms_from_rfc3339", "opt_base", "scale", "scaled"]

_RFC3339 = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$")


def contracts(item: dict[str, Any], key: str) -> Decimal:
    """`item[key]` as a whole, non-negative number of contracts."""
    value = dec(item, key)
    if value < 0 or value != value.to_integral_value():
        raise ParseError(f"{key}: expected a whole number of contracts, got {item.get(key)!r}")
    return value


def base(item: dict[str, Any], key: str, contract: Contract) -> Decimal:
    """`item[key]` (contracts) in base units of `contract`."""
    return contract.to_base(contracts(item, key))


def opt_base(item: dict[str, Any], key: str, contract: Contract) -> Decimal | None:
    """Like `base`, but None when the field is missing, null or empty."""
    return None if opt_dec(item, key) is None else base(item, key, contract)


Scale = tuple[int, int]  # a contract size as (coefficient, exponent): size = coefficient x 10**exponent
MAX_COUNT_DIGITS = 60  # a contract count with more digits than this is refused (no venue sends one; int() of 1E+999999 would hang)
_COUNT_LIMIT = 10**MAX_COUNT_DIGITS


def scale(contract_size: Decimal) -> Scale:
    """A (finite, positive) contract size as (coefficient, exponent), for `base_text`: 0.001 -> (1, -3), 25 -> (25, 0)."""
    _, digits, exponent = contract_size.as_tuple()
    return int("".join(map(str, digits))), int(exponent)


def base_text(item: dict[str, Any], key: str, size: Scale) -> str:
    """`item[key]` (whole contracts) in base units as an exact plain decimal string: "1335" x 0.001 -> "1.335".

    Equal to Decimal(contracts) x contract size with no rounding, spelled with digits and at most one point
    (zero keeps the size's places: "0" x 0.001 -> "0.000").
    """
    value = item.get(key)
    if value.__class__ is str and value.isdigit() and value.isascii() and len(value) <= MAX_COUNT_DIGITS:  # type: ignore[union-attr]
        return scaled(int(value), size)  # type: ignore[arg-type]
    if value.__class__ is int and 0 <= value < _COUNT_LIMIT:  # type: ignore[operator]
        return scaled(value, size)  # type: ignore[arg-type]
    whole = contracts(item, key)
    if whole.adjusted() >= MAX_COUNT_DIGITS:
        raise ParseError(f"{key}: {value!r:.40} contracts is out of range")
    return scaled(int(whole), size)


def scaled(count: int, size: Scale) -> str:
    """`count` (>= 0) contracts of `size` as an exact plain decimal string (see `base_text`)."""
    coefficient, exponent = size
    digits = str(count * coefficient)
    if exponent >= 0:
        return digits + "0" * exponent if count else "0"
    places = -exponent
    if len(digits) <= places:
        digits = "0" * (places + 1 - len(digits)) + digits
    return f"{digits[:-places]}.{digits[-places:]}"


def ms(item: dict[str, Any], key: str, *, seconds: bool = False) -> int:
    """`item[key]` (an int or a digit string) as epoch ms; `seconds` for the fields the venue sends in seconds."""
    value = integer(item.get(key), key)
    return value * 1000 if seconds else value


def ms_from_rfc3339(value: object, key: str = "created_at") -> int:
    """"2023-12-03T15:48:23.517518538Z" -> 1701618503517 (nanoseconds truncated to ms)."""
    match = _RFC3339.match(value) if isinstance(value, str) else None
    if match is None:
        raise ParseError(f"{key}: expected an RFC 3339 time such as 2023-12-03T15:48:23.517Z, got {value!r}")
    whole, fraction, zone = match.groups()
    try:
        moment = datetime.fromisoformat(whole + ("+00:00" if zone == "Z" else zone))
    except ValueError:
        raise ParseError(f"{key}: not a valid time: {value!r}") from None
    return int(moment.timestamp()) * 1000 + int((fraction or "0").ljust(3, "0")[:3])
