"""CLI ready line and clean exit, thread helper, firehose stream."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request

import aiohttp

from bitmart_plugin.sandbox.spot.firehose import generate_depth_stream
from bitmart_plugin.sandbox.server import Sandbox, run_sandbox_in_thread

from .conftest import make_config, recv_json


def test_cli_ready_line_and_sigterm() -> None:
    code = "import sys; from bitmart_plugin.sandbox.server import main; sys.exit(main(sys.argv[1:]))"
    p = subprocess.Popen([sys.executable, "-c", code, "--pairs", "2", "--agent-rate", "0", "--fault", "http_5xx=1"],
                         stdout=subprocess.PIPE, text=True, cwd=os.getcwd())
    try:
        assert p.stdout is not None
        ready = json.loads(p.stdout.readline())
        assert set(ready) == {"rest_url", "ws_public_url", "ws_private_url", "admin_url", "admin_token",
                              "api_key", "secret_key", "memo", "futures_rest_url", "futures_ws_public_url",
                              "futures_ws_private_url"}
        assert ready["rest_url"].startswith("http://127.0.0.1:") and ready["ws_public_url"].endswith("/api?protocol=1.1")
        assert ready["futures_rest_url"] == ready["rest_url"]
        assert ready["futures_ws_public_url"] == ready["ws_public_url"].replace("/api?", "/futures/api?")
        assert ready["futures_ws_private_url"] == ready["ws_private_url"].replace("/user?", "/futures/user?")
        try:
            urllib.request.urlopen(ready["rest_url"] + "/system/time", timeout=5)
            raise AssertionError("fault not applied")
        except urllib.error.HTTPError as e:
            assert e.code == 503
        with urllib.request.urlopen(ready["rest_url"] + "/system/time", timeout=5) as r:
            assert json.loads(r.read())["code"] == 1000
        p.send_signal(signal.SIGTERM)
        assert p.wait(10) == 0
    finally:
        if p.poll() is None:
            p.kill()


def test_thread_helper() -> None:
    h = run_sandbox_in_thread(make_config(pairs=2))
    try:
        with urllib.request.urlopen(h.rest_url + "/spot/v1/symbols", timeout=5) as r:
            assert "BTC_USDT" in json.loads(r.read())["data"]["symbols"]
    finally:
        h.stop()
    assert not h.thread.is_alive()


def test_generate_depth_stream_deterministic() -> None:
    a = generate_depth_stream(50, seed=3)
    assert a == generate_depth_stream(50, seed=3) and a != generate_depth_stream(50, seed=4)
    assert a[0]["data"][0]["type"] == "snapshot" and len(a[0]["data"][0]["bids"]) == 100
    book = {"bids": {}, "asks": {}}
    for i, p in enumerate(a):
        d = p["data"][0]
        assert d["version"] == i + 1
        if i:
            assert len(d["bids"]) + len(d["asks"]) == 20
        for side in ("bids", "asks"):
            for px, sz in d[side]:
                if sz == "0":
                    book[side].pop(px)
                else:
                    book[side][px] = sz
        assert len(book["bids"]) == 100 and len(book["asks"]) == 100


async def test_firehose_push() -> None:
    async with Sandbox(make_config(pairs=2, firehose=200)) as sb, aiohttp.ClientSession() as http:
        async with http.ws_connect(sb.ws_public_url) as ws:
            await ws.send_str(json.dumps({"op": "subscribe", "args": ["spot/depth/increase100:BTC_USDT"]}))
            assert (await recv_json(ws))["event"] == "subscribe"
            got = [await recv_json(ws) for _ in range(201)]
        assert got == generate_depth_stream(200, seed=sb.config.seed)
