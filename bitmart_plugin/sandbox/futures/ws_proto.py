"""Futures WS wire forms: topic names → canonical push groups, acks, errors, pong and push text (§3.2-3.4)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Collection

PREFIX = "futures/"
DEPTHS = (5, 20, 50)
SPEEDS = ("100ms", "200ms")
KLINE_INTERVALS = {"1m": 1, "5m": 5, "15m": 15, "30m": 30, "1H": 60, "2H": 120, "4H": 240, "1D": 1440, "1W": 10080}
ASSET_CURRENCIES = ("USDT", "BTC", "ETH")
PRIVATE = ("order", "position", "asset")
PONG = '{"group":"System","data":"pong"}'


@dataclass(frozen=True, slots=True)
class Topic:
    """A subscribable topic; ``group`` is what its pushes carry and the key it is subscribed under."""

    raw: str
    kind: str  # depth | depthAll | depthIncrease | trade | ticker | bookticker | fundingRate | klineBin |
    #            markPriceKlineBin | order | position | asset
    symbol: str = ""  # the filter: a symbol, a currency for asset, "" for none
    depth: int = 0
    speed: str = ""
    interval: str = ""
    group: str = ""

    @property
    def private(self) -> bool:
        return self.kind in PRIVATE


def _split_number(name: str, stems: tuple[str, ...]) -> tuple[str, str]:
    """``depthIncrease50`` → (``depthIncrease``, ``50``): the longest stem that prefixes the name."""
    for stem in sorted(stems, key=len, reverse=True):
        if name.startswith(stem):
            return stem, name[len(stem):]
    return name, ""


def parse_topic(raw: str, symbols: Collection[str], default_speed: str) -> Topic | None:
    """The topic ``raw`` names, or None when BitMart would answer "group [...] not exist"."""
    if not raw.startswith(PREFIX):
        return None
    body, at, speed = raw[len(PREFIX):].partition("@")
    name, colon, arg = body.partition(":")
    if at and speed not in SPEEDS:
        return None
    stem, tail = _split_number(name, ("depth", "depthAll", "depthIncrease", "klineBin", "markPriceKlineBin"))
    if stem in ("depth", "depthAll", "depthIncrease"):
        if tail not in {str(n) for n in DEPTHS} or arg not in symbols:
            return None
        sp = speed or default_speed
        return Topic(raw, stem, arg, int(tail), sp, group=f"{PREFIX}{name}:{arg}@{sp}")
    if at and name != "ticker":
        return None
    if stem in ("klineBin", "markPriceKlineBin"):
        if tail not in KLINE_INTERVALS or arg not in symbols:
            return None
        return Topic(raw, stem, arg, interval=tail, group=f"{PREFIX}{name}:{arg}")
    if name == "ticker":
        if not colon and not at:
            return Topic(raw, "ticker", group=f"{PREFIX}ticker")
        if arg not in symbols or speed not in ("", "100ms"):
            return None
        return Topic(raw, "ticker", arg, group=f"{PREFIX}ticker:{arg}@100ms")  # §3.4: pushes carry @100ms
    if name in ("trade", "bookticker", "fundingRate"):
        return Topic(raw, name, arg, group=f"{PREFIX}{name}:{arg}") if arg in symbols else None
    if name in ("order", "position"):
        return None if colon else Topic(raw, name, group=f"{PREFIX}{name}")
    if name == "asset":
        return Topic(raw, name, arg, group=f"{PREFIX}asset:{arg}") if arg in ASSET_CURRENCIES else None
    return None


def dumps(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"))


def push(group: str, data: Any) -> str:
    """A data push ``{"group","data"}`` as a text frame."""
    return dumps({"group": group, "data": data})


def ack(action: str, arg: str) -> str:
    """One subscribe/unsubscribe ack per arg, ``request.args`` holding only that arg."""
    return dumps({"action": action, "group": arg, "success": True, "request": {"action": action, "args": [arg]}})


def failure(action: str, arg: str, error: str, *, with_request: bool = True) -> str:
    """A refused arg; the "need authenication" form has no ``request`` (live)."""
    out: dict[str, Any] = {"action": action, "group": arg, "success": False}
    if with_request:
        out["request"] = {"action": action, "args": [arg]}
    out["error"] = error
    return dumps(out)


def not_exist(action: str, arg: str) -> str:
    return failure(action, arg, f"group [{arg}] not exist")


def need_auth(action: str, arg: str) -> str:
    return failure(action, arg, f"{arg} need authenication", with_request=False)  # sic, as BitMart spells it


def bad_action(action: str, arg: str) -> str:
    return failure(action, arg, f"Invalid action [{action}] for group [{arg}]")


def bad_message(action: str, error: str) -> str:
    """A message that is not a usable request (not JSON, no args) [DECISION: BitMart's text is unknown]."""
    return dumps({"action": action, "success": False, "error": error})


def access_ok() -> str:
    return dumps({"action": "access", "success": True})


def access_failed(api_key: str) -> str:
    """The doc's failure text, the key cut to 10 characters and masked."""
    shown = (api_key[:10] + "****") if api_key else ""
    return dumps({"action": "access", "success": False,
                  "error": f"access failed: openapi auth: apiKey {shown} failed: openapi auth failed"})
