"""`host-spec publish` processes killed (SIGKILL) and replaced, and a failover pair: readers keep the venue's book."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from host_spec import Host
from tests.bus.conftest import DEPTH, PAIRS, NatsServer, assert_on_venue, follow, venue_options

pytestmark = pytest.mark.e2e


def start_publisher(sb: Any, url: str) -> subprocess.Popen[str]:
    """A real publisher process of the two test pairs, printing its counts every 0.3 s."""
    options = [arg for key, value in venue_options(sb).items() for arg in ("-o", f"{key}={value}")]
    return subprocess.Popen(
        [sys.executable, "-m", "host_spec.cli", "publish", "bitmart", "--pairs", ",".join(map(str, PAIRS)), "--nats", url,
         "--depth", str(DEPTH), "--stats-every", "0.3", *options],
        env={**os.environ, "HOST_SPEC_PLUGINS": "bitmart,bus"}, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )


def kill(proc: subprocess.Popen[str]) -> str:
    """SIGKILL (no clean-up of any kind); returns what it printed."""
    proc.send_signal(signal.SIGKILL)
    out, _ = proc.communicate(timeout=10)
    return out


def last_stats(out: str) -> dict[str, int]:
    lines = [line for line in out.splitlines() if line.startswith("{")]
    return json.loads(lines[-1]) if lines else {}


@pytest.fixture
def procs() -> Iterator[list[subprocess.Popen[str]]]:
    """Publisher processes a test starts; any still running at the end is killed."""
    started: list[subprocess.Popen[str]] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            kill(proc)


async def test_a_killed_publisher_replaced_leaves_readers_on_the_true_book(
    nats_server: NatsServer, sandbox: Any, host: Host, procs: list[subprocess.Popen[str]]
) -> None:
    procs.append(start_publisher(sandbox, nats_server.url))
    reader, latest = await follow(host, nats_server.url, PAIRS)
    await asyncio.sleep(1.0)
    kill(procs[0])
    await asyncio.sleep(0.8)  # the market moves while nobody publishes
    marks = latest.marks(PAIRS)
    procs.append(start_publisher(sandbox, nats_server.url))
    await latest.moved(marks)  # the replacement's first books arrive
    await asyncio.sleep(0.8)
    await assert_on_venue(sandbox, latest, PAIRS)
    await latest.stop()
    await reader.close()


async def test_failover_pair_one_killed_readers_see_one_sequence(
    nats_server: NatsServer, sandbox: Any, host: Host, procs: list[subprocess.Popen[str]]
) -> None:
    procs += [start_publisher(sandbox, nats_server.url), start_publisher(sandbox, nats_server.url)]
    reader, latest = await follow(host, nats_server.url, PAIRS)
    await asyncio.sleep(1.2)
    kill(procs[0])
    await asyncio.sleep(1.0)
    await assert_on_venue(sandbox, latest, PAIRS)
    for pair, seqs in latest.sequences.items():
        assert len(seqs) > 10, seqs
        assert reader.session.stats[pair]["resyncs"] == 0, reader.session.stats[pair]  # no gap when one died
    survivor = last_stats(kill(procs[1]))
    assert survivor.get("duplicates", 0) > 0, survivor  # both published the same changes; the stream kept one
    await latest.stop()
    await reader.close()
