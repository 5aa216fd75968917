"""The trading CLI as a user runs it, against a sandbox on loopback: connect, balance, orders, errors."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bitmart_plugin.sandbox.config import SandboxConfig
from bitmart_plugin.sandbox.server import run_sandbox_in_thread

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Any]:
    handle = run_sandbox_in_thread(SandboxConfig(seed=5, pairs=3, agent_rate=0))
    yield handle
    handle.stop()


def cli(*args: str, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "host_spec.cli", *args], input=stdin, capture_output=True,
                          text=True, env={**os.environ, **env}, timeout=90)


def venue_env(sb: Any, home: Path, **creds: str) -> dict[str, str]:
    env = {"HOST_SPEC_HOME": str(home), "BITMART_REST_URL": sb.rest_url, "BITMART_WS_PUBLIC_URL": sb.ws_public_url,
           "BITMART_WS_PRIVATE_URL": sb.ws_private_url}
    env.update({f"BITMART_{k.upper()}": v for k, v in creds.items()})
    return env


def test_connect_prompts_checks_and_stores_without_echoing(sandbox: Any, tmp_path: Path) -> None:
    c = sandbox.credentials
    result = cli("connect", "bitmart", env=venue_env(sandbox, tmp_path),
                 stdin=f"{c.api_key}\n{c.secret_key}\n{c.memo}\n")
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    for prompt in ("Enter your bitmart API key >>>", "Enter your bitmart secret key >>>", "Enter your bitmart memo >>>"):
        assert prompt in out
    assert "You are now connected to bitmart" in result.stdout
    assert c.secret_key not in out and c.api_key not in out
    stored = tmp_path / "credentials" / "bitmart.json"
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    # later commands use the stored keys
    balance = cli("balance", "bitmart", "--json", env=venue_env(sandbox, tmp_path))
    assert balance.returncode == 0, balance.stderr
    assert "USDT" in json.loads(balance.stdout)


def test_wrong_memo_is_a_clear_error_naming_the_memo(sandbox: Any, tmp_path: Path) -> None:
    c = sandbox.credentials
    result = cli("connect", "bitmart", env=venue_env(sandbox, tmp_path),
                 stdin=f"{c.api_key}\n{c.secret_key}\nnot-the-memo\n")
    assert result.returncode == 1
    assert "memo" in result.stderr.lower() and "Traceback" not in result.stderr
    assert "You are now connected" not in result.stdout
    assert not (tmp_path / "credentials" / "bitmart.json").exists()
    assert c.secret_key not in result.stdout + result.stderr


def test_order_place_list_cancel_and_rule_errors(sandbox: Any, tmp_path: Path) -> None:
    c = sandbox.credentials
    env = venue_env(sandbox, tmp_path, api_key=c.api_key, secret_key=c.secret_key, memo=c.memo)
    placed = cli("order", "place", "bitmart", "BTC-USDT", "buy", "LIMIT_MAKER", "0.001", "--price", "30000",
                 "--client-id", "cliTest1", env=env)
    assert placed.returncode == 0, placed.stderr
    assert "cliTest1" in placed.stdout and "OPEN" in placed.stdout
    listed = cli("order", "list", "bitmart", "BTC-USDT", env=env)
    assert "cliTest1" in listed.stdout
    cancelled = cli("order", "cancel", "bitmart", "BTC-USDT", "cliTest1", env=env)
    assert cancelled.returncode == 0 and "CANCELED" in cancelled.stdout, cancelled.stdout + cancelled.stderr
    off_tick = cli("order", "place", "bitmart", "BTC-USDT", "buy", "LIMIT", "0.001", "--price", "30000.005", env=env)
    assert off_tick.returncode == 1 and "price tick 0.01" in off_tick.stderr and "Traceback" not in off_tick.stderr
    tiny = cli("order", "place", "bitmart", "BTC-USDT", "buy", "LIMIT", "0.00001", "--price", "30000", env=env)
    assert tiny.returncode == 1 and "minimum" in tiny.stderr
    bad_pair = cli("order", "place", "bitmart", "BTC-USDX", "buy", "LIMIT", "1", "--price", "1", env=env)
    assert bad_pair.returncode == 1 and "not listed by BitMart; did you mean BTC-USDT" in bad_pair.stderr
    ids = [o.client_order_id for o in sandbox.call(sandbox.exchange.all_orders)]
    assert ids.count("cliTest1") == 1, "the order must reach the venue exactly once"


def test_paper_variant_takes_session_options_and_names_a_bad_one(tmp_path: Path) -> None:
    env = {"HOST_SPEC_HOME": str(tmp_path)}
    base = ("order", "place", "bitmart_paper_trade", "BTC-USDT", "buy", "LIMIT", "0.001", "--price", "90000", "--sandbox")
    bad = cli(*base, "-o", "queue_model=nonsense", env=env)
    assert bad.returncode == 1 and "queue_model" in bad.stdout + bad.stderr and "Traceback" not in bad.stderr
    malformed = cli(*base, "-o", "queue_model", env=env)
    assert malformed.returncode == 2 and "expected KEY=VALUE" in malformed.stderr
    ok = cli(*base, "-o", "bounds=yes", "-o", "queue_model=back", "-o", "entry_latency_ms=5", env=env)
    assert ok.returncode == 0 and "FILLED" in ok.stdout, ok.stdout + ok.stderr


def test_market_order_waits_for_its_fills_and_prints_the_average_price(sandbox: Any, tmp_path: Path) -> None:
    c = sandbox.credentials
    env = venue_env(sandbox, tmp_path, api_key=c.api_key, secret_key=c.secret_key, memo=c.memo)
    placed = cli("order", "place", "bitmart", "BTC-USDT", "buy", "MARKET", "--quote-amount", "100",
                 "--client-id", "cliMarket1", env=env)
    assert placed.returncode == 0, placed.stderr
    first, *rest = [line.strip() for line in placed.stdout.splitlines() if line.strip()]
    assert "cliMarket1" in first and "FILLED" in first, placed.stdout
    fills = [line.split() for line in rest if line.startswith("fill ")]  # fill AMOUNT @ PRICE ...
    assert fills, placed.stdout
    amounts, prices = [Decimal(f[1]) for f in fills], [Decimal(f[3]) for f in fills]
    assert Decimal(first.split("filled ")[1].split()[0]) == sum(amounts), placed.stdout
    (average,) = [line for line in rest if line.startswith("average price ")]
    assert min(prices) <= Decimal(average.split()[2]) <= max(prices), placed.stdout
