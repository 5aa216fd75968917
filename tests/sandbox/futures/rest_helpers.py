"""Helpers for the futures REST server tests: payload captures, shape comparison, trading as a second account."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable

import aiohttp

from bitmart_plugin.sandbox.server import Sandbox
from bitmart_plugin.sandbox.state import Credentials

from ..conftest import Signer

PAYLOADS = Path(__file__).resolve().parents[2] / "data" / "bitmart_futures_payloads"
BTC = "BTCUSDT"


def payload(name: str) -> Any:
    """A capture's ``data`` (the first element when it is a list)."""
    data = json.loads((PAYLOADS / name).read_text())["data"]
    return data[0] if isinstance(data, list) else data


def like(got: dict[str, Any], ref: dict[str, Any], extra: Iterable[str] = ()) -> None:
    """``got`` has exactly the capture's keys (plus ``extra``) and each of its values has the capture's JSON type."""
    assert set(got) == set(ref) | set(extra), (sorted(set(got) ^ (set(ref) | set(extra))))
    for k, v in ref.items():
        if v is not None:
            assert type(got[k]) is type(v), (k, got[k], v)


async def public(http: aiohttp.ClientSession, sb: Sandbox, path: str, **params: Any
                 ) -> tuple[int, dict[str, str], Any]:
    async with http.get(sb.rest_url + path, params={k: str(v) for k, v in params.items()}) as r:
        return r.status, dict(r.headers), await r.json(content_type=None)


def second_account(sb: Sandbox, usdt: str = "1000000") -> Credentials:
    return sb.add_account("b" * 40, "c" * 64, "memo2", balances={"USDT": usdt})


async def as_other(signer: Signer, cred: Credentials, path: str, body: dict[str, Any]) -> tuple[int, dict, Any]:
    """A SIGNED POST by another account."""
    return await signer.post(path, body, key=cred.api_key, secret=cred.secret_key, memo=cred.memo)


def ok(resp: tuple[int, dict, Any]) -> Any:
    """The ``data`` of a successful reply (fails with the body otherwise)."""
    status, _, body = resp
    assert status == 200 and body["code"] == 1000 and body["message"] == "Ok", body
    return body.get("data")


def err(resp: tuple[int, dict, Any], code: int, status: int = 400) -> str:
    """Check an error reply (futures business errors carry no ``data``); returns its message."""
    st, _, body = resp
    assert (st, body["code"]) == (status, code), body
    if 40000 <= code < 50000:
        assert set(body) == {"code", "message", "trace"}, body
    return str(body["message"])
