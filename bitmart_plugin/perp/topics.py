"""Futures WebSocket topics: build them, route pushes by their group, and build subscribe messages.

Groups look like `futures/depthIncrease50:BTCUSDT@200ms`, `futures/order`, `futures/asset:USDT`
(bitmart_futures.md §3.2, §3.4). Routing strips a trailing `@<n>ms` speed, then splits on the first `:`,
so `@200ms` can never be read as part of the channel name (ccxt.pro guesses the depth from substrings).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bitmart_plugin.fields import ParseError

__all__ = ["MAX_ARGS_BYTES", "Push", "route", "split_group", "subscribe_messages", "topic"]

MAX_ARGS_BYTES = 4096  # all `args` of one message together (DOC-FUT)
_SPEED = re.compile(r"@\d+ms$")


def topic(channel: str, filter_: str = "", speed: str = "") -> str:
    """("futures/depthIncrease50", "BTCUSDT", "200ms") -> "futures/depthIncrease50:BTCUSDT@200ms"."""
    out = f"{channel}:{filter_}" if filter_ else channel
    return f"{out}@{speed}" if speed else out


def split_group(group: str) -> tuple[str, str]:
    """"futures/ticker:ETHUSDT@100ms" -> ("futures/ticker", "ETHUSDT"); "futures/order" -> ("futures/order", "")."""
    channel, _, filter_ = _SPEED.sub("", group).partition(":")
    return channel, filter_


@dataclass(frozen=True, slots=True)
class Push:
    """A data push: its channel (no filter, no speed), its filter (symbol or currency) and its `data`."""

    channel: str
    filter: str
    data: Any


def route(message: dict[str, Any]) -> Push | None:
    """A data push -> Push; None for acks, login replies and pongs (they carry `action` or group System)."""
    group = message.get("group")
    if "action" in message or group == "System":
        return None
    if not isinstance(group, str) or "data" not in message:
        raise ParseError("futures push without group/data")
    channel, filter_ = split_group(group)
    return Push(channel, filter_, message["data"])


def subscribe_messages(topics: Iterable[str], action: str = "subscribe") -> list[dict[str, Any]]:
    """Each topic once, packed into as few messages as fit the venue's 4096-byte `args` limit."""
    messages: list[dict[str, Any]] = []
    batch: list[str] = []
    size = 0
    for name in dict.fromkeys(topics):  # each once, in order
        cost = len(name.encode()) + 3  # quotes and comma, as JSON writes them
        if batch and size + cost > MAX_ARGS_BYTES:
            messages.append({"action": action, "args": batch})
            batch, size = [], 0
        batch.append(name)
        size += cost
    if batch:
        messages.append({"action": action, "args": batch})
    return messages
