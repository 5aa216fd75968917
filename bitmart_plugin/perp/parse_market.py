"""Futures market data -> host models, base units: depth (REST and WS), public trades, tickers. Pure.

- depthIncrease (`type` snapshot/update with `version`) and depthAll become the shared `Depth` that the
  book feed sequences (discard `version <= local`, apply `local + 1`, request a snapshot on a gap);
  sizes are contracts x contract size, as exact decimal strings (`units.base_text`) so the book takes
  them on its fast path. A REST depth is a one-off view whose sequence is the venue's
  timestamp (never a made-up version 1, which a book feed would take for a real one).
- Public trades: the taker side comes from `m` (true: the buyer was maker, so the taker sold), and only
  without `m` from `way` (1-4 taker sold, 5-8 taker bought), per bitmart_futures.md §0 C1.
  Every trade of a push is returned, oldest first (the venue sends newest first).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from host_spec import OrderBookView, PublicTrade, Side, Ticker

from bitmart_plugin.depth import Depth
from bitmart_plugin.fields import ParseError, dec, integer, opt_dec, opt_int, text
from bitmart_plugin.perp.symbols import Contract, Contracts
from bitmart_plugin.perp.units import MAX_COUNT_DIGITS, base, base_text, ms, ms_from_rfc3339, scale, scaled

__all__ = ["PerpTicker", "book_from_rest", "depth_from_ws", "ticker_from_ws", "trades_from_rest", "trades_from_ws"]


def _contract(item: dict[str, Any], contracts: Contracts) -> Contract:
    return contracts.by_symbol(text(item, "symbol"))


def _levels(rows: object, contract: Contract, side: str) -> list[tuple[str, str]]:
    """WS `[{"price","vol"}]` or REST `[[price, vol, cumulative]]` -> [(price as sent, base size as an exact decimal string)]."""
    if not isinstance(rows, list):
        raise ParseError(f"{side}: expected a list of levels")
    size = scale(contract.contract_size)
    out = []
    for row in rows:
        if row.__class__ is dict:  # the WS shape with a count of digits: the common case, inline
            price, vol = row.get("price"), row.get("vol")
            if price.__class__ is str and vol.__class__ is str and vol.isdigit() and vol.isascii() and len(vol) <= MAX_COUNT_DIGITS:
                out.append((price, scaled(int(vol), size)))
                continue
        if isinstance(row, dict):
            price, level = row.get("price"), row
        elif isinstance(row, list) and len(row) >= 2:
            price, level = row[0], {"vol": row[1]}
        else:
            raise ParseError(f"{side}: a level must be {{price, vol}} or [price, vol, ...], got {row!r}")
        if not isinstance(price, str):
            raise ParseError(f"{side}: price must be a decimal string, got {price!r}")
        out.append((price, base_text(level, "vol", size)))
    return out


def depth_from_ws(channel: str, data: dict[str, Any], contracts: Contracts) -> Depth:
    """futures/depthIncrease{5,20,50} (versioned snapshot/update) or futures/depthAll{5,20,50} (each a full
    snapshot; its version is `ms_t`) -> Depth in base units."""
    if not isinstance(data, dict):
        raise ParseError(f"{channel}: data is not an object")
    contract = _contract(data, contracts)
    bids, asks = _levels(data.get("bids"), contract, "bids"), _levels(data.get("asks"), contract, "asks")
    ts = opt_int(data, "ms_t") or 0
    if channel.startswith("futures/depthIncrease"):
        kind = data.get("type")
        if kind not in ("snapshot", "update"):
            raise ParseError(f"{channel}: type must be snapshot or update, got {kind!r}")
        return Depth(contract.symbol, kind == "snapshot", integer(data.get("version"), "version"), ts, bids, asks)
    if channel.startswith("futures/depthAll"):
        return Depth(contract.symbol, True, ts, ts, bids, asks)
    raise ParseError(f"{channel}: not a depth channel this parser reads (depthIncrease, depthAll)")


def book_from_rest(data: dict[str, Any], contracts: Contracts, depth: int = 50) -> OrderBookView:
    """`GET /contract/public/depth` data -> a view in base units, best levels first."""
    if not isinstance(data, dict):
        raise ParseError("depth: data is not an object")
    contract = _contract(data, contracts)

    def side(key: str, best_first_desc: bool) -> tuple[tuple[Decimal, Decimal], ...]:
        levels = [(dec({key: p}, key), Decimal(size)) for p, size in _levels(data.get(key), contract, key)]
        levels.sort(key=lambda level: level[0], reverse=best_first_desc)
        return tuple(level for level in levels if level[1] > 0)[:depth]

    ts = opt_int(data, "timestamp") or 0
    return OrderBookView(contract.pair, ts, ts, side("bids", True), side("asks", False))


def _taker(item: dict[str, Any]) -> Side:
    maker_bought = item.get("m")
    if isinstance(maker_bought, bool):
        return Side.SELL if maker_bought else Side.BUY
    way = opt_int(item, "way")
    if way is not None and 1 <= way <= 8:
        return Side.SELL if way <= 4 else Side.BUY
    raise ParseError(f"trade {item.get('trade_id')!r}: no taker side (m or way 1-8)")


def trades_from_ws(data: object, contracts: Contracts) -> list[PublicTrade]:
    """futures/trade data (every element, newest first on the wire) -> trades oldest first, base units."""
    if not isinstance(data, list):
        raise ParseError("futures/trade: data is not a list")
    out = []
    for item in reversed(data):
        if not isinstance(item, dict):
            raise ParseError("futures/trade: a trade is not an object")
        contract = _contract(item, contracts)
        out.append(PublicTrade(contract.pair, dec(item, "deal_price"), base(item, "deal_vol", contract), _taker(item),
                               ms_from_rfc3339(item.get("created_at")), text(item, "trade_id")))
    return out


def trades_from_rest(rows: object, contracts: Contracts) -> list[PublicTrade]:
    """`/contract/public/market-trade` rows (newest first; `qty` is base coin there, `time` seconds) -> oldest first."""
    if not isinstance(rows, list):
        raise ParseError("market-trade: data is not a list")
    out = []
    for row in reversed(rows):
        if not isinstance(row, dict) or not isinstance(row.get("is_buyer_maker"), bool):
            raise ParseError(f"market-trade: expected a row with is_buyer_maker, got {row!r}")
        contract = _contract(row, contracts)
        taker = Side.SELL if row["is_buyer_maker"] else Side.BUY
        out.append(PublicTrade(contract.pair, dec(row, "price"), dec(row, "qty"), taker, ms(row, "time", seconds=True)))
    return out


@dataclass(frozen=True, slots=True)
class PerpTicker:
    """A futures ticker: the host Ticker (volume in base units) plus the mark and index prices funding needs."""

    ticker: Ticker
    mark_price: Decimal
    index_price: Decimal | None


def ticker_from_ws(data: dict[str, Any], contracts: Contracts, now_ms: int = 0) -> PerpTicker:
    """futures/ticker data -> PerpTicker. The push has no time, so the caller stamps it (`now_ms`). Before
    2025-02 the mark was called `fair_price` and there was no index price."""
    if not isinstance(data, dict):
        raise ParseError("futures/ticker: data is not an object")
    contract = _contract(data, contracts)
    mark = opt_dec(data, "mark_price")
    if mark is None:
        mark = dec(data, "fair_price")
    volume = dec(data, "volume_24") * contract.contract_size  # a statistic: not always whole contracts
    ticker = Ticker(contract.pair, dec(data, "last_price"), opt_dec(data, "bid_price"), opt_dec(data, "ask_price"),
                    volume, now_ms)
    return PerpTicker(ticker, mark, opt_dec(data, "index_price"))
