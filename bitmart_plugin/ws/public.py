"""Public spot streams: order books from spot/depth/increase100 (strictly sequenced) and trades."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from host_spec import PublicTrade, TradingPair

from bitmart_plugin.spot.parsing import DEPTH_INCREASE, ParseError, parse_trade, to_symbol, topic
from bitmart_plugin.ws.book_feed import BookFeed
from bitmart_plugin.ws.connection import Payload, WsConnection
from bitmart_plugin.ws.market_streams import MarketStreams

__all__ = ["BookFeed", "PublicStreams"]  # BookFeed lives in book_feed; re-exported for callers

log = logging.getLogger(__name__)
TRADE = "spot/trade"

try:  # orjson decodes a depth frame ~2x faster than json; optional, json is the fallback
    from orjson import loads as _loads

    JSON_LIB = "orjson"
except ImportError:  # pragma: no cover - exercised only without orjson
    JSON_LIB = "json"
    _json_decode = json.JSONDecoder().decode  # skips json.loads' per-call encoding detection

    def _loads(payload: bytes | str) -> Any:
        return _json_decode(payload.decode() if payload.__class__ is bytes else payload)  # type: ignore[union-attr]


try:  # the C decoder of the depth push (hatch_build.py builds it where a compiler is); None: orjson/json only
    from bitmart_plugin._depthjson import Spellings as _Spellings
    from bitmart_plugin._depthjson import decode as _decode_depth
except ImportError:  # pragma: no cover - exercised only without a C compiler
    _decode_depth = _Spellings = None
_DEPTH_TABLE = DEPTH_INCREASE.encode()


class PublicStreams(MarketStreams):
    """Spot order books (spot/depth/increase100) and trades over a pool of public connections (see MarketStreams)."""

    def __init__(self, url: str, *, cap: int = 115, **options: Any) -> None:
        """`options`: the book options of MarketStreams (resync_timeout, stale_after, ...) and connection options."""
        super().__init__(url, cap=cap, name="public", **options)
        # the C decoder answers the prices it has seen as the same str objects (see _depthjson.c); 32,768 slots:
        # 256 KB of pointers, a table that still finds most hot prices at 1,000 books (a miss costs ~100 instructions)
        self._spellings = None if _Spellings is None else _Spellings(slots=1 << 15)

    def _symbol(self, pair: TradingPair) -> str:
        return to_symbol(pair)

    def _book_topic(self, symbol: str) -> str:
        return topic(DEPTH_INCREASE, symbol)

    def trades(self, pair: TradingPair) -> AsyncIterator[PublicTrade]:
        name = topic(TRADE, to_symbol(pair))
        trades: AsyncIterator[PublicTrade] = self.listen(name, (name,))
        return trades

    def on_payload(self, payload: Payload, conn: WsConnection | None = None) -> None:
        """Decode, route by table + symbol, sequence and apply. Bad frames are counted and skipped.

        A one-item depth push is read by the C decoder when it is built; it answers None for any other frame
        (or one it does not fully understand), and the general JSON parser reads that one."""
        try:
            decode = _decode_depth
            if decode is not None and payload.__class__ is bytes:
                fields = decode(payload, _DEPTH_TABLE, self._spellings)
                if fields is not None:
                    symbol, snapshot, version, timestamp_ms, bids, asks = fields
                    feed = self.books.get(symbol)
                    if feed is not None:
                        feed.on_fields(snapshot, version, timestamp_ms, bids, asks)
                    return
            msg = _loads(payload)
            table = msg["table"]
            data = msg["data"]
            if table == DEPTH_INCREASE:
                books = self.books
                for item in data:
                    feed = books.get(item["symbol"])
                    if feed is not None:
                        feed.on_item(item)
            elif table == TRADE:
                for item in data:
                    subs = self.subs.get(f"{TRADE}:{item.get('symbol')}")
                    if subs:
                        trade = parse_trade(item)
                        for box in subs:
                            box.put(trade)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:  # ParseError is a ValueError
            self.bad_frames += 1
            kind = "unparseable" if not isinstance(exc, ParseError) else "malformed"
            log.warning("skipped a %s public frame (%s: %s)", kind, type(exc).__name__, str(exc)[:200])
