"""Fault switches: deterministic, counted, observable through the admin API.

Names (CLI `--fault NAME=VALUE`, admin `POST /admin/faults {"NAME": VALUE, ...}`):

* ``http_5xx=N``            next N REST requests answer HTTP 503, code 30014.
* ``burst_429=N``           next N REST requests answer HTTP 429, code 30013, with the
                            endpoint's exhausted ``X-BM-RateLimit-*`` headers.
* ``lose_response=N``       next N order requests (submit/batch/cancel*) are executed, then the HTTP
                            connection is closed without an answer.
* ``after_loss_5xx=N``      every response ``lose_response`` loses then arms ``http_5xx`` N more.
* ``after_loss_429=N``      every response ``lose_response`` loses then arms ``burst_429`` N more
                            (so a lost answer is followed by a storm, as when a venue is overloaded).
* ``delay_response=N``      next N order requests are executed, then answered after ``delay_response_ms``.
* ``delay_response_ms=MS``  delay used by ``delay_response`` (default 5000).
* ``push_first=N``          next N order requests are executed, then answered only once the private
                            WebSocket pushes they caused have gone out to the account's sockets, and
                            ``push_first_ms`` later (the order push reaches the client before the answer).
* ``push_first_ms=MS``      the wait after those pushes (default 100).
* ``push_delay_ms=MS``      every WebSocket push is delayed by MS milliseconds (0 = off).
* ``depth_gap=SYMBOL[:N]``  the next N increase100 updates of SYMBOL skip one version (gap); a futures
                            contract (``BTCUSDT``): its depthIncrease updates.
* ``depth_dup=SYMBOL[:N]``  the next N increase100 (futures: depthIncrease) updates of SYMBOL are sent twice.
* ``drop_ws=SCOPE``         close every WebSocket of SCOPE (all | public | private) once, now.
* ``drop_ws_every=SCOPE:S`` close every WebSocket of SCOPE every S seconds (S=0 turns it off).
* ``stall_ws=SCOPE``        currently open sockets of SCOPE stop sending anything (not closed).
* ``clear=1``               reset every switch.

REST faults act on both venues' paths (futures order paths: submit, modify, cancel, cancel-orders);
WebSocket faults on both venues' sockets (scopes: public = /api, /futures/api, /futures; private =
/user, /futures/user).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

SCOPES = ("all", "public", "private")


@dataclass
class FaultState:
    """The current switches plus counters of what each fault has done so far."""

    http_5xx: int = 0
    burst_429: int = 0
    lose_response: int = 0
    after_loss_5xx: int = 0
    after_loss_429: int = 0
    delay_response: int = 0
    delay_response_ms: int = 5000
    push_first: int = 0
    push_first_ms: int = 100
    push_delay_ms: int = 0
    depth_gap: dict[str, int] = field(default_factory=dict)
    depth_dup: dict[str, int] = field(default_factory=dict)
    drop_ws_every: tuple[str, float] | None = None
    fired: dict[str, int] = field(default_factory=dict)
    #: callbacks installed by the server: drop(scope), stall(scope), reschedule()
    on_drop: Callable[[str], int] | None = field(default=None, repr=False)
    on_stall: Callable[[str], int] | None = field(default=None, repr=False)
    on_change: Callable[[], None] | None = field(default=None, repr=False)
    #: awaits the private pushes queued for an account (push_first); installed by the server
    on_pushes_out: Callable[[str], Awaitable[int]] | None = field(default=None, repr=False)

    def _fire(self, name: str, n: int = 1) -> None:
        self.fired[name] = self.fired.get(name, 0) + n

    def take(self, name: str) -> bool:
        """Consume one unit of a counted REST fault; True if it applies now."""
        left = getattr(self, name)
        if left > 0:
            setattr(self, name, left - 1)
            self._fire(name)
            if name == "lose_response":
                self.http_5xx += self.after_loss_5xx
                self.burst_429 += self.after_loss_429
            return True
        return False

    async def hold_for_pushes(self, account_id: str) -> None:
        """``push_first``: wait until the account's private pushes went out, then ``push_first_ms``."""
        if self.on_pushes_out is not None:
            await self.on_pushes_out(account_id)
        await asyncio.sleep(self.push_first_ms / 1000)

    def take_depth(self, kind: str, symbol: str) -> bool:
        """Consume one depth gap/dup for `symbol`."""
        table = self.depth_gap if kind == "gap" else self.depth_dup
        left = table.get(symbol, 0)
        if left <= 0:
            return False
        if left == 1:
            del table[symbol]
        else:
            table[symbol] = left - 1
        self._fire("depth_" + kind)
        return True

    def set(self, name: str, value: Any) -> None:
        """Apply one switch (value already parsed from JSON or a CLI string)."""
        if name == "clear":
            self.clear()
        elif name in ("http_5xx", "burst_429", "lose_response", "after_loss_5xx", "after_loss_429",
                      "delay_response", "delay_response_ms", "push_first", "push_first_ms", "push_delay_ms"):
            setattr(self, name, int(value))
        elif name in ("depth_gap", "depth_dup"):
            sym, _, n = str(value).partition(":")
            getattr(self, name)[sym] = int(n or 1)
        elif name == "drop_ws":
            scope = _scope(value)
            dropped = self.on_drop(scope) if self.on_drop else 0
            self._fire("drop_ws", dropped)
        elif name == "drop_ws_every":
            scope, _, secs = str(value).partition(":")
            s = float(secs or 0)
            self.drop_ws_every = (_scope(scope), s) if s > 0 else None
        elif name == "stall_ws":
            stalled = self.on_stall(_scope(value)) if self.on_stall else 0
            self._fire("stall_ws", stalled)
        else:
            raise ValueError(f"unknown fault {name!r}")
        if self.on_change:
            self.on_change()

    def clear(self) -> None:
        """Turn every switch off (counters of fired faults are kept)."""
        self.http_5xx = self.burst_429 = self.lose_response = self.delay_response = self.push_first = 0
        self.push_first_ms = 100
        self.after_loss_5xx = self.after_loss_429 = 0
        self.push_delay_ms = 0
        self.delay_response_ms = 5000
        self.depth_gap.clear()
        self.depth_dup.clear()
        self.drop_ws_every = None

    def view(self) -> dict[str, Any]:
        """JSON-able state for GET /admin/faults."""
        return {
            "http_5xx": self.http_5xx, "burst_429": self.burst_429,
            "lose_response": self.lose_response, "after_loss_5xx": self.after_loss_5xx,
            "after_loss_429": self.after_loss_429, "delay_response": self.delay_response,
            "delay_response_ms": self.delay_response_ms, "push_first": self.push_first,
            "push_first_ms": self.push_first_ms, "push_delay_ms": self.push_delay_ms,
            "depth_gap": dict(self.depth_gap), "depth_dup": dict(self.depth_dup),
            "drop_ws_every": list(self.drop_ws_every) if self.drop_ws_every else None,
            "fired": dict(self.fired),
        }


def _scope(value: Any) -> str:
    s = str(value or "all")
    if s not in SCOPES:
        raise ValueError(f"bad scope {s!r}")
    return s


def parse_cli(spec: str) -> tuple[str, Any]:
    """`NAME=VALUE` -> (name, value); VALUE is JSON if it parses, else the raw string."""
    name, sep, raw = spec.partition("=")
    if not sep:
        return name.strip(), 1
    try:
        value: Any = json.loads(raw)
    except ValueError:
        value = raw
    return name.strip(), value
