"""Raw DEFLATE (RFC 1951, wbits -15) framing of WebSocket data pushes (api §8.1)."""

from __future__ import annotations

import json
import zlib
from typing import Any


def compress(data: bytes) -> bytes:
    """One self-contained raw-deflate stream."""
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def inflate(data: bytes) -> bytes:
    """Inverse of `compress` (for tests and clients)."""
    d = zlib.decompressobj(-15)
    return d.decompress(data) + d.flush()


def encode_push(payload: dict[str, Any]) -> bytes:
    """JSON-serialise and compress a `{"table":..,"data":[..]}` push."""
    return compress(json.dumps(payload, separators=(",", ":")).encode())
