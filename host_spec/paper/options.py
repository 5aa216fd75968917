"""The paper session's options, parsed once from the free-form `SessionConfig.options` mapping."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from host_spec.errors import ConfigError
from host_spec.paper.queue import DEFAULT_K, QueueModel
from host_spec.session import option_flag

__all__ = ["DEFAULT_BALANCE", "OPTION_NAMES", "PERP_OPTION_NAMES", "PaperOptions", "parse_balances"]

DEFAULT_BALANCE = "USDT=10000,BTC=1"
_OURS = {
    "balance", "queue_model", "queue_k", "entry_latency_ms", "cancel_latency_ms", "response_latency_ms",
    "reorder_ms", "lookahead_ms", "shadow", "bounds", "persist_path", "seed", "maker_fee", "taker_fee", "depth", "book_timeout_s",
}
#: the session options a paper variant reads itself (others go to the base connector)
OPTION_NAMES: frozenset[str] = frozenset(_OURS)
#: the options only the perpetual variant reads (paper.perp.options); never passed to a base connector either
PERP_OPTION_NAMES: frozenset[str] = frozenset({"leverage", "margin_mode", "position_mode", "maintenance_rate",
                                               "mark_source", "funding_poll_s"})


def parse_balances(value: str | Mapping[str, Any] | None) -> dict[str, Decimal]:
    """`"USDT=10000,BTC=1"` or `{"USDT": 10000}` -> {asset: Decimal}; raises ConfigError naming the part."""
    if value is None:
        value = DEFAULT_BALANCE
    items: list[tuple[str, Any]]
    if isinstance(value, Mapping):
        items = list(value.items())
    else:
        items = []
        for part in str(value).split(","):
            if not part.strip():
                continue
            if "=" not in part:
                raise ConfigError(f"balance {part.strip()!r}: expected ASSET=AMOUNT, e.g. USDT=10000,BTC=1")
            asset, _, amount = part.partition("=")
            items.append((asset, amount))
    out: dict[str, Decimal] = {}
    for asset, amount in items:
        try:
            dec = Decimal(str(amount).strip())
        except InvalidOperation:
            raise ConfigError(f"balance of {asset}: {amount!r} is not a number") from None
        if not dec.is_finite() or dec < 0:
            raise ConfigError(f"balance of {asset}: {amount!r} must be a non-negative number")
        out[str(asset).strip().upper()] = dec
    return out


def _num(options: Mapping[str, Any], name: str, default: float) -> float:
    raw = options.get(name, default)
    try:
        value = float(raw if raw is not None else default)
    except (TypeError, ValueError):
        raise ConfigError(f"option {name}: {raw!r} is not a number") from None
    if value < 0:
        raise ConfigError(f"option {name}: must be >= 0")
    return value


def _fee(options: Mapping[str, Any], name: str) -> Decimal | None:
    raw = options.get(name)
    if raw is None:
        return None
    try:
        return Decimal(str(raw))
    except InvalidOperation:
        raise ConfigError(f"option {name}: {raw!r} is not a number") from None


@dataclass(frozen=True)
class PaperOptions:
    """Everything a paper session can be told; `base_options` are passed on to the base connector."""

    balances: dict[str, Decimal]
    queue_model: QueueModel = QueueModel.DEFAULT
    queue_k: float = DEFAULT_K
    entry_latency_ms: int = 0
    cancel_latency_ms: int = 0
    response_latency_ms: int = 0
    reorder_ms: int = 30
    #: hold an arriving order up to this long (venue ms) for the first depth view stamped at or after its
    #: arrival, and decide against it (merge.Timeline look-ahead); 0 decides on the last view seen.
    lookahead_ms: int = 100
    #: the public data already contains a live twin of every paper order (a live account places the same
    #: orders at the same moments, as in benchmarks/paper_fidelity.py): see matching.maker_trade_fills.
    shadow: bool = False
    #: also run the orders under the `back` and `front` queue models (PaperSession.fill_bounds, the report)
    bounds: bool = False
    persist_path: str | None = None
    seed: int = 0
    maker_fee: Decimal | None = None
    taker_fee: Decimal | None = None
    depth: int = 100
    book_timeout_s: float = 10.0
    base_options: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def parse(cls, options: Mapping[str, Any], default_balance: str = DEFAULT_BALANCE) -> PaperOptions:
        """Parse and check every option; unknown keys go to the base connector unchanged."""
        try:
            model = QueueModel(str(options.get("queue_model", "default")).lower())
        except ValueError:
            names = ", ".join(m.value for m in QueueModel)
            raise ConfigError(f"option queue_model: {options.get('queue_model')!r}; expected one of {names}") from None
        persist = options.get("persist_path")
        return cls(
            balances=parse_balances(options.get("balance", default_balance)),
            queue_model=model,
            queue_k=_num(options, "queue_k", DEFAULT_K),
            entry_latency_ms=int(_num(options, "entry_latency_ms", 0)),
            cancel_latency_ms=int(_num(options, "cancel_latency_ms", 0)),
            response_latency_ms=int(_num(options, "response_latency_ms", 0)),
            reorder_ms=int(_num(options, "reorder_ms", 30)),
            lookahead_ms=int(_num(options, "lookahead_ms", 100)),
            shadow=option_flag(options, "shadow"),
            bounds=option_flag(options, "bounds"),
            persist_path=str(persist) if persist else None,
            seed=int(_num(options, "seed", 0)),
            maker_fee=_fee(options, "maker_fee"),
            taker_fee=_fee(options, "taker_fee"),
            depth=max(1, int(_num(options, "depth", 100))),
            book_timeout_s=_num(options, "book_timeout_s", 10.0),
            base_options={k: v for k, v in options.items() if k not in _OURS and k not in PERP_OPTION_NAMES},
        )
