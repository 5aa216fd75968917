"""SecretRedactor: what it masks, and that sessions' filters come and go independently (issue 10 item 7)."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from bitmart_plugin.redaction import MASK, SecretRedactor, connector_loggers

KEY, SECRET, MEMO = "a1" * 20, "b2" * 32, "desk-memo"
SIGN = "c3" * 32


@pytest.fixture
def logged() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    buf = io.StringIO()
    handler = logging.StreamHandler(buf)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger("tests.redaction.probe")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        yield logger, buf
    finally:
        logger.removeHandler(handler)
        logger.filters.clear()


def redactor(key: str = KEY, secret: str = SECRET, memo: str = MEMO) -> SecretRedactor:
    return SecretRedactor([SecretStr(key), SecretStr(secret), SecretStr(memo), None])


def test_ccxt_request_line_is_masked() -> None:
    headers = {"X-BM-KEY": KEY, "X-BM-TIMESTAMP": "1700000000000", "X-BM-SIGN": SIGN}
    text = redactor().redact(f"POST http://x/spot/v2/submit_order, Request: {headers} {{}}")
    assert KEY not in text and SIGN not in text and "'X-BM-SIGN': '***'" in text and "1700000000000" in text


def test_login_frame_is_masked_whole_or_cut_short() -> None:
    frame = json.dumps({"op": "login", "args": ["k" * 40, "1700000000000", SIGN]}, separators=(",", ":"))
    cut = f"TEXT '{frame[:48]}...{frame[-24:]}' [149 bytes]"  # how websockets dumps a long frame
    r = SecretRedactor([])
    assert r.redact(frame) == '{"op":"login","args":[***]}'
    assert "k" * 10 not in r.redact(cut) and SIGN[-20:] not in r.redact(cut)
    assert r.redact("{'op': 'login', 'args': ['x', 'y', 'z']}") == "{'op': 'login', 'args': [***]}"
    assert r.redact('{"op":"subscribe","args":["spot/user/balance:BALANCE_UPDATE"]}').endswith('BALANCE_UPDATE"]}')


def test_short_memo_is_not_masked_everywhere() -> None:
    assert redactor(memo="bot").redact("robot bot") == "robot bot"
    assert redactor().redact(f"memo={MEMO}") == f"memo={MASK}"


def test_record_args_traceback_and_a_broken_format(logged: tuple[logging.Logger, io.StringIO]) -> None:
    logger, buf = logged
    logger.addFilter(redactor())
    logger.debug("key %s and %r", KEY, {"secret": SECRET})
    try:
        raise ValueError(f"bad memo {MEMO}")
    except ValueError:
        logger.exception("failed")
    logger.debug("two %s %s", KEY)  # wrong arity: logging would print the raw arguments
    text = buf.getvalue()
    assert KEY not in text and SECRET not in text and MEMO not in text
    assert "key *** and {'secret': '***'}" in text and "ValueError: bad memo ***" in text


def test_removing_one_sessions_filter_keeps_the_others(logged: tuple[logging.Logger, io.StringIO]) -> None:
    logger, buf = logged
    first, second = redactor(), redactor(key="d4" * 20, secret="e5" * 32, memo="other-memo")
    first.install([logger.name])
    second.install([logger.name])
    first.remove()
    first.remove()  # twice is fine
    logger.info("%s %s", KEY, "d4" * 20)
    assert buf.getvalue().strip() == f"{KEY} {MASK}"
    assert logger.filters == [second]
    second.remove()
    assert logger.filters == []


def test_loggers_cover_the_libraries_and_every_module_but_the_sandbox() -> None:
    names = connector_loggers()
    assert {"ccxt.base.exchange", "websockets.client", "aiohttp.client", "bitmart_plugin.ws.connection",
            "bitmart_plugin.ws.private", "bitmart_plugin.spot.rest", "bitmart_plugin.spot.connector"} <= set(names)
    assert not [n for n in names if n.startswith("bitmart_plugin.sandbox")]


def test_import_installs_nothing() -> None:
    """No import-time side effect (checked in a fresh interpreter: other tests' sessions may be open here)."""
    code = ("import logging, bitmart_plugin.spot.connector, bitmart_plugin.redaction as r; "
            "print(sum(isinstance(f, r.SecretRedactor) for n in r.connector_loggers() "
            "for f in logging.getLogger(n).filters))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "0"
