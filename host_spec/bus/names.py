"""Subjects, stream and bucket names, message ids and shards: everything both ends of the bus must agree on.

Pure functions, no NATS import. For connector `bitmart` and pair BTC-USDT:

- book updates on `hs.bitmart.book.BTC-USDT`, trades on `hs.bitmart.trades.BTC-USDT`, both in the
  JetStream stream `HS_BITMART`;
- the latest full book under the key `book.BTC-USDT`, the trading rules under `rules`, in the
  key-value bucket `hs_bitmart`.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Mapping

from host_spec.errors import ConfigError
from host_spec.models import TradingPair

__all__ = [
    "DEFAULT_NATS_URL",
    "NATS_URL_ENV",
    "RULES_KEY",
    "book_key",
    "book_msg_id",
    "book_subject",
    "bucket_name",
    "nats_url",
    "parse_shard",
    "shard_of",
    "stream_name",
    "subjects",
    "trade_msg_id",
    "trades_subject",
    "wait_seconds",
]

PREFIX = "hs"
NATS_URL_ENV = "HOST_SPEC_NATS_URL"
DEFAULT_NATS_URL = "nats://127.0.0.1:4222"
RULES_KEY = "rules"


def nats_url(options: Mapping[str, object], env: Mapping[str, str] | None = None) -> str:
    """The NATS URL: the `nats_url` option, else HOST_SPEC_NATS_URL, else NATS's default local address."""
    env = os.environ if env is None else env
    url = str(options.get("nats_url") or env.get(NATS_URL_ENV) or DEFAULT_NATS_URL).strip()
    if not url.startswith(("nats://", "tls://", "ws://", "wss://")):
        raise ConfigError(f"nats_url {url!r}: expected nats://HOST:PORT (or several, comma-separated)")
    return url


def wait_seconds(options: Mapping[str, object]) -> float:
    """The `bus_wait_s` option: how long a reader waits for a publisher's first data (default 30 s)."""
    raw = options.get("bus_wait_s", 30.0)
    try:
        value = float(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        value = -1.0
    if not value >= 0:
        raise ConfigError(f"option bus_wait_s: {raw!r} is not a number of seconds >= 0")
    return value


def _token(connector_id: str) -> str:
    if not connector_id or any(c in connector_id for c in ".*> \t"):
        raise ConfigError(f"connector id {connector_id!r} cannot be a NATS subject token")
    return connector_id


def stream_name(connector_id: str) -> str:
    return f"{PREFIX.upper()}_{_token(connector_id).upper()}"


def bucket_name(connector_id: str) -> str:
    return f"{PREFIX}_{_token(connector_id)}"


def subjects(connector_id: str) -> list[str]:
    """The subjects the connector's stream holds."""
    c = _token(connector_id)
    return [f"{PREFIX}.{c}.book.*", f"{PREFIX}.{c}.trades.*"]


def book_subject(connector_id: str, pair: TradingPair) -> str:
    return f"{PREFIX}.{_token(connector_id)}.book.{pair}"


def trades_subject(connector_id: str, pair: TradingPair) -> str:
    return f"{PREFIX}.{_token(connector_id)}.trades.{pair}"


def book_key(pair: TradingPair) -> str:
    return f"book.{pair}"


def book_msg_id(connector_id: str, pair: TradingPair, prev: int | None, sequence: int) -> str:
    """One id per transition: two publishers sending the same change from the same book store it once."""
    start = "s" if prev is None else str(prev)
    return f"{connector_id}.{pair}.{start}.{sequence}"


def trade_msg_id(connector_id: str, pair: TradingPair, content: str, occurrence: int) -> str:
    """A trade's id from its content (venue id, time, price, size, side) and how many identical trades came
    before it: venues such as BitMart give no unique trade id, and one taker order can fill two equal makers
    in the same millisecond. Two publishers reading the same stream count alike, so their copies share ids."""
    return f"{connector_id}.{pair}.t.{content}.{occurrence}"


def shard_of(pair: TradingPair, shards: int) -> int:
    """The shard (0 .. shards-1) that publishes `pair`: CRC-32 of `BASE-QUOTE`, stable across processes and hosts."""
    return zlib.crc32(str(pair).encode()) % shards


def parse_shard(text: str) -> tuple[int, int]:
    """`"I/N"` -> (I, N) with 0 <= I < N; ValueError saying the expected form."""
    index, sep, count = text.partition("/")
    try:
        i, n = int(index), int(count)
    except ValueError:
        i, n = -1, 0
    if not sep or n < 1 or not 0 <= i < n:
        raise ValueError(f"--shard {text!r}: expected I/N with 0 <= I < N, e.g. 0/4")
    return i, n
