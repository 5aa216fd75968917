"""The perpetual commands as a user runs them (`python -m host_spec.cli`), against a real sandbox on loopback.

The sandbox runs in a thread of the test so its FuturesVenue is the oracle: after each command the venue's
own positions, orders, settings, funding and ledger are compared with what the command printed. The
futures clock is slowed to an hour, so marks and funding move only when a test moves them. Mistakes are one
`error:` line, a non-zero status and no traceback (each on a fresh `--sandbox`).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bitmart_plugin.sandbox.config import SandboxConfig
from bitmart_plugin.sandbox.server import ThreadHandle, run_sandbox_in_thread

from ..test_cli_venue_record import clean_env

pytestmark = pytest.mark.e2e

SYMBOL = "BTCUSDT"
PERP = "bitmart_perpetual"


@pytest.fixture
def sb() -> Iterator[ThreadHandle]:
    handle = run_sandbox_in_thread(SandboxConfig(seed=9, pairs=3, agent_rate=0, futures_tick_s=3600))
    yield handle
    handle.stop()


def urls(sb: ThreadHandle, *, spot: bool = False) -> dict[str, str]:
    out = {"BITMART_FUTURES_REST_URL": sb.futures_rest_url, "BITMART_FUTURES_WS_PUBLIC_URL": sb.futures_ws_public_url,
           "BITMART_FUTURES_WS_PRIVATE_URL": sb.futures_ws_private_url}
    if spot:
        out.update({"BITMART_REST_URL": sb.rest_url, "BITMART_WS_PUBLIC_URL": sb.ws_public_url,
                    "BITMART_WS_PRIVATE_URL": sb.ws_private_url})
    return out


def run(*args: str, home: Path, env: dict[str, str] | None = None, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "host_spec.cli", *args], input=stdin, capture_output=True, text=True,
                          env={**clean_env(home), **(env or {})}, cwd=home, timeout=90)


def perp(sb: ThreadHandle, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """A command on the sandbox's futures venue with its account's keys (given as BITMART_* variables)."""
    c = sb.credentials
    keys = {"BITMART_API_KEY": c.api_key, "BITMART_SECRET_KEY": c.secret_key, "BITMART_MEMO": c.memo}
    result = run(*args, home=home, env={**urls(sb), **keys})
    assert "Traceback" not in result.stderr, result.stderr
    return result


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    both = result.stdout + result.stderr
    assert result.returncode != 0 and "Traceback" not in both, both
    (line,) = [line for line in result.stderr.splitlines() if line.strip()]
    return line


def venue(sb: ThreadHandle) -> Any:
    return sb.sandbox.state.futures


def held(sb: ThreadHandle) -> list[Any]:
    """The account's held BTCUSDT positions, as the venue has them (read on its own loop)."""
    return sb.call(lambda: [p.snapshot() for p in venue(sb).accounts.of(sb.credentials.account_id, SYMBOL)
                            if p.hold_volume])


def test_hedge_open_with_leverage_positions_leverage_and_close(sb: ThreadHandle, tmp_path: Path) -> None:
    out = ok(perp(sb, tmp_path, "order", "place", PERP, "BTC-USDT", "buy", "MARKET", "0.01", "--action", "open",
                  "--leverage", "7", "--margin", "isolated", "--client-id", "cliPerpOpen1"))
    first, second = out.splitlines()[:2]
    assert first == "leverage BTC-USDT: 7x isolated" and "cliPerpOpen1" in second and "FILLED" in second, out
    (long,) = held(sb)
    assert (long.direction, long.hold_volume, long.leverage, long.open_type) == ("long", 10, 7, "isolated")

    (shown,) = json.loads(ok(perp(sb, tmp_path, "positions", PERP, "--json")))
    liquidation = sb.call(lambda: venue(sb).liquidation_price(long))
    assert shown["pair"] == "BTC-USDT" and shown["side"] == "LONG" and shown["margin_mode"] == "isolated"
    assert Decimal(shown["amount"]) == long.hold_volume * long.contract_size == Decimal("0.01")
    assert Decimal(shown["entry_price"]) == long.entry_price and Decimal(shown["margin"]) == long.margin
    assert Decimal(shown["leverage"]) == 7 and Decimal(shown["liquidation_price"]) == liquidation
    table = ok(perp(sb, tmp_path, "positions", PERP, "BTC-USDT")).splitlines()
    assert table[0].split()[:4] == ["pair", "side", "amount", "entry"] and "unrealized PnL" in table[0]
    assert table[2].split()[:3] == ["BTC-USDT", "LONG", "0.010"] and " 7x " in table[2] and "isolated" in table[2]

    # without --margin the position's own margin mode is kept (cross would be refused under it)
    assert ok(perp(sb, tmp_path, "leverage", PERP, "BTC-USDT", "5")).strip() == "BTC-USDT leverage 5x isolated"
    assert sb.call(lambda: venue(sb).accounts.setting(sb.credentials.account_id, SYMBOL, 100)) == (5, "isolated")

    closed = ok(perp(sb, tmp_path, "order", "place", PERP, "BTC-USDT", "sell", "MARKET", "--contracts", "10",
                     "--action", "close"))
    assert "FILLED" in closed.splitlines()[0] and "realized PnL" in closed, closed
    assert held(sb) == [] and ok(perp(sb, tmp_path, "positions", PERP)).strip() == "no open positions"


def test_contracts_flag_is_the_base_amount_in_whole_contracts(sb: ThreadHandle, tmp_path: Path) -> None:
    base = ("order", "place", PERP, "BTC-USDT", "buy", "LIMIT_MAKER")
    by_contracts = ok(perp(sb, tmp_path, *base, "--contracts", "3", "--price", "50000", "--action", "open",
                           "--client-id", "cliByContracts"))
    by_amount = ok(perp(sb, tmp_path, *base, "0.003", "--price", "50000", "--action", "open",
                        "--client-id", "cliByAmount"))
    assert by_contracts.replace("cliByContracts", "ID") == by_amount.replace("cliByAmount", "ID"), (by_contracts, by_amount)
    orders = sb.call(lambda: {o.client_order_id: (o.size, o.price, o.side_code, o.state)
                              for o in venue(sb).orders_of(sb.credentials.account_id, SYMBOL)})
    assert orders["cliByContracts"] == orders["cliByAmount"] == (3, 50000, 1, "new"), orders
    listed = ok(perp(sb, tmp_path, "order", "list", PERP, "BTC-USDT"))
    assert "cliByContracts" in listed and "cliByAmount" in listed and " 0.003 @ 50000" in listed, listed


def test_position_mode_switches_only_without_positions(sb: ThreadHandle, tmp_path: Path) -> None:
    mode = lambda: sb.call(lambda: venue(sb).accounts.mode(sb.credentials.account_id))  # noqa: E731
    assert ok(perp(sb, tmp_path, "position-mode", PERP)).strip() == "position mode: hedge"
    assert ok(perp(sb, tmp_path, "position-mode", PERP, "one-way")).strip() == "position mode: one-way"
    assert mode() == "one_way_mode"
    # one-way: orders net, no --action; --action open is refused naming the flag
    ok(perp(sb, tmp_path, "order", "place", PERP, "BTC-USDT", "buy", "MARKET", "0.002"))
    line = one_error_line(perp(sb, tmp_path, "order", "place", PERP, "BTC-USDT", "buy", "MARKET", "0.002",
                               "--action", "open"))
    assert "one-way mode" in line and "--action open" in line and "--reduce-only" in line, line
    # a position is held: the venue refuses the switch, in one line, and the mode stays
    line = one_error_line(perp(sb, tmp_path, "position-mode", PERP, "hedge"))
    assert line.startswith("error: ") and mode() == "one_way_mode", line
    ok(perp(sb, tmp_path, "order", "place", PERP, "BTC-USDT", "sell", "MARKET", "0.002", "--reduce-only"))
    assert held(sb) == []
    assert ok(perp(sb, tmp_path, "position-mode", PERP, "hedge")).strip() == "position mode: hedge"
    assert mode() == "hedge_mode"


def test_funding_shows_the_venues_rate_and_payments(sb: ThreadHandle, tmp_path: Path) -> None:
    rate = Decimal("0.000123")
    sb.call(lambda: venue(sb).set_funding_rate(SYMBOL, rate))
    # one mark refresh, as the venue's clock would do: the newest mark candle (where REST readers find the
    # mark) then holds the current mark rather than the last seeded trade's price
    sb.call(lambda: venue(sb).refresh_mark(SYMBOL, venue(sb).clock.now_ms()))
    shown = json.loads(ok(perp(sb, tmp_path, "funding", PERP, "BTC-USDT", "--json")))
    truth = sb.call(lambda: (venue(sb).funding.next_time[SYMBOL], venue(sb).funding.interval_ms(SYMBOL),
                             venue(sb).marks.mark[SYMBOL], venue(sb).marks.index[SYMBOL]))
    assert Decimal(shown["rate"]) == rate and shown["next_funding_ms"] == truth[0]
    assert shown["interval_s"] * 1000 == truth[1] and Decimal(shown["mark_price"]) == truth[2]
    assert Decimal(shown["index_price"]) == truth[3]
    text = ok(perp(sb, tmp_path, "funding", PERP, "BTC-USDT")).splitlines()
    assert text[0] == "BTC-USDT funding" and text[1].split()[:2] == ["rate", "0.000123"], text

    ok(perp(sb, tmp_path, "order", "place", PERP, "BTC-USDT", "buy", "MARKET", "0.005", "--action", "open"))
    sb.call(lambda: venue(sb).settle_funding(venue(sb).clock.now_ms(), SYMBOL, force=True))
    (row,) = sb.call(lambda: venue(sb).ledger_of(sb.credentials.account_id, 3))
    shown = json.loads(ok(perp(sb, tmp_path, "funding", PERP, "BTC-USDT", "--payments", "--json")))
    (payment,) = shown["payments"]
    assert Decimal(payment["amount"]) == row.amount < 0 and Decimal(payment["rate"]) == rate
    assert payment["timestamp"] == row.time_ms
    text = ok(perp(sb, tmp_path, "funding", PERP, "BTC-USDT", "--payments"))
    assert f"total {row.amount.normalize():f} USDT over 1 payment" in text, text


def test_keys_stored_by_connect_bitmart_serve_bitmart_perpetual(sb: ThreadHandle, tmp_path: Path) -> None:
    other = sb.call(lambda: sb.sandbox.add_account("cliSharedKey1", "cliSharedSecret1", "cliSharedMemo1",
                                                   {"USDT": "1000"}, futures_usdt="4321"))
    connect = run("connect", "bitmart", home=tmp_path, env=urls(sb, spot=True),
                  stdin=f"{other.api_key}\n{other.secret_key}\n{other.memo}\n")
    assert connect.returncode == 0, connect.stdout + connect.stderr
    assert "also used by bitmart_perpetual" in connect.stdout, connect.stdout
    # no keys in the environment: the perpetual connector reads the stored ones (that account's wallet)
    balance = run("balance", PERP, "--json", home=tmp_path, env=urls(sb))
    assert balance.returncode == 0, balance.stderr
    assert Decimal(json.loads(balance.stdout)["USDT"]["available"]) == 4321


@pytest.mark.parametrize(("args", "says"), [
    (("order", "place", PERP, "BTC-USDT", "buy", "LIMIT", "0.0015", "--price", "50000", "--action", "open"),
     ("not a whole number of contracts", "0.001 or 0.002", "--contracts")),
    (("order", "place", PERP, "BTC-USDT", "buy", "LIMIT", "0.002", "--price", "50000"),
     ("hedge mode", "--action open", "--action close")),
    (("order", "place", PERP, "BTC-USDT", "buy", "LIMIT", "0.002", "--contracts", "2", "--price", "50000"),
     ("not both",)),
    (("order", "place", "bitmart", "BTC-USDT", "buy", "LIMIT", "--contracts", "2", "--price", "50000"),
     ("--contracts", "spot pair")),
    (("positions", "bitmart"), ("bitmart is a spot connector", "positions", "bitmart_perpetual")),
    (("funding", "bitmart", "BTC-USDT"), ("spot connector", "bitmart_perpetual")),
    (("leverage", PERP, "BTC-USDT", "101"), ("leverage 101", "1 to 100")),
    (("leverage", PERP, "BTC-USDT", "2.5"), ("whole number",)),
])
def test_mistakes_are_one_clear_line(args: tuple[str, ...], says: tuple[str, ...], tmp_path: Path) -> None:
    line = one_error_line(run(*args, "--sandbox", "--sandbox-pairs", "3", home=tmp_path))
    assert line.startswith("error: ") and all(s in line for s in says), line


def test_contracts_must_be_whole(tmp_path: Path) -> None:
    result = run("order", "place", PERP, "BTC-USDT", "buy", "MARKET", "--contracts", "1.5", home=tmp_path)
    assert result.returncode == 2 and "whole number of contracts" in result.stderr and "Traceback" not in result.stderr


def test_help_lists_the_perpetual_commands(tmp_path: Path) -> None:
    listing = run("--help", home=tmp_path)
    assert all(name in listing.stdout for name in ("positions", "leverage", "position-mode", "funding"))


def test_trades_and_candles_work_on_the_perpetual_connector(tmp_path: Path) -> None:
    trades = run("trades", PERP, "BTC-USDT", "--count", "3", "--json", "--sandbox", "--sandbox-pairs", "3", home=tmp_path)
    assert trades.returncode == 0, trades.stderr
    amounts = [Decimal(json.loads(line)["amount"]) for line in trades.stdout.splitlines()]
    assert len(amounts) == 3 and all(a > 0 and a % Decimal("0.001") == 0 for a in amounts), amounts  # base units
    csv = tmp_path / "perp.csv"
    candles = run("candles", PERP, "BTC-USDT", "1m", "--limit", "5", "--quiet", "--csv", str(csv), "--sandbox",
                  home=tmp_path)
    assert candles.returncode == 0 and "candles written to" in candles.stderr, candles.stderr
    assert csv.read_text().splitlines()[0].startswith("time,open,high,low,close,volume") and len(csv.read_text()) > 60


def test_candles_on_a_paper_variant_without_them_is_one_line(tmp_path: Path) -> None:
    line = one_error_line(run("candles", "bitmart_perpetual_paper_trade", "BTC-USDT", "1m", "--sandbox",
                              home=tmp_path))
    assert "does not offer candles" in line, line
