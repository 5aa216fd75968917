"""`bitmart_perpetual` from the command line, as a user runs it: listed with its capabilities, and the generic
commands work on it against a running `host-spec sandbox` (found through its venue record) or `--sandbox`,
refusals are one clear line, never a traceback. (Perpetual commands proper are a later task.)
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ..test_cli_venue_record import clean_env, cli, lines

pytestmark = pytest.mark.e2e


@pytest.fixture
def recorded_sandbox(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """`host-spec sandbox` in the background; later commands in `tmp_path` find it through its record."""
    proc = subprocess.Popen([sys.executable, "-m", "host_spec.cli", "sandbox", "--port", "0", "--seed", "3",
                             "--pairs", "3", "--agent-rate", "0"], stdout=subprocess.PIPE, text=True,
                            env=clean_env(tmp_path), cwd=tmp_path)
    try:
        assert proc.stdout is not None
        yield json.loads(proc.stdout.readline())
    finally:
        proc.kill()
        proc.wait(30)


def test_connectors_lists_the_perpetual_connector(tmp_path: Path) -> None:
    result = cli("connectors", "--json", home=tmp_path)
    assert result.returncode == 0, result.stderr
    perp = next(c for c in json.loads(result.stdout) if c["id"] == "bitmart_perpetual")
    assert perp["instrument"] == "perpetual" and perp["paper_trade"] == "bitmart_perpetual_paper_trade"
    assert {"positions", "position_mode", "leverage", "funding", "trading", "user_stream"} <= set(perp["capabilities"])
    assert perp["credentials"] == ["api_key", "secret_key", "memo"] and perp["components"]["perp connector"] is True
    assert "futures_rest_url" in perp["options"]


def test_generic_commands_work_on_the_recorded_sandbox(recorded_sandbox: dict[str, Any], tmp_path: Path) -> None:
    book = cli("book", "bitmart_perpetual", "BTC-USDT", "--updates", "1", "--json", home=tmp_path)
    assert book.returncode == 0, book.stderr
    view = json.loads(lines(book.stdout)[0])
    assert view["pair"] == "BTC-USDT" and view["bids"] and view["asks"]
    assert f"using the sandbox running at {recorded_sandbox['futures_rest_url']}" in book.stderr
    balance = cli("balance", "bitmart_perpetual", "--json", home=tmp_path)
    assert balance.returncode == 0, balance.stderr
    assert json.loads(balance.stdout)["USDT"]["available"] == "1000000"


@pytest.mark.parametrize(("args", "says"), [
    (("order", "place", "bitmart_perpetual", "BTC-USDT", "buy", "LIMIT", "0.0015", "--price", "50000"),
     "not a whole number of contracts"),
    (("order", "place", "bitmart_perpetual", "BTC-USDT", "buy", "LIMIT", "0.001", "--price", "50000"),
     "hedge mode"),
    (("book", "bitmart_perpetual", "BTC-USDC", "--updates", "1"), "did you mean BTC-USDT"),
])
def test_refusals_are_one_clear_line(args: tuple[str, ...], says: str, tmp_path: Path) -> None:
    result = cli(*args, "--sandbox", home=tmp_path)
    assert result.returncode != 0 and "Traceback" not in result.stderr, result.stderr
    assert says in result.stderr


def test_without_a_venue_it_names_the_futures_settings(tmp_path: Path) -> None:
    result = cli("balance", "bitmart_perpetual", home=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "BITMART_FUTURES_REST_URL" in result.stderr and "host-spec sandbox" in result.stderr
