"""The streaming façade the perpetual session uses: the spot interface plus tickers and funding.

Same calls as `bitmart_plugin.ws.streams.BitmartStreams` (`order_book(pair, depth, conflate=)`,
`trades(pair)`, `private_events()` with `Reconnected` markers, `close()`), over the futures sockets
(`/api` and `/user` on the futures host; `/futures/api` and `/futures/user` on the sandbox), plus
`tickers(pair)` (mark, index) and `funding(pair)` / `funding_info(pair)` (host `FundingInfo`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

from pydantic import SecretStr

from host_spec import AuthError, FeeRates, FundingInfo, OrderBookView, PositionMode, PublicTrade, TradingPair

from bitmart_plugin.perp.parse_market import PerpTicker
from bitmart_plugin.perp.symbols import CONNECTOR, Contracts
from bitmart_plugin.perp.ws_private import PerpPrivateEvent, PerpPrivateStreams
from bitmart_plugin.perp.ws_public import PerpPublicStreams
from bitmart_plugin.ws.market_streams import pop_book_options
from bitmart_plugin.ws.user import Reconnected

__all__ = ["PerpStreams", "Reconnected"]


class PerpStreams:
    """Lazily opens public (and, on first use, private) futures connections; `close()` ends every stream.

    `contracts`, `position_mode` and `fee_rates` return the session's current listing, position mode and
    fee rates (the parsers need them). `conn_options` go to each connection (ping_interval, pong_timeout,
    backoff_cap, ...) except the book options (resync_timeout, stale_after, resync_spacing, resync_budget, tick).
    """

    def __init__(
        self,
        public_url: str,
        private_url: str,
        *,
        contracts: Callable[[], Contracts],
        position_mode: Callable[[], PositionMode] = lambda: PositionMode.ONE_WAY,
        fee_rates: Callable[[], FeeRates | None] = lambda: None,
        api_key: SecretStr | None = None,
        secret_key: SecretStr | None = None,
        memo: SecretStr | None = None,
        public_cap: int = 100,
        private_cap: int = 100,
        speed: str = "100ms",
        **conn_options: Any,
    ) -> None:
        self._private_url, self._private_cap = private_url, private_cap
        self._secrets = (api_key, secret_key, memo)
        self._context = {"contracts": contracts, "position_mode": position_mode, "fee_rates": fee_rates}
        book_options = pop_book_options(conn_options)
        self._options = conn_options
        self.public = PerpPublicStreams(public_url, contracts, cap=public_cap, speed=speed, **book_options, **conn_options)
        self.private: PerpPrivateStreams | None = None

    @classmethod
    def from_settings(cls, settings: Any, **kwargs: Any) -> PerpStreams:
        """From `BitmartSettings` (its futures_ws_* URLs and credentials); `kwargs` as for the constructor."""
        return cls(settings.futures_ws_public_url, settings.futures_ws_private_url, api_key=settings.api_key,
                   secret_key=settings.secret_key, memo=settings.memo, **kwargs)

    def order_book(self, pair: TradingPair, depth: int = 20, *, conflate: bool = False) -> AsyncIterator[OrderBookView]:
        """One view (top `depth` levels, at most 50, base units) per applied change; consumers of a pair share it.

        With `conflate`, a consumer that falls behind gets only the newest book (every update is still applied).
        """
        return self.public.order_book(pair, depth, conflate=conflate)

    def trades(self, pair: TradingPair) -> AsyncIterator[PublicTrade]:
        return self.public.trades(pair)

    def tickers(self, pair: TradingPair) -> AsyncIterator[PerpTicker]:
        return self.public.tickers(pair)

    def funding(self, pair: TradingPair) -> AsyncIterator[FundingInfo]:
        """FundingInfo updates (rate and next settlement from fundingRate, mark and index from the ticker)."""
        return self.public.funding(pair)

    def funding_info(self, pair: TradingPair) -> FundingInfo | None:
        """The latest streamed FundingInfo, or None while `funding(pair)` has not produced one (use REST then)."""
        return self.public.funding_info(pair)

    def private_events(self) -> AsyncIterator[PerpPrivateEvent]:
        """Order entries, position rows and USDT balance pushes; `Reconnected` after every re-login (not the first)."""
        if self.private is None:
            api_key, secret_key, memo = self._secrets
            if api_key is None or secret_key is None or memo is None:
                raise AuthError("private streams need BITMART_API_KEY, BITMART_SECRET_KEY and BITMART_MEMO",
                                connector=CONNECTOR)
            self.private = PerpPrivateStreams(self._private_url, api_key, secret_key, memo, cap=self._private_cap,
                                              **self._context, **self._options)  # type: ignore[arg-type]
        return self.private.events()

    async def close(self) -> None:
        await self.public.close()
        if self.private is not None:
            await self.private.close()
