"""The paper session's fee rates per pair: the options' override, else the venue's, else a default; and where each came from."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

from host_spec.errors import ConnectorError
from host_spec.models import FeeRates, TradingPair
from host_spec.paper.options import PaperOptions

__all__ = ["DEFAULT_FEES", "FeeBook"]

DEFAULT_FEES = FeeRates(Decimal("0.001"), Decimal("0.001"))


class FeeBook:
    """Maker and taker rates per pair; callable as the engines' `fees(pair)`."""

    def __init__(self, options: PaperOptions) -> None:
        self.options = options
        self.rates: dict[TradingPair, FeeRates] = {}
        #: per pair, where its rates came from (the report prints it)
        self.source: dict[TradingPair, str] = {}

    def __call__(self, pair: TradingPair) -> FeeRates:
        return self.rates.get(pair, DEFAULT_FEES)

    async def resolve(self, pair: TradingPair, base: Callable[[], Awaitable[Any]]) -> None:
        """Settle `pair`'s rates: the options' maker_fee/taker_fee, else the venue's (asked through `base()`,
        5 s at most), else DEFAULT_FEES with the reason."""
        o = self.options
        if o.maker_fee is not None or o.taker_fee is not None:
            self.rates[pair] = FeeRates(o.maker_fee if o.maker_fee is not None else DEFAULT_FEES.maker,
                                        o.taker_fee if o.taker_fee is not None else DEFAULT_FEES.taker)
            self.source[pair] = "options maker_fee/taker_fee"
            return
        try:
            connection = await base()
            async with asyncio.timeout(5):
                self.rates[pair] = await connection.fee_rates(pair)
            self.source[pair] = "venue"
        except (ConnectorError, asyncio.TimeoutError) as exc:
            self.rates[pair] = DEFAULT_FEES
            self.source[pair] = f"default {DEFAULT_FEES.maker}/{DEFAULT_FEES.taker} (venue fee rates unavailable: {exc})"
