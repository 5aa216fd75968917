"""Loopback-only admin API (header `X-Admin-Token: <token>`; JSON in and out).

* ``GET  /admin/book?symbol=BTC_USDT``   true full book: aggregated levels and the per-order queue
                                         (order ids in time priority) of every price.
* ``GET  /admin/orders[?account=..&symbol=..&open=true]``  every order, agents' included.
* ``GET  /admin/balances?account=..``    balances {ccy: {available, frozen}} (default account if omitted).
* ``GET  /admin/faults`` / ``POST /admin/faults {"NAME": VALUE, ...}``  see faults.py for names.
* ``POST /admin/agents {"rate": R}``     agent actions per second (answers the actions performed and the spot
                                         depth versions made so far); ``POST /admin/agents/pause``,
                                         ``POST /admin/agents/resume``; ``POST /admin/agents/step {"n": N}``.
* ``POST /admin/accounts {"api_key","secret_key","memo","balances":{ccy: amount}}`` create a funded
                                         account (key/secret generated when omitted; an existing key: 409).
* ``GET  /admin/connections``            open WebSocket connections and their topics.
* ``POST /admin/ratelimits/reset``       forget rate-limit windows and bans.
* ``/admin/futures/...``                 the futures venue (fund, prices, funding, settle, liquidate,
                                         position-mode, book, positions, orders, ledger): futures/admin.py.
                                         A refusal by the venue answers 409 ``{"error", "code"}``.
"""

from __future__ import annotations

import ipaddress
import json
import secrets
from typing import TYPE_CHECKING, Any, Awaitable, Callable

from aiohttp import web

from .core.errors import ExchangeError
from .futures import admin as futures_admin
from .futures.admin_views import AdminCall
from .spot.formatting import plain

if TYPE_CHECKING:  # pragma: no cover
    from .server import Sandbox

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _json(data: Any, status: int = 200) -> web.Response:
    return web.Response(text=json.dumps(data, default=str), status=status, content_type="application/json")


class Admin:
    """Admin routes bound to one Sandbox."""

    def __init__(self, sandbox: "Sandbox") -> None:
        self.sb = sandbox

    def register(self, app: web.Application) -> None:
        """Add the /admin routes to the application."""
        r = app.router
        r.add_get("/admin/book", self._guard(self.book))
        r.add_get("/admin/orders", self._guard(self.orders))
        r.add_get("/admin/balances", self._guard(self.balances))
        r.add_get("/admin/faults", self._guard(self.get_faults))
        r.add_post("/admin/faults", self._guard(self.set_faults))
        r.add_post("/admin/agents", self._guard(self.agents))
        r.add_post("/admin/agents/pause", self._guard(self.pause))
        r.add_post("/admin/agents/resume", self._guard(self.resume))
        r.add_post("/admin/agents/step", self._guard(self.step))
        r.add_post("/admin/accounts", self._guard(self.accounts))
        r.add_get("/admin/connections", self._guard(self.connections))
        r.add_post("/admin/ratelimits/reset", self._guard(self.reset_limits))
        for method, path, route in futures_admin.ROUTES:
            r.add_route(method, "/admin/futures/" + path, self._guard(self._futures(route)))

    def _guard(self, fn: Handler) -> Handler:
        async def wrapped(request: web.Request) -> web.StreamResponse:
            try:
                if not ipaddress.ip_address(request.remote or "0.0.0.0").is_loopback:
                    return _json({"error": "loopback only"}, 403)
            except ValueError:
                return _json({"error": "loopback only"}, 403)
            token = request.headers.get("X-Admin-Token", "").encode("utf-8", "surrogateescape")
            if not secrets.compare_digest(token, self.sb.admin_token.encode()):
                return _json({"error": "bad admin token"}, 401)
            try:
                return await fn(request)
            except (ValueError, KeyError, TypeError) as e:
                return _json({"error": str(e)}, 400)
            except ExchangeError as e:
                return _json({"error": e.message, "code": e.code}, 409)
        return wrapped

    def _futures(self, route: futures_admin.Route) -> Handler:
        async def handler(request: web.Request) -> web.StreamResponse:
            body = await self._body(request) if request.method == "POST" else {}
            venue = self.sb.state.futures
            assert venue is not None, "the Sandbox builds its futures venue on start"
            return _json(route(venue, AdminCall(request.query, body, self.sb.credentials.account_id)))
        return handler

    async def _body(self, request: web.Request) -> dict[str, Any]:
        raw = await request.read()
        if not raw.strip():
            return {}
        try:
            data = json.loads(raw)
        except RecursionError:
            raise ValueError("JSON body nests too deeply") from None
        if not isinstance(data, dict):
            raise ValueError("JSON object expected")
        return data

    async def book(self, request: web.Request) -> web.StreamResponse:
        sym = request.query.get("symbol", "BTC_USDT")
        ex = self.sb.exchange
        if sym not in ex.rules:
            raise ValueError(f"unknown symbol {sym}")
        ex.depth(sym, 1)  # materialise
        book = ex.engine.books[sym]
        out: dict[str, Any] = {"symbol": sym, "time_ms": ex.now_ms()}
        for name in ("bids", "asks"):
            out[name] = [{"price": plain(price), "size": plain(total),
                          "orders": [{"order_id": o.order_id, "account": o.account_id,
                                      "remaining": plain(o.remaining)} for o in queue]}
                         for price, total, queue in getattr(book, name).queues()]
        return _json(out)

    async def orders(self, request: web.Request) -> web.StreamResponse:
        acct = request.query.get("account")
        sym = request.query.get("symbol")
        only_open = request.query.get("open", "").lower() == "true"
        rows = []
        for o in self.sb.exchange.all_orders():
            if (acct and o.account_id != acct) or (sym and o.symbol != sym) or (only_open and not o.is_open):
                continue
            rows.append({"order_id": o.order_id, "client_order_id": o.client_order_id, "account": o.account_id,
                         "symbol": o.symbol, "side": o.side, "type": o.type,
                         "price": plain(o.price) if o.price is not None else None,
                         "size": plain(o.size) if o.size is not None else None,
                         "notional": plain(o.notional) if o.notional is not None else None,
                         "filled_size": plain(o.filled_size), "filled_notional": plain(o.filled_notional),
                         "state": o.state, "cancel_source": o.cancel_source,
                         "create_time_ms": o.create_time_ms, "update_time_ms": o.update_time_ms})
        return _json({"orders": rows})

    async def balances(self, request: web.Request) -> web.StreamResponse:
        acct = request.query.get("account", self.sb.credentials.account_id)
        bal = self.sb.exchange.balances(acct)
        return _json({"account": acct, "balances": {c: {"available": plain(a), "frozen": plain(f)}
                                                     for c, (a, f) in sorted(bal.items())}})

    async def get_faults(self, request: web.Request) -> web.StreamResponse:
        return _json(self.sb.state.faults.view())

    async def set_faults(self, request: web.Request) -> web.StreamResponse:
        body = await self._body(request)
        for name, value in body.items():
            self.sb.state.faults.set(name, value)
        return _json(self.sb.state.faults.view())

    async def agents(self, request: web.Request) -> web.StreamResponse:
        body = await self._body(request)
        if "rate" in body:
            self.sb.agent_rate = float(body["rate"])
        return _json(self._agents_view())

    async def pause(self, request: web.Request) -> web.StreamResponse:
        self.sb.agents_paused = True
        return _json(self._agents_view())

    async def resume(self, request: web.Request) -> web.StreamResponse:
        self.sb.agents_paused = False
        return _json(self._agents_view())

    async def step(self, request: web.Request) -> web.StreamResponse:
        body = await self._body(request)
        self.sb.exchange.step_agents(int(body.get("n", 1)))
        return _json(self._agents_view())

    def _agents_view(self) -> dict[str, Any]:
        ws = self.sb.public_ws
        versions = sum(f.version for f in ws.depth.feeds.values()) if ws is not None else 0
        return {"rate": self.sb.agent_rate, "paused": self.sb.agents_paused,
                "actions": self.sb.agent_actions, "futures_actions": self.sb.futures_agent_actions,
                "depth_versions": versions}

    async def accounts(self, request: web.Request) -> web.StreamResponse:
        body = await self._body(request)
        key = str(body.get("api_key") or secrets.token_hex(20))
        if key in self.sb.state.keys:
            return _json({"error": "an account with this api_key exists"}, 409)
        secret = str(body.get("secret_key") or secrets.token_hex(32))
        memo = str(body.get("memo") or "sandbox")
        cred = self.sb.add_account(key, secret, memo, body.get("balances") or {},
                                   account_id=body.get("account_id"))
        return _json({"api_key": cred.api_key, "secret_key": cred.secret_key, "memo": cred.memo,
                      "account": cred.account_id})

    async def connections(self, request: web.Request) -> web.StreamResponse:
        out = []
        fws = self.sb.futures_ws
        for hub in (self.sb.public_ws, self.sb.private_ws, fws and fws.public, fws and fws.private):
            if hub is not None:
                out.extend(c.info() for c in hub.topics.conns)
        return _json({"connections": out})

    async def reset_limits(self, request: web.Request) -> web.StreamResponse:
        self.sb.state.limiter.reset()
        return _json({"ok": True})
