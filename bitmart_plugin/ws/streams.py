"""The streaming façade the spot session uses: order books, trades and private events."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from host_spec import AuthError, OrderBookView, PublicTrade, TradingPair

from bitmart_plugin.spot.parsing import WsBalanceUpdate, WsOrderUpdate
from bitmart_plugin.settings import BitmartSettings
from bitmart_plugin.ws.market_streams import pop_book_options
from bitmart_plugin.ws.private import PrivateEvent, PrivateStreams, Reconnected
from bitmart_plugin.ws.public import PublicStreams

__all__ = ["BitmartStreams", "Reconnected", "WsBalanceUpdate", "WsOrderUpdate"]


class BitmartStreams:
    """Lazily opens public (and, on first use, private) connections; `close()` ends every stream.

    `conn_options` are passed to each connection (ping_interval, pong_timeout, backoff_cap, ...), except
    the book options (resync_timeout, stale_after, resync_spacing, resync_budget, tick), which go to the books.
    """

    def __init__(self, settings: BitmartSettings, *, public_cap: int = 115, private_cap: int = 100, **conn_options: Any) -> None:
        self._settings = settings
        self._private_cap = private_cap
        book_options = pop_book_options(conn_options)
        self._options = conn_options
        self.public = PublicStreams(settings.ws_public_url, cap=public_cap, **book_options, **conn_options)
        self.private: PrivateStreams | None = None

    def order_book(self, pair: TradingPair, depth: int = 20, *, conflate: bool = False) -> AsyncIterator[OrderBookView]:
        """One view (top `depth` levels) per applied change; consumers of one pair share a subscription.

        With `conflate`, a consumer that falls behind gets only the newest book (every update is still applied).
        """
        return self.public.order_book(pair, depth, conflate=conflate)

    def trades(self, pair: TradingPair) -> AsyncIterator[PublicTrade]:
        return self.public.trades(pair)

    def private_events(self) -> AsyncIterator[WsOrderUpdate | WsBalanceUpdate | Reconnected]:
        """Order and balance pushes; `Reconnected` after every re-login (not the first)."""
        if self.private is None:
            s = self._settings
            if s.api_key is None or s.secret_key is None or s.memo is None:
                raise AuthError("private streams need BITMART_API_KEY, BITMART_SECRET_KEY and BITMART_MEMO", connector="bitmart")
            self.private = PrivateStreams(s.ws_private_url, s.api_key, s.secret_key, s.memo, cap=self._private_cap, **self._options)
        events: AsyncIterator[PrivateEvent] = self.private.events()
        return events

    async def close(self) -> None:
        await self.public.close()
        if self.private is not None:
            await self.private.close()
