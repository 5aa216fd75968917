"""Raw DEFLATE (RFC 1951, wbits -15) framing of WebSocket data pushes (api §8.1)."""

from __future__ import annotations

import json
import zlib
from typing import Any

import orjson

try:  # the sandbox's own encoder for small pushes (_deflate.c), compiled at install where a C compiler is
    from ._deflate import compress as _small_compress
except ImportError:  # pragma: no cover - installed without a C compiler
    _small_compress = None
try:  # ISA-L's deflate where its wheels exist (x86_64, aarch64); zlib elsewhere
    from isal import isal_zlib as _isal
except ImportError:  # pragma: no cover - platforms without isal wheels
    _isal = None
_isal_compress = None if _isal is None else _isal.compress

SMALL_MAX = 65535  # what _deflate.c takes (one block); a 100-level snapshot is ~6 KiB
SMALL = 8192  # zlib: pushes up to this size use an 8 KiB window


def compress(data: bytes) -> bytes:
    """One self-contained raw-deflate stream (any wbits -15 inflater reads it).

    Most of the cost of deflating a 200-byte depth update is setting up, not compressing: zlib clears
    its tables, ISA-L builds its Huffman tables (at 1,000 pairs ISA-L's level 1 was a fifth of the
    sandbox's instructions per agent action). `_deflate.c` builds only the codes the push uses: ~34,000
    instructions per depth update against ISA-L's ~48,000 and zlib's more, at zlib level 6's size (152
    vs 151 bytes on a typical update). Without it: ISA-L level 1 (same size), else zlib with a small
    window and hash for small pushes. Every client, ccxt's and the SDK's included, inflates with zlib;
    tests/sandbox/test_deflate.py checks that zlib reads back exactly what went in, on each compressor.
    """
    if _small_compress is not None and len(data) <= SMALL_MAX:
        return _small_compress(data)
    if _isal_compress is not None:
        return _isal_compress(data, 1, -15)
    c = zlib.compressobj(6, zlib.DEFLATED, -13, 5) if len(data) <= SMALL else zlib.compressobj(6, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def inflate(data: bytes) -> bytes:
    """Inverse of `compress` (for tests and clients)."""
    d = zlib.decompressobj(-15)
    return d.decompress(data) + d.flush()


def encode_push(payload: dict[str, Any]) -> bytes:
    """JSON-serialise (compact) and compress a `{"table":..,"data":[..]}` push.

    orjson writes the same bytes as ``json.dumps(separators=(",", ":"))`` for these payloads (ASCII
    strings, small ints, lists) at a tenth of the cost; anything it refuses goes through json.
    """
    try:
        text = orjson.dumps(payload)
    except TypeError:
        text = json.dumps(payload, separators=(",", ":")).encode()
    if _small_compress is not None and len(text) <= SMALL_MAX:  # compress()'s first case, a call fewer per push
        return _small_compress(text)
    return compress(text)
