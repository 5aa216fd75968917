"""Venue records: how a running local venue tells later processes where it listens (generic, no exchange)."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from host_spec import VenueRecords, config_home


@pytest.fixture
def listening() -> Iterator[tuple[str, int]]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_home_is_host_spec_home_then_xdg_then_dot_config(tmp_path: Path) -> None:
    assert config_home({"HOST_SPEC_HOME": str(tmp_path)}) == tmp_path
    assert config_home({"XDG_CONFIG_HOME": str(tmp_path)}) == tmp_path / "host-spec"
    assert config_home({}) == Path.home() / ".config" / "host-spec"


def test_publish_find_withdraw(tmp_path: Path, listening: tuple[str, int]) -> None:
    records = VenueRecords(env={"HOST_SPEC_HOME": str(tmp_path)})
    path = records.publish("fakex", {"api_key": SecretStr("k"), "secret": SecretStr("s3cret")},
                           {"rest_url": "http://127.0.0.1:1"}, address=listening)
    assert path == tmp_path / "venues" / "fakex.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    found = records.find("fakex")
    assert found is not None and found.pid == os.getpid()
    assert found.options == {"rest_url": "http://127.0.0.1:1"}
    assert found.credentials["secret"].get_secret_value() == "s3cret" and "s3cret" not in repr(found)
    assert records.find("other") is None
    assert not records.withdraw("fakex", pid=os.getpid() + 1), "only the publisher removes its record"
    assert records.withdraw("fakex") and records.find("fakex") is None and not path.exists()


def test_a_record_whose_port_is_closed_or_pid_is_dead_is_stale(tmp_path: Path, listening: tuple[str, int]) -> None:
    records = VenueRecords(env={"HOST_SPEC_HOME": str(tmp_path)})
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()
    records.publish("a", {}, {}, address=closed)
    assert records.find("a") is None
    records.publish("b", {}, {}, address=listening, pid=dead_pid())
    assert records.find("b") is None
    (tmp_path / "venues" / "c.json").write_text("{not json")
    assert records.find("c") is None
