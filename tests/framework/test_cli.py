"""The `host-spec` listing commands as a user runs them: subprocesses, JSON, environment switches."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from host_spec.credentials import CredentialStore
from host_spec.models import ConnectorInfo, CredentialField, OrderType


def run(*args: str, env: dict[str, str] | None = None, extra_path: Path | None = None) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, **(env or {})}
    if extra_path is not None:
        full["PYTHONPATH"] = os.pathsep.join([str(extra_path), full.get("PYTHONPATH", "")])
    return subprocess.run([sys.executable, "-m", "host_spec.cli", *args], capture_output=True, text=True, env=full,
                          timeout=60)


def test_connectors_json_has_the_documented_fields() -> None:
    result = run("connectors", "--json")
    assert result.returncode == 0, result.stderr
    bitmart = next(c for c in json.loads(result.stdout) if c["id"] == "bitmart")
    assert bitmart["exchange_type"] == "CEX" and bitmart["market_type"] == "CLOB"
    assert bitmart["instrument"] == "spot"
    assert bitmart["connection_type"] == "WebSocket"
    assert {"LIMIT", "LIMIT_MAKER"} <= set(bitmart["order_types"])
    assert set(bitmart["components"]) == {"spot connector", "perp connector", "spot candles feed", "perp candles feed"}
    assert all(isinstance(v, bool) for v in bitmart["components"].values())
    assert bitmart["paper_trade"] == "bitmart_paper_trade"
    assert bitmart["credentials"] == ["api_key", "secret_key", "memo"]


def test_plugins_json_lists_bitmart_with_its_hooks() -> None:
    result = run("plugins", "--json")
    assert result.returncode == 0, result.stderr
    bitmart = next(p for p in json.loads(result.stdout) if p["name"] == "bitmart")
    assert bitmart["status"] == "loaded" and "place_order" in bitmart["hooks"]


@pytest.mark.parametrize("command", ["plugins", "connectors"])
def test_listing_imports_no_network_library(command: str) -> None:
    code = (f"import sys, io, contextlib\nfrom host_spec.cli.main import main\n"
            f"with contextlib.redirect_stdout(io.StringIO()): main(['{command}', '--json'])\n"
            "print(sorted(m for m in ('ccxt', 'websockets', 'aiohttp') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "[]", result.stdout + result.stderr


def test_disable_removes_bitmart_from_both_commands() -> None:
    env = {"HOST_SPEC_DISABLE_PLUGINS": "bitmart"}
    assert all(c["id"] != "bitmart" for c in json.loads(run("connectors", "--json", env=env).stdout))
    plugins = {p["name"]: p["status"] for p in json.loads(run("plugins", "--json", env=env).stdout)}
    assert plugins["bitmart"] == "blocked"


def test_broken_third_party_plugin_is_one_line(plugin_path: Path) -> None:
    result = run("connectors", extra_path=plugin_path)
    assert result.returncode == 0
    assert "fakex" in result.stdout and "bitmart" in result.stdout
    assert len([line for line in result.stderr.splitlines() if line.strip()]) == 1
    assert "plugin 'broken'" in result.stderr and "Traceback" not in result.stderr


def test_plugin_commands_are_added(plugin_path: Path) -> None:
    result = run("fakex-hello", extra_path=plugin_path)
    assert result.stdout.strip() == "hello from fakex"


def test_bad_pair_and_unknown_connector_are_clear_errors() -> None:
    result = run("book", "bitmart", "BTCUSDT")
    assert result.returncode == 2 and "expected BASE-QUOTE" in result.stderr and "Traceback" not in result.stderr
    result = run("balance", "bitmrt")
    assert result.returncode == 1 and "did you mean bitmart" in result.stderr


def test_bad_settings_are_one_clear_line() -> None:
    result = run("balance", "bitmart", env={"BITMART_MEMO": " ", "BITMART_API_KEY": "k", "BITMART_SECRET_KEY": "s"})
    assert result.returncode == 1, result.stderr
    assert "BITMART_MEMO is empty" in result.stderr and "Traceback" not in result.stderr


def test_credential_store_is_owner_only_and_env_wins(tmp_path: Path) -> None:
    from pydantic import SecretStr

    info = ConnectorInfo("x", "x", "X", "CEX", "CLOB", "WebSocket", (OrderType.LIMIT,),
                         credentials=(CredentialField("api_key", "?", env_var="X_API_KEY"),
                                      CredentialField("memo", "?", env_var="X_MEMO")))
    store = CredentialStore(home=tmp_path, env={})
    path = store.save("x", {"api_key": SecretStr("stored-key"), "memo": SecretStr("stored-memo")})
    assert oct(path.stat().st_mode & 0o777) == "0o600" and oct(path.parent.stat().st_mode & 0o777) == "0o700"
    assert store.load(info)["api_key"].get_secret_value() == "stored-key"
    env_store = CredentialStore(home=tmp_path, env={"X_API_KEY": "env-key"})
    loaded = env_store.load(info)
    assert loaded["api_key"].get_secret_value() == "env-key" and loaded["memo"].get_secret_value() == "stored-memo"


def test_connectors_sharing_credentials_read_and_write_one_file(tmp_path: Path) -> None:
    from pydantic import SecretStr

    fields = (CredentialField("api_key", "?", env_var="X_API_KEY"),)
    spot = ConnectorInfo("x", "x", "X", "CEX", "CLOB", "WebSocket", (OrderType.LIMIT,), credentials=fields)
    perp = ConnectorInfo("x_perp", "x", "X perp", "CEX", "CLOB", "WebSocket", (OrderType.LIMIT,), credentials=fields,
                         shares_credentials_with="x")
    store = CredentialStore(home=tmp_path, env={})
    assert store.path(perp) == store.path(spot) == store.path("x") and perp.credentials_key == "x"
    store.save(spot, {"api_key": SecretStr("one-key")})
    assert store.load(perp)["api_key"].get_secret_value() == "one-key"
    store.save(perp, {"api_key": SecretStr("new-key")})  # `connect x_perp` updates the same account's keys
    assert store.load(spot)["api_key"].get_secret_value() == "new-key"
    assert perp.to_json()["shares_credentials_with"] == "x" and spot.to_json()["shares_credentials_with"] is None
    assert store.forget(perp) and not store.path(spot).exists()


def test_version_and_python_dash_m_host_spec() -> None:
    from importlib.metadata import version

    expected = f"host-spec {version('host-spec')}"
    assert run("--version").stdout.strip() == expected
    module = subprocess.run([sys.executable, "-m", "host_spec", "--version"], capture_output=True, text=True,
                            timeout=60)
    assert module.returncode == 0 and module.stdout.strip() == expected, module.stderr
    listing = subprocess.run([sys.executable, "-m", "host_spec", "connectors", "--json"], capture_output=True,
                             text=True, timeout=60)
    assert any(c["id"] == "bitmart" for c in json.loads(listing.stdout))


def test_verbose_flags_and_host_spec_log_configure_logging_only_in_the_cli() -> None:
    quiet = run("connectors", env={"HOST_SPEC_LOG": ""})
    assert quiet.returncode == 0 and quiet.stderr == ""
    info = run("-v", "connectors")
    assert info.returncode == 0 and " INFO " in info.stderr and " DEBUG " not in info.stderr, info.stderr
    for debug in (run("-vv", "connectors"), run("connectors", env={"HOST_SPEC_LOG": "debug"})):
        assert debug.returncode == 0 and " DEBUG " in debug.stderr, debug.stderr
    bad = run("connectors", env={"HOST_SPEC_LOG": "chatty"})
    assert bad.returncode == 2 and "HOST_SPEC_LOG" in bad.stderr and "Traceback" not in bad.stderr
    code = ("import logging, host_spec, host_spec.cli.main, bitmart_plugin.plugin\n"
            "print(logging.getLogger().handlers, logging.getLogger().level)")
    imported = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert imported.stdout.strip() == "[] 30", imported.stdout + imported.stderr
