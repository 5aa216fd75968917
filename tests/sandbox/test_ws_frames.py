"""The sandbox's own WebSocket framing (server -> client frames written in batches by `Conn`)."""

from __future__ import annotations

import pytest

from bitmart_plugin.sandbox.ws_conn import _BinaryHeads, frame_head, ws_frame


def _parse_head(frame: bytes) -> tuple[int, int, bytes]:
    """(opcode, payload length, payload) of one final, unmasked frame (RFC 6455 §5.2), read byte by byte."""
    assert frame[0] & 0x80 and not frame[0] & 0x70  # FIN, no RSV bits
    assert not frame[1] & 0x80  # server frames are not masked
    n, at = frame[1] & 0x7F, 2
    if n == 126:
        n, at = int.from_bytes(frame[2:4], "big"), 4
    elif n == 127:
        n, at = int.from_bytes(frame[2:10], "big"), 10
    return frame[0] & 0x0F, n, frame[at:]


@pytest.mark.parametrize("n", [0, 1, 125, 126, 127, 200, 4095, 4096, 65535, 65536, 70000])
def test_binary_heads_are_the_frame_headers_of_each_length(n: int) -> None:
    heads = _BinaryHeads()
    payload = bytes(range(256)) * (n // 256) + bytes(n % 256)
    assert heads[n] == frame_head(n, 0x2)
    assert (heads[n] is heads[n]) == (n < _BinaryHeads.KEPT_BELOW)  # short ones made once, then kept
    assert _parse_head(heads[n] + payload) == (0x2, n, payload)
    assert heads[n] + payload == ws_frame(payload, 0x2)


def test_text_frames_keep_their_opcode() -> None:
    assert _parse_head(ws_frame(b'{"op":"pong"}', 0x1)) == (0x1, 13, b'{"op":"pong"}')


def test_the_header_table_stays_small() -> None:
    heads = _BinaryHeads()
    for n in range(0, 70_000, 7):
        heads[n]
    assert len(heads) == len(range(0, _BinaryHeads.KEPT_BELOW, 7))
