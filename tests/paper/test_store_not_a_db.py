"""A paper DB path that is not a host-spec paper database gets one clear line, never a traceback."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from host_spec.errors import ConfigError
from host_spec.paper.store import PaperStore


def _not_a_db(tmp_path: Path) -> Path:
    path = tmp_path / "notes.db"
    path.write_text("these are my notes, not a database\n" * 20)
    return path


def test_a_text_file_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = _not_a_db(tmp_path)
    with pytest.raises(ConfigError) as err:
        PaperStore(str(path))
    assert str(path) in str(err.value) and "not a host-spec paper database" in str(err.value)
    assert "\n" not in str(err.value)
    assert path.read_text().startswith("these are my notes")  # left as it was


def test_another_programs_sqlite_file_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "app.sqlite"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
    db.commit()
    db.close()
    with pytest.raises(ConfigError, match="not a host-spec paper database"):
        PaperStore(str(path))
    db = sqlite3.connect(path)
    tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    db.close()
    assert tables == {"users"}


def test_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        PaperStore(str(tmp_path))
    assert str(tmp_path) in str(err.value)


def test_an_empty_file_and_a_new_path_are_new_accounts(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()
    for path in (empty, tmp_path / "new.db"):
        store = PaperStore(str(path))
        assert store.orders() == [] and store.fills() == []
        store.close()
        PaperStore(str(path)).close()  # and it opens again as ours


def _cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOST_SPEC_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "host_spec.cli", *args], capture_output=True, text=True, env=env,
                          timeout=120)


@pytest.mark.e2e
def test_cli_order_list_with_a_paper_db_that_is_not_one_prints_one_line(tmp_path: Path) -> None:
    path = _not_a_db(tmp_path)
    result = _cli(tmp_path / "home", "order", "list", "bitmart_paper_trade", "--paper-db", str(path), "--sandbox")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(path) in lines[0] and "not a host-spec paper database" in lines[0], result.stderr


def test_cli_paper_report_of_a_file_that_is_not_one_prints_one_line(tmp_path: Path) -> None:
    path = _not_a_db(tmp_path)
    result = _cli(tmp_path / "home", "paper", "report", str(path))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "not a host-spec paper database" in lines[0], result.stderr
