"""No secret in any cassette or frame recording (cassettes/rest/*.yaml, cassettes/ws/*.jsonl), spot or futures.

A credential can leak into a recording as a signing header, as the args of a WebSocket login (`login` on spot,
`access` on futures: key, timestamp, signature), or as the key, secret or signature itself anywhere in a body.
BitMart keys are 40 hex characters, secrets and HMAC-SHA256 signatures 64: no run of 40 or more hex
characters may appear (ids and traces are shorter or not hex). The recorders' own sandbox credentials
(seed 7) are looked for by value too.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bitmart_plugin.sandbox.state import derive_credentials

CASSETTES = Path(__file__).resolve().parents[2] / "cassettes"
HEADERS = ("x-bm-key", "x-bm-sign", "x-bm-timestamp")
LONG_HEX = re.compile(r"[0-9a-fA-F]{40,}")
LOGINS = ("login", "access")


def leaks(path: Path, known: tuple[str, ...] = ()) -> list[str]:
    """What in one recording looks like a secret (empty when nothing does)."""
    text = path.read_text()
    found = [f"header {h}" for h in HEADERS if h in text.lower()]
    found += [f"hex run {m[:6]}..." for m in LONG_HEX.findall(text)]
    found += [f"credential {k[:4]}..." for k in known if k in text]
    if path.suffix == ".jsonl":
        for line in filter(str.strip, text.splitlines()):
            msg = json.loads(line).get("data")
            if isinstance(msg, dict) and (msg.get("op") in LOGINS or msg.get("action") in LOGINS):
                found += [f"login arg {a[:4]}..." for a in msg.get("args", []) if not re.fullmatch(r"<\w+>", a)]
    return found


def recordings() -> list[Path]:
    return sorted([*CASSETTES.glob("rest/*.yaml"), *CASSETTES.glob("ws/*.jsonl")])


def test_there_are_spot_and_futures_recordings() -> None:
    names = [p.name for p in recordings()]
    assert any("futures" in n for n in names if n.endswith(".yaml"))
    assert any("futures" in n for n in names if n.endswith(".jsonl")) and any("spot" in n for n in names)


@pytest.mark.parametrize("path", recordings(), ids=lambda p: p.name)
def test_no_secret_in_recording(path: Path) -> None:
    seed7 = derive_credentials(7)
    assert leaks(path, (seed7.api_key, seed7.secret_key)) == []


def test_the_check_finds_each_kind_of_leak(tmp_path: Path) -> None:
    seed7 = derive_credentials(7)
    rest = tmp_path / "leak.yaml"
    rest.write_text(f"headers:\n  X-BM-SIGN:\n  - {'ab' * 32}\n")
    assert leaks(rest) == ["header x-bm-sign", "hex run ababab..."]
    ws = tmp_path / "leak.jsonl"
    ws.write_text(json.dumps({"dir": "send", "data": {"action": "access", "args": ["k3y", "<ts>"]}}) + "\n")
    assert leaks(ws) == ["login arg k3y..."]
    body = tmp_path / "body.jsonl"
    body.write_text(json.dumps({"dir": "recv", "data": {"echo": seed7.memo + seed7.secret_key[:30]}}) + "\n")
    assert leaks(body, (seed7.secret_key[:30],)) == [f"credential {seed7.secret_key[:4]}..."]
