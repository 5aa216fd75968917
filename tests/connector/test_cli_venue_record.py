"""A running `host-spec sandbox` is the default venue for later commands, and only while it runs.

Every process here gets its own HOST_SPEC_HOME, no BITMART_* variables and a working folder with no
`.env`, so nothing touches the user's home and nothing but the record can point a command at a venue.
Hangs are bounded by subprocess timeouts, not by timed assertions.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.e2e


def clean_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BITMART_", "HOST_SPEC_"))}
    return {**env, "HOST_SPEC_HOME": str(home)}


def cli(*args: str, home: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "host_spec.cli", *args], capture_output=True, text=True,
                          env=clean_env(home), cwd=home, timeout=timeout)


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


@pytest.fixture
def sandbox_process(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], dict[str, Any]]]:
    """`host-spec sandbox --port 0` as a user starts it in the background; yields it and its ready line."""
    proc = subprocess.Popen([sys.executable, "-m", "host_spec.cli", "sandbox", "--port", "0", "--seed", "11",
                             "--pairs", "3", "--agent-rate", "0"], stdout=subprocess.PIPE, text=True,
                            env=clean_env(tmp_path), cwd=tmp_path)
    try:
        assert proc.stdout is not None
        yield proc, json.loads(proc.stdout.readline())
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(30)


def assert_live_closed(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 1, result.stdout + result.stderr
    (line,) = lines(result.stderr)
    assert "BitMart live" in line and "closed" in line and "host-spec sandbox" in line, line


def test_orders_across_commands_use_the_running_sandbox_until_it_stops(
        sandbox_process: tuple[subprocess.Popen[str], dict[str, Any]], tmp_path: Path) -> None:
    proc, ready = sandbox_process
    record = tmp_path / "venues" / "bitmart.json"
    assert stat.S_IMODE(record.stat().st_mode) == 0o600
    assert stat.S_IMODE(record.parent.stat().st_mode) == 0o700

    placed = cli("order", "place", "bitmart", "BTC-USDT", "buy", "LIMIT_MAKER", "0.001", "--price", "30000",
                 "--client-id", "recTest1", home=tmp_path)
    assert placed.returncode == 0, placed.stderr
    assert "recTest1" in placed.stdout and "OPEN" in placed.stdout
    (note,) = lines(placed.stderr)
    assert "sandbox" in note and ready["rest_url"] in note and ready["secret_key"] not in note
    listed = cli("order", "list", "bitmart", "BTC-USDT", home=tmp_path)
    assert listed.returncode == 0 and "recTest1" in listed.stdout, listed.stdout + listed.stderr
    cancelled = cli("order", "cancel", "bitmart", "BTC-USDT", "recTest1", home=tmp_path)
    assert cancelled.returncode == 0 and "CANCELED" in cancelled.stdout, cancelled.stdout + cancelled.stderr
    assert len(lines(cancelled.stderr)) == 1
    # --sandbox keeps its meaning: a fresh in-process venue, not the recorded one, and no note about it
    own = cli("order", "list", "bitmart", "BTC-USDT", "--sandbox", home=tmp_path)
    assert own.returncode == 0 and "recTest1" not in own.stdout and ready["rest_url"] not in own.stderr

    proc.send_signal(signal.SIGTERM)
    assert proc.wait(30) == 0
    assert not record.exists()
    assert_live_closed(cli("book", "bitmart", "BTC-USDT", "--updates", "1", home=tmp_path, timeout=30))


def test_a_killed_sandbox_leaves_a_record_that_no_command_trusts(
        sandbox_process: tuple[subprocess.Popen[str], dict[str, Any]], tmp_path: Path) -> None:
    proc, _ = sandbox_process
    proc.kill()  # SIGKILL: no clean-up runs, the record stays behind
    proc.wait(30)
    assert (tmp_path / "venues" / "bitmart.json").exists()
    assert_live_closed(cli("book", "bitmart", "BTC-USDT", "--updates", "1", home=tmp_path, timeout=30))
    assert_live_closed(cli("order", "list", "bitmart", home=tmp_path, timeout=30))


def test_paper_variant_uses_the_running_sandbox_for_its_data(
        sandbox_process: tuple[subprocess.Popen[str], dict[str, Any]], tmp_path: Path) -> None:
    _, ready = sandbox_process
    result = cli("book", "bitmart_paper_trade", "BTC-USDT", "--updates", "1", "--depth", "3", home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "BTC-USDT" in result.stdout and ready["rest_url"] in result.stderr
