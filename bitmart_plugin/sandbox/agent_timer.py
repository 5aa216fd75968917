"""The agents' timer: `agent_rate` actions a second on the spot books (and the futures books' share).

Actions run in slices with a yield to the event loop between them, so depth flushes and socket
writes are never held up by more than one slice; a depth batch being flushed is finished first. A
sandbox that cannot keep up drops the backlog beyond `MAX_BACKLOG_S` of actions instead of catching up
in one long burst that would starve the loop.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from .config import SandboxConfig

log = logging.getLogger(__name__)
SLICE = 64
MAX_BACKLOG_S = 0.25


def futures_rate(config: SandboxConfig, spot_rate: float) -> float:
    """Futures agent actions a second: `futures_agent_rate`, else the spot rate scaled so a contract's
    book is about as busy as a spot pair's (never busier than the whole spot market)."""
    if config.futures_agent_rate is not None:
        return config.futures_agent_rate
    return spot_rate * min(1.0, config.futures_contracts / max(1, config.pairs))


def _depth_flushing(sandbox: Any) -> bool:
    """Whether a depth batch is still being flushed chunk by chunk.

    The agents wait for it: slices of actions between the chunks made the last symbols of a batch wait
    up to twice the batching period, so at 1,000 pairs two actions of a symbol often fell into one version.
    """
    ws = getattr(sandbox, "public_ws", None)
    return ws is not None and ws.depth.flushing


async def run_agents(sandbox: Any) -> None:
    """Step `sandbox.exchange` and `sandbox.futures_agents` at `sandbox.agent_rate` until cancelled
    (the rate and `agents_paused` are read on every tick: the admin API changes them)."""
    cfg: SandboxConfig = sandbox.config
    carry = fcarry = 0.0
    last = due = time.monotonic()
    while True:
        # ticks on a fixed schedule, not a fixed sleep after each burst: a busy sandbox otherwise idled a
        # whole tick after every long burst, and the bursts (hence the carry) grew until the backlog cap
        # dropped actions (1,000 pairs asked for 11,000/s: ~9,500 performed at 88% of a core)
        due += cfg.agent_tick_s
        now = time.monotonic()
        if now < due:
            await asyncio.sleep(due - now)
        else:
            await asyncio.sleep(0)
            if now - due > MAX_BACKLOG_S:
                due = now  # far behind: start the schedule afresh (the carry below caps the backlog)
        now = time.monotonic()
        dt, last = now - last, now
        rate = sandbox.agent_rate
        if sandbox.agents_paused or rate <= 0:
            carry = fcarry = 0.0
            continue
        frate = futures_rate(cfg, rate) if sandbox.futures_agents is not None else 0.0
        carry = min(carry + rate * dt, max(1.0, rate * MAX_BACKLOG_S))
        fcarry = min(fcarry + frate * dt, max(1.0, frate * MAX_BACKLOG_S))
        n, nf = int(carry), int(fcarry)
        carry -= n
        fcarry -= nf
        try:
            while n > 0 or nf > 0:
                k, kf = min(n, SLICE), min(nf, SLICE)
                if k:
                    sandbox.exchange.step_agents(k)
                    sandbox.agent_actions += k
                if kf:
                    sandbox.futures_agents.step(kf)
                    sandbox.futures_agent_actions += kf
                n, nf = n - k, nf - kf
                if n > 0 or nf > 0:
                    await asyncio.sleep(0)
                    while _depth_flushing(sandbox):
                        await asyncio.sleep(0)
        except Exception:  # pragma: no cover - keep the market alive
            log.exception("agents failed")
