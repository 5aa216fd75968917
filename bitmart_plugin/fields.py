"""Strict readers of BitMart JSON fields, shared by the spot and futures parsers. Pure, no I/O.

Every reader raises `ParseError` (a ValueError) naming the field when a value does not have the documented
type; none raises anything else. Decimals come from strings or ints only (never floats or booleans) and
must be finite; integers come from ints or digit strings (BitMart sends both for the same field).
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

__all__ = ["ParseError", "dec", "decode", "integer", "opt_dec", "opt_int", "text"]


class ParseError(ValueError):
    """A payload that does not have the documented shape."""


try:  # orjson decodes a frame ~2x faster (the futures depth hot path decodes here); json is the fallback
    from orjson import loads as _loads
except ImportError:  # pragma: no cover - exercised only without orjson
    _loads = json.loads


def decode(payload: bytes | str) -> dict[str, Any]:
    """JSON-decode one (already inflated) frame into a dict. With orjson an integer beyond 64 bits comes back as a
    float, which every reader here refuses (ParseError), as it refuses NaN, which orjson does not even read."""
    try:
        obj = _loads(payload)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ParseError(f"frame is not JSON: {exc}") from None
    if not isinstance(obj, dict):
        raise ParseError("frame is not a JSON object")
    return obj


def dec(item: dict[str, Any], key: str) -> Decimal:
    """`item[key]` as a finite Decimal (from a str or int)."""
    value = item.get(key)
    try:
        if isinstance(value, str | int) and not isinstance(value, bool):
            result = Decimal(value)
            if result.is_finite():
                return result
    except InvalidOperation:
        pass
    raise ParseError(f"{key}: expected a decimal string, got {value!r}")


def opt_dec(item: dict[str, Any], key: str) -> Decimal | None:
    """Like `dec`, but None for a missing, null or empty value."""
    value = item.get(key)
    if value is None or value == "":
        return None
    return dec(item, key)


def integer(value: object, key: str) -> int:
    """`value` (an int or a string of digits) as an int; `key` names it in the error."""
    if isinstance(value, bool):
        raise ParseError(f"{key}: expected an integer, got {value!r}")
    try:
        if isinstance(value, int):
            return value
        if isinstance(value, str):
            return int(value)
    except ValueError:
        pass
    raise ParseError(f"{key}: expected an integer, got {value!r}")


def opt_int(item: dict[str, Any], key: str) -> int | None:
    """`item[key]` as an int, or None for a missing, null or empty value."""
    value = item.get(key)
    if value is None or value == "":
        return None
    return integer(value, key)


def text(item: dict[str, Any], key: str) -> str:
    """`item[key]` as a string ("" when missing or null; an int id becomes its digits)."""
    value = item.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise ParseError(f"{key}: expected a string, got {type(value).__name__}")
    return str(value)
