"""`Sandbox`: REST + WebSocket + admin on ONE loopback aiohttp port; thread helper; CLI `main`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import secrets
import signal
import sys
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from aiohttp import web

from .admin import Admin
from .agent_timer import run_agents
from .config import SandboxConfig
from .core.events import LevelChanged, PublicTrade
from .spot.exchange import Exchange
from .faults import parse_cli
from .spot.firehose import firehose_frames
from .futures.agents import FuturesAgents
from .futures.runtime import build_venue, run_clock
from .futures.ws_routes import FuturesWs, futures_ws
from .heap import freeze_survivors
from .head_timeout import HeadTimeoutSite, on_response_prepare
from .rest_router import RestRouter
from .state import Credentials, State, derive_credentials
from .spot.ws_private import PrivateWs
from .spot.ws_public import PublicWs

log = logging.getLogger(__name__)
LOOPBACK = ("127.0.0.1", "::1", "localhost")


def default_balances(exchange: Exchange) -> dict[str, Decimal]:
    """USDT 1,000,000, BTC 100, ETH 1,000 and enough of every other currency to trade."""
    out = {c: Decimal(0) for c in exchange.currencies()}
    for r in exchange.symbol_list:
        if r.quote == "USDT" and r.ref_price > 0 and r.base not in ("BTC", "ETH"):
            out[r.base] = (Decimal(100_000) / r.ref_price).quantize(Decimal(1)) or Decimal(1)
    for c, v in out.items():
        if v == 0:
            out[c] = Decimal(1_000)
    out.update({"USDT": Decimal(1_000_000), "BTC": Decimal(100), "ETH": Decimal(1_000)})
    return out


class Sandbox:
    """A BitMart-compatible spot exchange served on loopback (REST and WebSocket on one port)."""

    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config or SandboxConfig()
        if self.config.host not in LOOPBACK:
            raise ValueError("the sandbox only binds loopback addresses")
        self._exchange: Exchange | None = None
        self._state: State | None = None
        self._runner: web.AppRunner | None = None
        self._tasks: list[asyncio.Task[Any]] = []
        self._port = 0
        self.admin_token = self.config.admin_token or secrets.token_hex(16)
        self.agents_paused = False
        self.agent_rate = self.config.agent_rate
        self.agent_actions = self.futures_agent_actions = 0  # performed by the timer (admin: POST /admin/agents)
        self.credentials: Credentials = derive_credentials(self.config.seed)
        self.public_ws: PublicWs | None = None
        self.private_ws: PrivateWs | None = None
        self.futures_ws: FuturesWs | None = None
        self.futures_agents: FuturesAgents | None = None

    # ---- properties -------------------------------------------------------------------------
    @property
    def exchange(self) -> Exchange:
        """The core exchange (available after start)."""
        assert self._exchange is not None, "Sandbox not started"
        return self._exchange

    @property
    def state(self) -> State:
        assert self._state is not None, "Sandbox not started"
        return self._state

    @property
    def port(self) -> int:
        return self._port

    @property
    def rest_url(self) -> str:
        return f"http://{self._host()}:{self._port}"

    @property
    def ws_public_url(self) -> str:
        return f"ws://{self._host()}:{self._port}/api?protocol=1.1"

    @property
    def ws_private_url(self) -> str:
        return f"ws://{self._host()}:{self._port}/user?protocol=1.1"

    @property
    def futures_rest_url(self) -> str:
        """Futures REST shares the spot port (paths do not collide; /system/* serves both)."""
        return self.rest_url

    @property
    def futures_ws_public_url(self) -> str:
        return f"ws://{self._host()}:{self._port}/futures/api?protocol=1.1"

    @property
    def futures_ws_private_url(self) -> str:
        return f"ws://{self._host()}:{self._port}/futures/user?protocol=1.1"

    @property
    def admin_url(self) -> str:
        return f"http://{self._host()}:{self._port}/admin"

    def _host(self) -> str:
        h = self.config.host
        return f"[{h}]" if ":" in h else h

    # ---- lifecycle --------------------------------------------------------------------------
    async def start(self) -> "Sandbox":
        """Build the exchange, bind the port and start timers."""
        cfg = self.config
        ex = Exchange(seed=cfg.seed, pairs=cfg.pairs, post_only_reject=cfg.post_only_reject)
        self._exchange = ex
        st = self._state = State(cfg, ex)
        st.futures = build_venue(cfg, ex, ex.clock)
        balances = ({k: Decimal(v) for k, v in cfg.account_balances.items()}
                    if cfg.account_balances is not None else default_balances(ex))
        st.add_credentials(self.credentials, balances)
        st.futures.fund(self.credentials.account_id, Decimal(cfg.futures_usdt))
        self.futures_agents = FuturesAgents(st.futures, cfg.seed) if cfg.futures_agents else None
        frames = firehose_frames(cfg.firehose, cfg.seed) if cfg.firehose > 0 else None
        self.public_ws = PublicWs(st, frames)
        self.private_ws = PrivateWs(st)
        ex.add_listener(self.public_ws.depth.on_level, (LevelChanged,))
        ex.add_listener(self.public_ws.on_trade, (PublicTrade,))
        ex.add_listener(self.private_ws.on_event, PrivateWs.KINDS, quiet_accounts=False)  # nobody logs in as an agent
        st.faults.on_drop = self._drop
        st.faults.on_stall = self._stall
        st.faults.on_pushes_out = self._pushes_out
        for spec in cfg.faults:
            name, value = parse_cli(spec)
            st.faults.set(name, value)
        app = web.Application(client_max_size=1 << 20)
        app.on_response_prepare.append(on_response_prepare)
        Admin(self).register(app)
        router = RestRouter(st)
        app.router.add_get("/api", self.public_ws.handle)
        app.router.add_get("/user", self.private_ws.handle)
        self.futures_ws = futures_ws(st.futures, st, cfg.futures_ws)
        app.router.add_routes(self.futures_ws.routes)
        app.router.add_route("*", "/{tail:.*}", router.handle)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = HeadTimeoutSite(self._runner, cfg.host, cfg.port, head_timeout=cfg.header_timeout_s)
        await site.start()
        self._port = site.port
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(run_agents(self)), loop.create_task(self._push_loop()),
                       loop.create_task(self._drop_loop()),
                       loop.create_task(run_clock(st.futures, cfg.futures_tick_s))]
        return self

    async def stop(self) -> None:
        """Close sockets, cancel timers and unbind."""
        for t in self._tasks:
            t.cancel()
        for t in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t
        self._tasks = []
        fws = (self.futures_ws.public, self.futures_ws.private) if self.futures_ws else ()
        for hub in (self.public_ws, self.private_ws, *fws):
            if hub is not None:
                for c in list(hub.topics.conns):
                    with contextlib.suppress(Exception):
                        await c.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> "Sandbox":
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def add_account(self, api_key: str, secret: str, memo: str, balances: dict[str, Any] | None = None,
                    account_id: str | None = None, futures_usdt: Any = None) -> Credentials:
        """Register another API key with its own (funded) account; an existing key is refused (ValueError).

        ``futures_usdt`` funds its futures wallet (default: the USDT given in ``balances``).
        """
        if api_key in self.state.keys:
            raise ValueError("an account with this api_key exists")
        cred = Credentials(api_key, secret, memo, account_id or f"acct-{api_key[:8]}")
        bal = {k: Decimal(str(v)) for k, v in (balances or {}).items()}
        self.state.add_credentials(cred, bal)
        fut = Decimal(str(futures_usdt)) if futures_usdt is not None else bal.get("USDT", Decimal(0))
        if fut:
            assert self.state.futures is not None
            self.state.futures.fund(cred.account_id, fut)
        return cred

    # ---- timers -----------------------------------------------------------------------------
    async def _push_loop(self) -> None:
        period = self.config.snapshot_push_ms / 1000
        hb = 0.0
        while True:
            await asyncio.sleep(period)
            assert self.public_ws is not None
            try:
                self.public_ws.periodic()
                hb += period
                if hb >= 1.0:
                    hb = 0.0
                    self.public_ws.depth.heartbeat()
            except Exception:  # pragma: no cover
                log.exception("push loop failed")

    async def _drop_loop(self) -> None:
        last = time.monotonic()
        while True:
            await asyncio.sleep(0.1)
            every = self.state.faults.drop_ws_every
            if every is None:
                last = time.monotonic()
                continue
            if time.monotonic() - last >= every[1]:
                last = time.monotonic()
                n = self._drop(every[0])
                self.state.faults.fired["drop_ws_every"] = self.state.faults.fired.get("drop_ws_every", 0) + n

    def _hubs(self, scope: str) -> list[Any]:
        fws = self.futures_ws
        hubs = ((self.public_ws, "public"), (self.private_ws, "private"),
                (fws and fws.public, "public"), (fws and fws.private, "private"))
        return [h for h, k in hubs if h is not None and scope in ("all", k)]

    def _drop(self, scope: str) -> int:
        n = 0
        for hub in self._hubs(scope):
            for c in list(hub.topics.conns):
                n += 1
                asyncio.get_running_loop().create_task(c.ws.close())
        return n

    def _stall(self, scope: str) -> int:
        n = 0
        for hub in self._hubs(scope):
            for c in hub.topics.conns:
                c.stalled = True
                n += 1
        return n

    async def _pushes_out(self, account_id: str) -> int:
        """Let pushes coalesced for this loop turn be queued, then wait until the account's private
        sockets have written them; returns how many sockets were waited for."""
        await asyncio.sleep(0)
        conns = [c for hub in self._hubs("private") for c in hub.topics.conns if c.account_id == account_id]
        for c in conns:
            await c.drained()
        return len(conns)

    def ready_line(self) -> str:
        """The single JSON line the CLI prints when ready."""
        c = self.credentials
        return json.dumps({"rest_url": self.rest_url, "ws_public_url": self.ws_public_url,
                           "ws_private_url": self.ws_private_url, "futures_rest_url": self.futures_rest_url,
                           "futures_ws_public_url": self.futures_ws_public_url,
                           "futures_ws_private_url": self.futures_ws_private_url, "admin_url": self.admin_url,
                           "admin_token": self.admin_token, "api_key": c.api_key,
                           "secret_key": c.secret_key, "memo": c.memo})


class ThreadHandle:
    """A sandbox running on its own event loop in a daemon thread."""

    def __init__(self, sandbox: Sandbox, loop: asyncio.AbstractEventLoop, thread: threading.Thread,
                 stop_event: asyncio.Event) -> None:
        self.sandbox = sandbox
        self.loop = loop
        self.thread = thread
        self._stop_event = stop_event

    def __getattr__(self, name: str) -> Any:
        return getattr(self.sandbox, name)

    def call(self, fn: Any, *args: Any) -> Any:
        """Run `fn(*args)` on the sandbox loop and return its result."""
        async def run() -> Any:
            return fn(*args)
        return asyncio.run_coroutine_threadsafe(run(), self.loop).result()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the server and join the thread."""
        if self.thread.is_alive():
            self.loop.call_soon_threadsafe(self._stop_event.set)
            self.thread.join(timeout)

    def __enter__(self) -> "ThreadHandle":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def run_sandbox_in_thread(config: SandboxConfig | None = None, timeout: float = 30.0) -> ThreadHandle:
    """Start a Sandbox in a background thread; returns once it is listening."""
    sandbox = Sandbox(config)
    ready = threading.Event()
    box: dict[str, Any] = {}

    def runner() -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        stop_event = asyncio.Event()
        box["loop"], box["stop"] = loop, stop_event

        async def main_coro() -> None:
            try:
                await sandbox.start()
            except BaseException as e:  # noqa: BLE001
                box["error"] = e
                ready.set()
                return
            ready.set()
            await stop_event.wait()
            await sandbox.stop()
        try:
            loop.run_until_complete(main_coro())
        finally:
            loop.close()

    thread = threading.Thread(target=runner, name="bitmart-sandbox", daemon=True)
    thread.start()
    if not ready.wait(timeout):
        raise TimeoutError("sandbox did not start")
    if "error" in box:
        raise RuntimeError("sandbox failed to start") from box["error"]
    return ThreadHandle(sandbox, box["loop"], thread, box["stop"])


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="host-spec sandbox", description="BitMart-compatible local spot exchange")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--pairs", type=int, default=20)
    p.add_argument("--agent-rate", type=float, default=5.0)
    p.add_argument("--futures-agent-rate", type=float, default=None,
                   help="futures agent actions/s (default: --agent-rate scaled by 12 contracts / --pairs, at most x1)")
    p.add_argument("--post-only-reject", action="store_true")
    p.add_argument("--no-rate-limits", action="store_true")
    p.add_argument("--rate-limit-scale", type=float, default=1.0)
    p.add_argument("--firehose", type=int, default=0)
    p.add_argument("--fault", action="append", default=[], metavar="NAME=VALUE")
    p.add_argument("--admin-token", default=None)
    return p


def main(argv: list[str] | None = None, on_ready: Callable[[Sandbox], object] | None = None) -> int:
    """CLI: print one JSON ready line, serve until SIGINT/SIGTERM, exit 0.

    `on_ready(sandbox)` runs once the sandbox listens and stops cleanly on a signal, before the ready line.
    """
    args = build_parser().parse_args(argv)
    if not 0 <= args.port <= 65535:
        print(f"error: --port {args.port} is out of range (0-65535; 0 picks a free port)", file=sys.stderr)
        return 2
    cfg = SandboxConfig(host=args.host, port=args.port, seed=args.seed, pairs=args.pairs,
                        agent_rate=args.agent_rate, futures_agent_rate=args.futures_agent_rate,
                        post_only_reject=args.post_only_reject,
                        rate_limits=not args.no_rate_limits, rate_limit_scale=args.rate_limit_scale,
                        firehose=args.firehose, faults=list(args.fault), admin_token=args.admin_token)

    async def serve() -> None:
        sandbox = Sandbox(cfg)
        try:
            await sandbox.start()
        except OSError as exc:  # the port is in use, or the host is not an address of this machine
            reason = os.strerror(exc.errno) if exc.errno else str(exc)
            raise SystemExit(f"error: cannot listen on {cfg.host}:{cfg.port}: {reason}") from None
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop.set)
        if on_ready is not None:
            on_ready(sandbox)
        sys.stdout.write(sandbox.ready_line() + "\n")
        sys.stdout.flush()
        heap = loop.create_task(freeze_survivors())  # this process is the sandbox's own
        try:
            await stop.wait()
        finally:
            heap.cancel()
            await sandbox.stop()

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
