"""The bus's wire format, version 1: msgpack arrays whose first element is the schema version.

Numbers that must stay exact (prices, sizes, increments) travel as decimal strings in plain notation;
sequences and timestamps as integers. A reader ignores a message whose version it does not know.

Book message, subject `hs.<connector>.book.<PAIR>`:
    [1, "s", sequence, None, timestamp_ms, bids, asks]   the full book (top `depth` levels a side)
    [1, "d", sequence, prev, timestamp_ms, bids, asks]   the levels that changed from the book at `prev`
  levels are [price, size], best first in a snapshot; a size of "0" removes the level. A diff applies
  only to a book whose sequence is `prev`; `sequence` is the venue's (BitMart: the depth `version`).
Book entry, key `book.<PAIR>` of the bucket:
    [1, "k", sequence, stream_seq, timestamp_ms, bids, asks, depth]
  the full book at `sequence`; `stream_seq` is the stream position of the message that produced it,
  so a reader replays from `stream_seq + 1`.
Trade, subject `hs.<connector>.trades.<PAIR>`:
    [1, "t", price, amount, "BUY"|"SELL", timestamp_ms, trade_id]
Rules, key `rules`:
    [1, "r", [{"pair": "BTC-USDT", "price_increment": "0.01", ...}, ...]]   every TradingRule field by name
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import msgpack

from host_spec.models import OrderBookView, PublicTrade, Side, TradingPair, TradingRule

__all__ = [
    "VERSION",
    "BadMessage",
    "BookEntry",
    "BookMessage",
    "decode_book",
    "decode_entry",
    "decode_rules",
    "decode_trade",
    "diff_levels",
    "encode_diff",
    "encode_entry",
    "encode_rules",
    "encode_snapshot",
    "encode_trade",
]

VERSION = 1
Levels = tuple[tuple[Decimal, Decimal], ...]
WireLevels = list[list[str]]


class BadMessage(ValueError):
    """A bus message that is not version-1 data of the expected kind; readers skip it."""


@dataclass(frozen=True, slots=True)
class BookMessage:
    snapshot: bool
    sequence: int
    prev: int | None
    timestamp_ms: int
    bids: WireLevels
    asks: WireLevels


@dataclass(frozen=True, slots=True)
class BookEntry:
    sequence: int
    stream_seq: int
    timestamp_ms: int
    bids: WireLevels
    asks: WireLevels
    depth: int


def _num(value: Decimal) -> str:
    return format(value, "f")


def _wire(levels: Iterable[tuple[Decimal, Decimal]]) -> WireLevels:
    return [[_num(p), _num(s)] for p, s in levels]


def diff_levels(old: Levels, new: Levels) -> WireLevels:
    """The levels of one side that changed from `old` to `new`: new or resized ones, and removed ones at "0"."""
    if old == new:
        return []
    before = dict(old)
    out = [[_num(p), _num(s)] for p, s in new if before.pop(p, None) != s]
    out.extend([_num(p), "0"] for p in before)
    return out


def _pack(items: list[Any]) -> bytes:
    return msgpack.packb(items, use_bin_type=True)  # type: ignore[no-any-return]


def encode_snapshot(view: OrderBookView) -> bytes:
    return _pack([VERSION, "s", view.sequence, None, view.timestamp_ms, _wire(view.bids), _wire(view.asks)])


def encode_diff(old: OrderBookView, new: OrderBookView) -> bytes:
    bids, asks = diff_levels(old.bids, new.bids), diff_levels(old.asks, new.asks)
    return _pack([VERSION, "d", new.sequence, old.sequence, new.timestamp_ms, bids, asks])


def encode_entry(view: OrderBookView, stream_seq: int, depth: int) -> bytes:
    return _pack([VERSION, "k", view.sequence, stream_seq, view.timestamp_ms, _wire(view.bids), _wire(view.asks), depth])


def encode_trade(trade: PublicTrade) -> bytes:
    return _pack([VERSION, "t", _num(trade.price), _num(trade.amount), trade.taker_side.value, trade.timestamp_ms,
                  trade.trade_id])


def encode_rules(rules: Iterable[TradingRule]) -> bytes:
    rows = []
    for rule in rules:
        row: dict[str, Any] = {}
        for f in dataclasses.fields(rule):
            value = getattr(rule, f.name)
            row[f.name] = str(value) if isinstance(value, TradingPair) else _num(value) if isinstance(value, Decimal) else value
        rows.append(row)
    return _pack([VERSION, "r", rows])


def _unpack(data: bytes, kinds: tuple[str, ...], size: int) -> list[Any]:
    try:
        items = msgpack.unpackb(data, raw=False, strict_map_key=True)
    except Exception as exc:  # msgpack raises several types (ExtraData, FormatError, ValueError, ...)
        raise BadMessage(f"not msgpack ({type(exc).__name__})") from None
    if not isinstance(items, list) or not items:
        raise BadMessage("not a msgpack array")
    if items[0] != VERSION or isinstance(items[0], bool):
        raise BadMessage(f"schema version {items[0]!r:.20}, this reader knows {VERSION}")
    if len(items) != size or items[1].__class__ is not str or items[1] not in kinds:
        raise BadMessage(f"not a {'/'.join(kinds)} message of {size} fields")
    return items


def _int(value: Any, what: str, *, optional: bool = False) -> Any:
    if value is None and optional:
        return None
    if value.__class__ is not int or value < 0:
        raise BadMessage(f"{what} {value!r:.20} is not a non-negative integer")
    return value


def _sides(bids: Any, asks: Any) -> tuple[WireLevels, WireLevels]:
    if bids.__class__ is not list or asks.__class__ is not list:
        raise BadMessage("bids and asks must be arrays")
    return bids, asks  # the levels themselves are checked by L2Book when applied


def decode_book(data: bytes) -> BookMessage:
    _, kind, seq, prev, ts, bids, asks = _unpack(data, ("s", "d"), 7)
    snapshot = kind == "s"
    bids, asks = _sides(bids, asks)
    return BookMessage(snapshot, _int(seq, "sequence"), _int(prev, "prev", optional=snapshot), _int(ts, "timestamp"),
                       bids, asks)


def decode_entry(data: bytes) -> BookEntry:
    _, _, seq, stream_seq, ts, bids, asks, depth = _unpack(data, ("k",), 8)
    bids, asks = _sides(bids, asks)
    return BookEntry(_int(seq, "sequence"), _int(stream_seq, "stream_seq"), _int(ts, "timestamp"), bids, asks,
                     _int(depth, "depth"))


def _decimal(value: Any, what: str, *, positive: bool = True) -> Decimal:
    try:
        out = Decimal(value) if isinstance(value, str) else None
    except InvalidOperation:
        out = None
    if out is None or not out.is_finite() or out < 0 or (positive and out == 0):
        raise BadMessage(f"{what} {value!r:.30} is not a {'positive' if positive else 'non-negative'} decimal string")
    return out


def decode_trade(data: bytes, pair: TradingPair) -> PublicTrade:
    _, _, price, amount, side, ts, trade_id = _unpack(data, ("t",), 7)
    if side not in ("BUY", "SELL") or not isinstance(trade_id, str):
        raise BadMessage("side must be BUY or SELL and trade_id a string")
    return PublicTrade(pair, _decimal(price, "price"), _decimal(amount, "amount"), Side(side), _int(ts, "timestamp"),
                       trade_id)


_DECIMALS = {f.name for f in dataclasses.fields(TradingRule) if f.type in ("Decimal", "Decimal | None")}


def _rule(row: Mapping[str, Any]) -> TradingRule:
    if not isinstance(row, Mapping):
        raise BadMessage("a rule is not a map")
    known = {f.name for f in dataclasses.fields(TradingRule)}
    kwargs: dict[str, Any] = {}
    for name, value in row.items():
        if name not in known:
            continue  # a newer publisher's field: ignored
        if name == "pair":
            try:
                kwargs[name] = TradingPair.parse(str(value))
            except ValueError as exc:
                raise BadMessage(str(exc)) from None
        elif name in _DECIMALS:
            kwargs[name] = None if value is None else _decimal(value, name, positive=False)
        elif name == "trading_enabled" and isinstance(value, bool) or name == "status" and isinstance(value, str):
            kwargs[name] = value
        else:
            raise BadMessage(f"rule field {name}: {value!r:.30}")
    try:
        return TradingRule(**kwargs)
    except TypeError as exc:
        raise BadMessage(f"rule fields: {exc}") from None


def decode_rules(data: bytes) -> dict[TradingPair, TradingRule]:
    _, _, rows = _unpack(data, ("r",), 3)
    if not isinstance(rows, list):
        raise BadMessage("rules must be an array")
    rules = [_rule(row) for row in rows]
    return {rule.pair: rule for rule in rules}
