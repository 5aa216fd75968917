"""Switches of the futures WebSocket server (bitmart_futures.md §3, Appendix A "Transport additions").

Defaults and why:

- ``ws_idle_timeout_s`` 20: DOC-FUT closes after 20 s without "continuous message interaction"; frames in
  either direction count (Q23), so a client that never sends but receives pushes (HB-CANDLES, C19) stays.
- ``ws_lifeless_s`` 5: a connection that sent neither ``subscribe`` nor ``access`` within 5 s is closed
  (``access`` counts: PYSDK sleeps 5 s between ``access`` and its first subscribe). 0 disables.
- ``depth_default_speed`` ``200ms``: the push group of a depth topic subscribed without a speed (HB mock).
- ``emit_approval_state`` off: market/IOC/FOK orders are announced with state 2, not the live state 1
  that Hummingbot cannot parse (C13, Q12).
- ``batch_order_events`` off: one ``futures/order`` entry per message, since Hummingbot reads ``data[0]``.
- ``snapshot_push_ms`` 200: the current kline is re-pushed this often, so quiet markets still talk.
- ``position_push_s`` 10: ``futures/position`` repeats every open row this often (an empty list when
  none, so a private socket that only listens still gets a message within Hummingbot's 20 s).
- ``funding_push_s`` 60, ``ticker_push_s`` 1: DOC-FUT's "every minute" and "~1/s".
- ``max_connections_per_ip`` 500: DOC-FUT's per-IP cap.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FuturesWsConfig:
    """Timers and wire-form switches of the futures WebSocket endpoints."""

    ws_idle_timeout_s: float = 20.0
    ws_lifeless_s: float = 5.0
    depth_default_speed: str = "200ms"
    emit_approval_state: bool = False
    batch_order_events: bool = False
    snapshot_push_ms: int = 200
    position_push_s: float = 10.0
    funding_push_s: float = 60.0
    ticker_push_s: float = 1.0
    max_connections_per_ip: int = 500
    max_message_bytes: int = 1 << 16
