"""host_spec.cli.files.written_whole: whole or nothing for files, and never a device or pipe replaced."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from host_spec.cli.files import written_whole


def test_a_file_is_written_whole_or_left_as_it_was(tmp_path: Path) -> None:
    out = tmp_path / "c.csv"
    out.write_text("old")
    with pytest.raises(KeyboardInterrupt), written_whole(out) as f:
        f.write("half")
        raise KeyboardInterrupt
    assert out.read_text() == "old" and os.listdir(tmp_path) == ["c.csv"]
    with written_whole(out) as f:
        f.write("new")
    assert out.read_text() == "new" and os.listdir(tmp_path) == ["c.csv"]


def test_dev_null_stays_a_device() -> None:
    with written_whole(Path(os.devnull)) as f:
        f.write("discarded")
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


def test_a_pipe_is_written_through_not_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "p"
    os.mkfifo(fifo)
    got: list[str] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text()))
    reader.start()
    with written_whole(fifo) as f:
        f.write("rows")
    reader.join(5)
    assert got == ["rows"] and stat.S_ISFIFO(os.stat(fifo).st_mode)
