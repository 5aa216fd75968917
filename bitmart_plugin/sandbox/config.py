"""Sandbox configuration (transport side): one frozen-ish dataclass, no globals."""

from __future__ import annotations

from dataclasses import dataclass, field

from .futures.config import FuturesConfig
from .futures.ws_config import FuturesWsConfig


@dataclass
class SandboxConfig:
    """Everything the `Sandbox` needs to start; defaults give a quiet, realistic exchange."""

    host: str = "127.0.0.1"
    port: int = 0
    seed: int = 1
    pairs: int = 20
    agent_rate: float = 0.0            # agent actions per second; 0 = quiet market
    agent_tick_s: float = 0.01         # timer period of the agent task (short: each symbol's actions evenly paced)
    post_only_reject: bool = False     # api §7.4 switch: 50034/50035 instead of accept+cancel
    rate_limits: bool = True
    rate_limit_scale: float = 1.0      # multiplies every limit (2.0 = twice as many requests allowed)
    ban_factor: float = 3.0            # > ban_factor x limit in one window while limited -> 418
    ban_cooldown_s: float = 60.0
    ts_window_ms: int = 60_000         # non-v4 signed endpoints (api §3.3)
    ws_idle_timeout_s: float = 20.0    # api §8.3
    header_timeout_s: float = 10.0     # a request line and headers must arrive within this (slow clients are cut off)
    ws_max_msgs_per_10s: int = 100
    ws_connection_limits: bool = True  # api §4.4: connections per IP (20 public, 10 private), attempts per minute
    ws_max_connects_per_min: int = 30
    depth_flush_ms: int = 50           # depth/increase100 batching period per symbol
    depth_heartbeat_s: float = 5.0     # same-version empty update when quiet
    snapshot_push_ms: int = 200        # ticker / depthN / kline push period (<= 500 ms)
    faults: list[str] = field(default_factory=list)   # "NAME=VALUE" strings, see faults.py
    firehose: int = 0                  # >0: BTC_USDT increase100 subscribers get N pre-generated frames
    admin_token: str | None = None     # None: random token per start
    account_balances: dict[str, str] | None = None   # default account funding override
    # futures venue (bitmart_futures.md Appendix A): core switches, then REST transport switches
    futures: FuturesConfig = field(default_factory=FuturesConfig)
    futures_contracts: int = 12
    futures_usdt: str = "1000000"      # the default account's futures wallet (USDT)
    futures_agents: bool = True        # seeded makers/takers on the futures books
    futures_agent_rate: float | None = None  # their actions/s; None: agent_rate x min(1, futures_contracts / pairs)
    futures_tick_s: float = 1.0        # mark/index refresh, funding settlement, liquidation, cancel-all-after
    futures_ws: FuturesWsConfig = field(default_factory=FuturesWsConfig)  # futures WS timers and wire switches
    cancel_response_data: str = "none"  # futures cancel-order(s): "none" = no data key (live, C3) | "empty" = {}
    lenient_time_units: bool = False   # 13-digit start/end_time on seconds endpoints read as ms (ccxt's since)
