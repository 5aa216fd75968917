"""`host-spec demo` as a user runs it: every step to the end, the perpetual section included, exit 0, nothing
on stderr, both charts written."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from ..test_cli_venue_record import clean_env

pytestmark = pytest.mark.e2e


def test_demo_runs_to_the_end_with_its_perpetual_section(tmp_path: Path) -> None:
    chart = tmp_path / "demo.png"
    result = subprocess.run([sys.executable, "-m", "host_spec.cli", "demo", "--seconds", "1", "--chart", str(chart)],
                            capture_output=True, text=True, env=clean_env(tmp_path), cwd=tmp_path, timeout=120)
    out = result.stdout
    assert result.returncode == 0 and result.stderr == "", out + result.stderr
    steps = re.findall(r"^== (\d+)\. ", out, flags=re.MULTILINE)
    assert steps == [str(n) for n in range(1, 13)], steps
    perp = out[out.index("== 8. perpetual contracts on bitmart_perpetual, on the same sandbox"):out.index("== summary")]
    for needed in (r"contracts; BTC-USDT: 0\.001 BTC a contract", r"   ask +\d", r"   bid +\d",
                   r"== 9\. open a 10x long on BTC-USDT", r"leverage 10x cross, position mode hedge",
                   r"MARKET buy 0\.\d+ BTC \(\d+ contracts\) -> FILLED", r"BTC-USDT +LONG +0\.\d+ .* 10x +cross",
                   r"mark +\d+(\.\d+)? +unrealized PnL +-?\d", r"position LONG 0\.\d+ BTC at \d",
                   r"== 10\. funding on BTC-USDT", r"rate +-?\d", r"next funding +\d{4}-", r"interval +8 h",
                   r"MARKET sell 0\.\d+ BTC \(close\) -> FILLED", r"realized PnL -?\d",
                   r"closed: FILLED, realized PnL -?[\d.]+ USDT; no position left",
                   r"candles: \d+ bitmart_perpetual BTC-USDT 1m backfilled"):
        assert re.search(needed, perp), (needed, perp)
    assert "did not complete" not in out and "skipped" not in out, out
    assert chart.stat().st_size > 0 and (tmp_path / "demo_perp.png").stat().st_size > 0
