"""The perpetual half of `Connection`: positions, position mode, leverage and funding, one hook each.

A mixin so that `host.py` stays one idea (the facade) and spot hosts never read these; a spot
connector answers none of the hooks, so every method here raises CapabilityMissing on it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from host_spec import inputs
from host_spec.models import FundingInfo, FundingPayment, LeverageSetting, MarginMode, Position, PositionMode, TradingPair

__all__ = ["PerpetualCalls", "check_pair"]


def check_pair(value: object, *, optional: bool = False) -> None:
    """A TradingPair (or None when `optional`); a str is refused with the `TradingPair.parse` call to write."""
    hint = f"pass TradingPair.parse({value!r})" if isinstance(value, str) else ""
    inputs.instance(value, TradingPair, "pair", optional=optional, hint=hint)


class PerpetualCalls:
    """Perpetual-contract methods of `Connection`; amounts are base units, money quote units."""

    async def _await(self, capability: str, **kwargs: Any) -> Any:
        raise NotImplementedError  # provided by Connection

    async def positions(self, pair: TradingPair | None = None) -> list[Position]:
        """Return our open positions (on `pair`, or all for None); raises CapabilityMissing on a spot connector,
        NetworkError or RateLimited when the venue cannot answer."""
        check_pair(pair, optional=True)
        return await self._await("positions", pair=pair)  # type: ignore[no-any-return]

    async def position_mode(self) -> PositionMode:
        """Return the account's PositionMode (ONE_WAY or HEDGE); raises CapabilityMissing, NetworkError or RateLimited."""
        return await self._await("position_mode")  # type: ignore[no-any-return]

    async def set_position_mode(self, mode: PositionMode) -> PositionMode:
        """Switch the account to `mode` and return the mode in force; raises OrderRejected when the venue refuses
        (positions or orders open), CapabilityMissing when the connector has no position modes."""
        inputs.member(mode, PositionMode, "mode")
        return await self._await("set_position_mode", mode=mode)  # type: ignore[no-any-return]

    async def set_leverage(self, pair: TradingPair, leverage: Decimal, margin_mode: MarginMode) -> LeverageSetting:
        """Set `pair`'s leverage and margin mode; return the LeverageSetting applied. Raises InvalidOrder
        (rule `min_leverage`/`max_leverage`) outside the pair's range, CapabilityMissing on a spot connector."""
        check_pair(pair)
        value = inputs.decimal_or_none(leverage, "leverage")
        if value is None or value <= 0:
            raise ValueError(f"leverage must be a positive Decimal such as Decimal('10'), not {leverage!r}")
        inputs.member(margin_mode, MarginMode, "margin_mode")
        return await self._await(  # type: ignore[no-any-return]
            "set_leverage", pair=pair, leverage=value, margin_mode=margin_mode)

    async def funding_info(self, pair: TradingPair) -> FundingInfo:
        """Return `pair`'s FundingInfo (rate, next funding time, interval, mark and index price); raises InvalidPair,
        CapabilityMissing on a spot connector, NetworkError or RateLimited."""
        check_pair(pair)
        return await self._await("funding_info", pair=pair)  # type: ignore[no-any-return]

    async def funding_payments(self, pair: TradingPair | None = None, since_ms: int | None = None) -> list[FundingPayment]:
        """Return our FundingPayments (on `pair`, since `since_ms` epoch milliseconds), oldest first; raises
        CapabilityMissing on a spot connector, NetworkError or RateLimited."""
        check_pair(pair, optional=True)
        inputs.integer(since_ms, "since_ms", optional=True, unit="milliseconds since the epoch")
        return await self._await("funding_payments", pair=pair, since_ms=since_ms)  # type: ignore[no-any-return]
