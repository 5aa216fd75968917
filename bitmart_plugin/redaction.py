"""Keep a session's secrets out of log records, whatever level the host logs at.

At DEBUG, ccxt logs every request's headers (`X-BM-KEY`, `X-BM-SIGN`) and websockets dumps every
frame, the private socket's login (spot `{"op":"login","args":[key, ts, sign]}`, futures
`{"action":"access","args":[key, ts, sign, device]}`) included. A session puts
one `SecretRedactor` on each logger it drives while it is open: the record's text (message with its
arguments, traceback, stack) is rewritten with the key, secret, memo, signatures and login arguments
masked. A logger filter sees only records created on that very logger (not its children's), so the
filter goes on every logger by name: the third-party ones below and each module of this package.
"""

from __future__ import annotations

import functools
import logging
import pkgutil
import re
import weakref
from collections.abc import Iterable
from pathlib import Path

from pydantic import SecretStr

__all__ = ["MASK", "SecretRedactor", "connector_loggers", "redact_for"]

MASK = "***"
PACKAGE = __name__.rpartition(".")[0]
SANDBOX = f"{PACKAGE}.sandbox"
# Loggers of the libraries the connector drives that can see a request or a frame.
THIRD_PARTY_LOGGERS = (
    "ccxt.base.exchange",
    "websockets.client", "websockets.protocol",
    "aiohttp.client", "aiohttp.internal", "aiohttp.websocket", "aiohttp.access", "aiohttp.server", "aiohttp.web",
    "asyncio",
)
# A literal shorter than this is not masked: it would mask ordinary words (a memo can be "bot").
MIN_LITERAL = 4
_SIGNATURE_HEADER = re.compile(r"""(X-BM-(?:SIGN|KEY)['"]?\s*[:=]\s*['"]?)[^'",}\s]+""", re.IGNORECASE)
# The login's arguments (spot op login, futures action access), as JSON or as a Python repr, also when a frame
# dump cut it short.
_LOGIN_ARGS = re.compile(
    r"""(['"](?:op|action)['"]\s*:\s*['"](?:login|access)['"]\s*,\s*['"]args['"]\s*:\s*\[)[^\]]*""")


def _modules(folder: Path, prefix: str) -> Iterable[str]:
    for info in pkgutil.iter_modules([str(folder)]):  # reads the folder; imports nothing
        name = f"{prefix}.{info.name}"
        if name == SANDBOX:
            continue
        yield name
        if info.ispkg:
            yield from _modules(folder / info.name, name)


@functools.cache  # the package's modules do not change while it runs: read the folders once
def connector_loggers() -> tuple[str, ...]:
    """Names of every logger a session's records can come from: the libraries' and this package's modules.

    The sandbox's are not among them: it is another program that happens to share the process in tests.
    """
    return tuple(dict.fromkeys([*THIRD_PARTY_LOGGERS, PACKAGE, *_modules(Path(__file__).parent, PACKAGE)]))


class SecretRedactor(logging.Filter):
    """A logging filter that masks one session's secrets; `install()` on open, `remove()` on close."""

    def __init__(self, secrets: Iterable[SecretStr | None]) -> None:
        super().__init__()
        self._secrets = tuple(s for s in secrets if s is not None)
        self._loggers: list[logging.Logger] = []

    def redact(self, text: str) -> str:
        """`text` with the secrets, signature headers and login arguments masked."""
        for secret in self._secrets:
            value = secret.get_secret_value()
            if len(value) >= MIN_LITERAL and value in text:
                text = text.replace(value, MASK)
        text = _SIGNATURE_HEADER.sub(rf"\g<1>{MASK}", text)
        return _LOGIN_ARGS.sub(rf"\g<1>{MASK}", text)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
            clean = self.redact(message)
        except Exception:  # noqa: BLE001 - else logging would print the raw msg and args as an error
            message, clean = "", self.redact(f"{record.msg!s} {record.args!r}")
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            text = logging.Formatter().formatException(record.exc_info)
            clean_text = self.redact(text)
            if clean_text != text:
                record.exc_text = clean_text
        elif record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True

    def install(self, names: Iterable[str] | None = None) -> None:
        """Put this filter on each named logger (default: `connector_loggers()`)."""
        for name in connector_loggers() if names is None else names:
            logger = logging.getLogger(name)
            logger.addFilter(self)
            self._loggers.append(logger)

    def remove(self) -> None:
        """Take this filter (only this one) off every logger it was put on; safe to call twice."""
        loggers, self._loggers = self._loggers, []
        for logger in loggers:
            logger.removeFilter(self)


def redact_for(owner: object, secrets: Iterable[SecretStr | None]) -> SecretRedactor:
    """Install a redactor for `owner`'s secrets until `remove()`, or until `owner` is garbage-collected."""
    redactor = SecretRedactor(secrets)
    if redactor._secrets:  # without credentials there is nothing to hide
        redactor.install()
        weakref.finalize(owner, redactor.remove)
    return redactor
