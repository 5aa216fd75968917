"""A websockets client connection that hands each complete server data frame to a sink as it arrives.

websockets parses every frame through a chain of generator coroutines and an event list, a few
microseconds per frame, which at depth-stream rates is a fifth of the connector's CPU. Once the
connection is open, a sink is set and websockets' parser is provably between frames, this class
reads the frame headers itself: a complete, unfragmented, unmasked text or binary frame with no RSV
bits and within the size limit goes straight to the sink. Every other complete frame (ping, pong,
close, a fragment, anything websockets must judge) is handed to websockets whole, so its parser only
ever sees whole frames and stays between frames; after a close, a fragment or an oversized or
malformed frame, the rest of the stream goes to websockets as it would without this class.

Nothing here changes what reaches the sink or what websockets answers: the tests feed the same bytes,
cut at every offset, through both paths and compare.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["inline_connection_class"]

_TEXT, _BINARY = 0x1, 0x2
# FIN set, RSV clear, opcode text or binary: the first header byte of every frame the sink takes.
_FAST_FIRST = {0x80 | _TEXT: False, 0x80 | _BINARY: True}
_CONTROL_MIN = 0x8  # opcodes 8..15 are control frames: never fragmented, at most 125 bytes


def _between_frames(protocol: Any) -> bool:
    """True when websockets' parser holds no byte of a frame: it waits for the next one to start.

    Read from the parser's state (the generator `Protocol.parse`, under the client's, suspended in
    `StreamReader.at_eof` with an empty buffer); an unknown layout (another websockets release) reads False, which only
    keeps the slow path.
    """
    parser = getattr(protocol, "parser", None)
    reader = getattr(protocol, "reader", None)
    if parser is None or reader is None or getattr(reader, "buffer", b"x"):
        return False
    names = []  # the suspended generator chain, outermost first: parse (client), parse, at_eof
    while parser is not None and len(names) < 8:
        code = getattr(parser, "gi_code", None)
        if code is None:
            return False
        names.append(code.co_name)
        parser = getattr(parser, "gi_yieldfrom", None)
    return len(names) >= 2 and names[-1] == "at_eof" and all(name == "parse" for name in names[:-1])


def _frame_limit(protocol: Any) -> int | None:
    """The largest unfragmented frame websockets would accept (its max_size; named per release)."""
    limits = [getattr(protocol, name, None) for name in ("max_message_size", "max_fragment_size", "max_size")]
    present = [limit for limit in limits if isinstance(limit, int)]
    return min(present) if present else None


def _can_read_headers(protocol: Any, state_open: Any) -> bool:
    """Open, no extension, no fragmented message under way, and the parser between frames."""
    return (protocol.state is state_open and not getattr(protocol, "extensions", True)
            and getattr(protocol, "expect_continuation_frame", True) is False and _between_frames(protocol))


def inline_connection_class() -> type[Any]:
    """The `create_connection` class for `websockets.asyncio.client.connect`: frames go to `sink` once set.

    Until `sink` is set (e.g. during login) frames go through websockets' own `recv()`.
    """
    from websockets.asyncio.client import ClientConnection
    from websockets.frames import Opcode
    from websockets.http11 import Response
    from websockets.protocol import State

    data_opcodes = (Opcode.BINARY, Opcode.TEXT)

    class InlineConnection(ClientConnection):  # type: ignore[misc]
        sink: Callable[[bool, bytes], None] | None = None
        _fast = False  # reading frame headers here (see the module docstring)
        _done = False  # websockets reads the rest of the stream
        _rest = b""  # the start of a frame not yet complete (fast path only)
        _limit: int | None = None

        def process_event(self, event: Any) -> None:
            sink = self.sink
            if sink is not None and event.__class__ is not Response and event.fin and event.opcode in data_opcodes:
                sink(event.opcode is Opcode.BINARY, event.data)
                return
            super().process_event(event)

        def attach(self, sink: Callable[[bool, bytes], None]) -> None:
            """Send data frames to `sink` from now on (read here at once if websockets is between frames,
            as it is on a quiet socket, e.g. right after the handshake or a login answer)."""
            self.sink = sink
            self._try_fast()

        def _try_fast(self) -> None:
            if not self._done and self.sink is not None and _can_read_headers(self.protocol, State.OPEN):
                self._fast = True
                self._limit = _frame_limit(self.protocol)

        def data_received(self, data: bytes) -> None:
            if not self._fast:
                super().data_received(data)
                self._try_fast()
                return
            buf = self._rest + data if self._rest else data
            self._rest = b""
            sink = self.sink
            limit = self._limit
            end = len(buf)
            pos = 0
            while end - pos >= 2:
                first, second = buf[pos], buf[pos + 1]
                length = second & 0x7F
                head = 2
                if length == 126:
                    head = 4
                    if end - pos < head:
                        break
                    length = int.from_bytes(buf[pos + 2:pos + 4], "big")
                elif length == 127:
                    head = 10
                    if end - pos < head:
                        break
                    length = int.from_bytes(buf[pos + 2:pos + 10], "big")
                stop = pos + head + length
                binary = _FAST_FIRST.get(first)
                if binary is None or second & 0x80 or sink is None or (limit is not None and length > limit):
                    if (first & 0x0F) >= _CONTROL_MIN and first & 0x80 and not second & 0x80 and length <= 125:
                        # a whole control frame: websockets answers it (pong, close) and stays between frames
                        if stop > end:
                            break
                        super().data_received(buf[pos:stop])
                        pos = stop
                        if self.protocol.state is not State.OPEN:
                            self._leave(buf[pos:])
                            return
                        continue
                    self._leave(buf[pos:])  # a fragment, a masked or malformed frame, too large: websockets judges
                    return
                if stop > end:
                    break
                sink(binary, buf[pos + head:stop])
                pos = stop
            if pos < end:
                self._rest = buf[pos:]

        def _leave(self, rest: bytes) -> None:
            """Hand the stream, from a frame boundary on, back to websockets for good."""
            self._fast, self._done = False, True
            if rest:
                super().data_received(rest)

    return InlineConnection
