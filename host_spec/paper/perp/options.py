"""The perpetual paper variant's own options (beside PaperOptions), parsed once from `SessionConfig.options`.

- `leverage` (default 10, brought into the pair's range) and `margin_mode` (`cross` | `isolated`, default
  cross): the setting of a pair until `set_leverage` changes it.
- `position_mode` (`one_way` | `hedge`, default one_way): the account's mode at start.
- `maintenance_rate`: the maintenance margin rate of every pair; without it, the pair's
  `TradingRule.maintenance_margin_rate`, else DEFAULT_MAINTENANCE_RATE.
- `mark_source` (`mid` | `venue`, default mid): the mark price follows the live book's mid at every view,
  or the venue's own mark from its funding info (refreshed with it).
- `funding_poll_s` (default 60): how often the live connector's funding info is read at most; reads come
  closer together as a settlement nears, so the rate applied is the one the venue announced just before.
The balance defaults to DEFAULT_PERP_BALANCE (the margin asset only).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from host_spec.errors import ConfigError
from host_spec.models import MarginMode, PositionMode

__all__ = ["DEFAULT_MAINTENANCE_RATE", "DEFAULT_PERP_BALANCE", "MARK_SOURCES", "PerpOptions"]

DEFAULT_PERP_BALANCE = "USDT=10000"
DEFAULT_MAINTENANCE_RATE = Decimal("0.005")
MARK_SOURCES = ("mid", "venue")


def _decimal(options: Mapping[str, Any], name: str, default: Decimal | None, *, positive: bool) -> Decimal | None:
    raw = options.get(name)
    if raw is None:
        return default
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        raise ConfigError(f"option {name}: {raw!r} is not a number") from None
    if not value.is_finite() or value < 0 or (positive and value == 0):
        raise ConfigError(f"option {name}: {raw!r} must be a {'positive' if positive else 'non-negative'} number")
    return value


def _choice(options: Mapping[str, Any], name: str, choices: tuple[str, ...], default: str) -> str:
    value = str(options.get(name, default)).strip().lower()
    if value not in choices:
        raise ConfigError(f"option {name}: {options.get(name)!r}; expected one of {', '.join(choices)}")
    return value


@dataclass(frozen=True)
class PerpOptions:
    """What a perpetual paper session can be told beyond PaperOptions."""

    leverage: Decimal = Decimal(10)
    margin_mode: MarginMode = MarginMode.CROSS
    position_mode: PositionMode = PositionMode.ONE_WAY
    maintenance_rate: Decimal | None = None
    mark_source: str = "mid"
    funding_poll_s: float = 60.0

    @classmethod
    def parse(cls, options: Mapping[str, Any]) -> PerpOptions:
        """Parse and check the perpetual options; ConfigError names the option and what it accepts."""
        poll = _decimal(options, "funding_poll_s", Decimal(60), positive=True)
        return cls(
            leverage=_decimal(options, "leverage", Decimal(10), positive=True) or Decimal(10),
            margin_mode=MarginMode(_choice(options, "margin_mode", tuple(m.value for m in MarginMode), "cross")),
            position_mode=PositionMode(_choice(options, "position_mode", tuple(m.value for m in PositionMode), "one_way")),
            maintenance_rate=_decimal(options, "maintenance_rate", None, positive=False),
            mark_source=_choice(options, "mark_source", MARK_SOURCES, "mid"),
            funding_poll_s=float(poll or 60),
        )
