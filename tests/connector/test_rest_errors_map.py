"""BitMart codes and ccxt/aiohttp failures -> host_spec errors, each naming 'bitmart' and keeping the code."""

from __future__ import annotations

import json

import pytest

from host_spec import (
    AuthError, ConnectorError, InsufficientBalance, InvalidOrder, InvalidPair, NetworkError, OrderNotFound,
    PostOnlyRejected, RateLimited,
)

from bitmart_plugin.errors_map import from_exception, from_response


@pytest.mark.parametrize(("code", "cls"), [
    (30001, AuthError), (30002, AuthError), (30004, AuthError), (30005, AuthError),
    (30013, RateLimited), (50020, InsufficientBalance), (60008, InsufficientBalance),
    (50034, PostOnlyRejected), (50035, PostOnlyRejected), (50005, OrderNotFound), (50032, OrderNotFound),
    (50001, InvalidPair), (70002, InvalidPair), (50040, InvalidPair),
    (50006, InvalidOrder), (50009, InvalidOrder), (51011, InvalidOrder), (51015, InvalidOrder), (50029, InvalidOrder),
    (30014, NetworkError),
])
def test_codes(code: int, cls: type) -> None:
    err = from_response(code, "msg")
    assert type(err) is cls
    assert err.code == code and err.connector == "bitmart" and "bitmart" in str(err)


def test_wrong_memo_message_mentions_memo_and_secret() -> None:
    err = from_response(30005, "Header X-BM-SIGN is wrong", status=401)
    assert isinstance(err, AuthError)
    assert "memo" in str(err).lower() and "secret" in str(err).lower() and "30005" in str(err)


def test_rate_limit_and_ban() -> None:
    err = from_response(30013, "Request too many requests", status=429, headers={"Retry-After": "3"})
    assert isinstance(err, RateLimited) and err.retry_after == 3.0 and not err.banned
    ban = from_response(30017, "account rejected", status=418)
    assert isinstance(ban, RateLimited) and ban.banned and ban.retry_after == 60.0
    assert from_response(None, "", status=418).banned


def test_ccxt_exception_with_captured_body() -> None:
    import ccxt

    body = json.dumps({"message": "Balance not enough", "code": 50020, "trace": "t", "data": {}})
    err = from_exception(ccxt.InsufficientFunds("bitmart " + body), status=400, body=body)
    assert isinstance(err, InsufficientBalance) and err.code == 50020
    # the body is also recovered from ccxt's message when nothing was captured
    assert isinstance(from_exception(ccxt.ExchangeError("bitmart " + body)), InsufficientBalance)


def test_transport_failures_are_network_errors() -> None:
    import ccxt

    assert isinstance(from_exception(ccxt.RequestTimeout("bitmart POST x")), NetworkError)
    assert isinstance(from_exception(ccxt.ExchangeNotAvailable("bitmart")), NetworkError)
    assert isinstance(from_exception(ccxt.ExchangeNotAvailable("x"), status=503, body="<html>"), NetworkError)
    err = from_exception(TimeoutError())
    assert isinstance(err, NetworkError) and "timed out" in str(err)


def test_unknown_code_keeps_it() -> None:
    err = from_response(12345, "weird")
    assert type(err) is ConnectorError and err.code == 12345
