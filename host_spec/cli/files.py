"""Output files the CLI writes whole or not at all, without ever replacing what is not a regular file."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

__all__ = ["written_whole"]


@contextmanager
def written_whole(path: Path, mode: str = "w", **open_args: Any) -> Iterator[IO[Any]]:
    """An open file whose content lands at `path` only if the block completes.

    A regular file (or a new one) is written beside `path` and renamed into place, so an error or Ctrl-C
    never leaves a partial file. Anything else that already exists there (/dev/null, a FIFO, /dev/stdout)
    is written directly: renaming over it would replace the device or pipe with a file.
    """
    if path.exists() and not path.is_file():
        with open(path, mode, **open_args) as f:
            yield f
        return
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, mode, **open_args) as f:
            yield f
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
