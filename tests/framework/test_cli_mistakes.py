"""A user's mistakes at the `host-spec` CLI: one clear line on stderr, a non-zero status, never a traceback.

Subprocesses as a user runs them; HOST_SPEC_HOME is a temporary folder. `--sandbox` starts the venue in-process.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from host_spec.models import TradingPair

SANDBOX = ("--sandbox", "--sandbox-pairs", "3")


def cli(*args: str, home: Path, stdin: str = "", cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOST_SPEC_HOME": str(home)}
    for name in ("BITMART_REST_URL", "BITMART_WS_PUBLIC_URL", "BITMART_WS_PRIVATE_URL", "HOST_SPEC_DEBUG"):
        env.pop(name, None)
    return subprocess.run([sys.executable, "-m", "host_spec.cli", *args], input=stdin, capture_output=True,
                          text=True, env=env, timeout=90, cwd=cwd)


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    """Assert the run failed with exactly one line on stderr and no traceback; return that line."""
    both = result.stdout + result.stderr
    assert result.returncode != 0, both
    assert "Traceback" not in both, both
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


# ---- 10.11: no traceback for a user mistake -----------------------------------------------------------


def test_eof_at_a_connect_prompt_is_one_line(tmp_path: Path) -> None:
    line = one_error_line(cli("connect", "bitmart", home=tmp_path, stdin=""))
    assert "api key" in line.lower() and "input ended" in line
    assert not (tmp_path / "credentials").exists()


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield s.getsockname()[1]


def test_sandbox_port_in_use_or_out_of_range_is_one_line(tmp_path: Path, busy_port: int) -> None:
    line = one_error_line(cli("sandbox", "--port", str(busy_port), home=tmp_path))
    assert str(busy_port) in line and "in use" in line
    for port in ("70000", "-5"):
        line = one_error_line(cli("sandbox", "--port", port, home=tmp_path))
        assert port in line and "0-65535" in line


@pytest.mark.parametrize("flag", ["--csv", "--plot"])
def test_output_folder_that_does_not_exist_is_refused_before_the_backfill(tmp_path: Path, flag: str) -> None:
    target = tmp_path / "no-such-folder" / ("out.csv" if flag == "--csv" else "out.png")
    line = one_error_line(cli("candles", "bitmart", "BTC-USDT", "1m", flag, str(target), *SANDBOX, home=tmp_path))
    assert str(target.parent) in line and "does not exist" in line
    assert not target.parent.exists()


def test_no_empty_csv_is_left_behind_when_the_backfill_fails(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    result = cli("candles", "bitmart", "BTC-USDX", "1m", "--csv", str(out), *SANDBOX, home=tmp_path)
    one_error_line(result)
    assert not out.exists()


def test_demo_with_an_unknown_pair_or_a_missing_chart_folder_is_one_line(tmp_path: Path) -> None:
    line = one_error_line(cli("demo", "--pair", "BTC-USDX", "--seconds", "0.2", "--chart", str(tmp_path / "c.png"),
                              home=tmp_path, cwd=tmp_path))
    assert "BTC-USDX" in line and "did you mean BTC-USDT" in line
    line = one_error_line(cli("demo", "--chart", str(tmp_path / "nope" / "c.png"), home=tmp_path, cwd=tmp_path))
    assert "does not exist" in line


def test_a_paper_db_that_is_not_one_is_one_line(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.txt"
    bogus.write_text("hello, not a database\n")
    line = one_error_line(cli("balance", "bitmart_paper_trade", "--paper-db", str(bogus), *SANDBOX, home=tmp_path))
    assert "notes.txt" in line
    assert bogus.read_text() == "hello, not a database\n"


def test_unknown_session_option_is_an_error_with_a_suggestion(tmp_path: Path) -> None:
    result = cli("balance", "bitmart_paper_trade", "-o", "queue_modle=back", *SANDBOX, home=tmp_path)
    line = one_error_line(result)
    assert "queue_modle" in line and "did you mean queue_model" in line


@pytest.mark.parametrize("flag", [("--balance", "USDT=5"), ("--paper-db", "x.db")])
def test_paper_only_flags_on_a_live_connector_are_errors(tmp_path: Path, flag: tuple[str, str]) -> None:
    for command in (("balance", "bitmart", *SANDBOX), ("connect", "bitmart")):
        line = one_error_line(cli(*command, *flag, home=tmp_path, cwd=tmp_path))
        assert flag[0] in line and "bitmart_paper_trade" in line
    assert not (tmp_path / "x.db").exists()


def test_a_paper_option_on_the_live_connector_is_unknown_there(tmp_path: Path) -> None:
    line = one_error_line(cli("balance", "bitmart", "-o", "queue_model=back", *SANDBOX, home=tmp_path))
    assert "queue_model" in line and "unknown option of bitmart" in line and "conflate_books" in line


@pytest.mark.e2e
def test_the_live_connector_takes_its_own_declared_options(tmp_path: Path) -> None:
    result = cli("book", "bitmart", "BTC-USDT", "--updates", "1", "-o", "conflate_books=yes", *SANDBOX, home=tmp_path)
    assert result.returncode == 0, result.stderr
    line = one_error_line(cli("book", "bitmart", "BTC-USDT", "--updates", "1", "-o", "conflate_books=maybe",
                              *SANDBOX, home=tmp_path))
    assert "conflate_books" in line and "'maybe' is not true or false" in line


# ---- 10.12: one wording for an unknown pair; BTC/USDT and btc_usdt are accepted --------------------------

UNKNOWN = {
    "book": ("book", "bitmart", "BTC-USDX", "--updates", "1"),
    "trades": ("trades", "bitmart", "BTC-USDX", "--count", "1"),
    "candles": ("candles", "bitmart", "BTC-USDX", "1m"),
    "order place": ("order", "place", "bitmart", "BTC-USDX", "buy", "LIMIT", "1", "--price", "1"),
    "order cancel": ("order", "cancel", "bitmart", "BTC-USDX", "someid"),
    "order list": ("order", "list", "bitmart", "BTC-USDX"),
}


@pytest.mark.e2e
def test_unknown_pair_has_one_wording_with_a_suggestion_everywhere(tmp_path: Path) -> None:
    lines = {name: one_error_line(cli(*args, *SANDBOX, home=tmp_path)) for name, args in UNKNOWN.items()}
    wording = "error: bitmart: BTC-USDX is not listed by BitMart; did you mean BTC-USDT"
    assert all(line.startswith(wording) for line in lines.values()), lines
    assert len(set(lines.values())) == 1, lines


def test_pair_parsing_accepts_slash_and_underscore_in_any_case() -> None:
    expected = TradingPair("BTC", "USDT")
    for text in ("BTC-USDT", "btc-usdt", "BTC/USDT", "btc/usdt", "BTC_USDT", "Btc_Usdt", " btc_usdt "):
        assert TradingPair.parse(text) == expected, text
    for bad in ("BTCUSDT", "BTC-USDT-X", "BTC--USDT", "BTC-/USDT", "-USDT", "BTC_"):
        with pytest.raises(ValueError, match="expected BASE-QUOTE"):
            TradingPair.parse(bad)


@pytest.mark.e2e
def test_cli_accepts_slash_and_underscore_pairs(tmp_path: Path) -> None:
    book = cli("book", "bitmart", "btc_usdt", "--updates", "1", "--json", *SANDBOX, home=tmp_path)
    assert book.returncode == 0, book.stderr
    assert '"pair": "BTC-USDT"' in book.stdout
    candles = cli("candles", "bitmart", "eth/usdt", "5m", "--limit", "3", "--quiet", *SANDBOX, home=tmp_path)
    assert candles.returncode == 0, candles.stderr
