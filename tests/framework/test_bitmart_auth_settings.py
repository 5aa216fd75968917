"""BitMart signing (known-answer vectors from bitmart_api.md §3.2) and settings errors."""

from __future__ import annotations

import pytest

from bitmart_plugin.auth import rest_auth_headers, sign, ws_login_message
from bitmart_plugin.settings import load_settings
from host_spec import ConfigError

SECRET = "6c6c98544461bbe71db2bca4c6d7fd0021e0ba9efc215f9c6ad41852df9d9df9"


@pytest.mark.parametrize(
    ("secret", "memo", "ts", "payload", "expected"),
    [
        (SECRET, "test001", "1589793796145", '{"symbol":"BTC_USDT","price":"8600","count":"100"}',
         "c31dc326bf87f38bfb49a3f8494961abfa291bd549d0d98d9578e87516cee46d"),
        (SECRET, "test001", "1589267764859", "bitmart.WebSocket",
         "3ceeb7e1b8cb165a975e28a2e2dfaca4d30b358873c0351c1a071d8c83314556"),
        (SECRET, "test001", "1589267764859", "contract_id=1&category=1",
         "6d5e774446448073f68e99c28ace86503451bed1fd44e43f80b9b518937c4ef1"),
        ("test_secret_key", "test_memo", "1640001112223", "bitmart.WebSocket",
         "f0f176c799346a7730c9c237a09d14742971f3ab59848dde75ef1ac95b04c4e5"),
    ],
)
def test_known_answer_vectors(secret: str, memo: str, ts: str, payload: str, expected: str) -> None:
    assert sign(secret, memo, ts, payload) == expected


def test_rest_headers_and_ws_login() -> None:
    body = '{"symbol":"BTC_USDT","price":"8600","count":"100"}'
    headers = rest_auth_headers("80618e45710812162b04892c7ee5ead4a3cc3e56", SECRET, "test001", body, "1589793796145")
    assert headers["X-BM-SIGN"] == "c31dc326bf87f38bfb49a3f8494961abfa291bd549d0d98d9578e87516cee46d"
    assert headers["X-BM-TIMESTAMP"] == "1589793796145"
    login = ws_login_message("k", "test_secret_key", "test_memo", "1640001112223")
    assert login == {"op": "login", "args": ["k", "1640001112223",
                                             "f0f176c799346a7730c9c237a09d14742971f3ab59848dde75ef1ac95b04c4e5"]}


@pytest.mark.parametrize(
    ("env", "needle"),
    [
        ({"BITMART_MEMO": "   "}, "BITMART_MEMO is empty"),
        ({"BITMART_REST_URL": "api-cloud.bitmart.com"}, "BITMART_REST_URL 'api-cloud.bitmart.com' is not a http or https URL"),
        ({"BITMART_WS_PRIVATE_URL": "http://x/user"}, "BITMART_WS_PRIVATE_URL"),
    ],
)
def test_bad_settings_name_the_variable(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], needle: str) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError, match=needle):
        load_settings()


def test_settings_read_dotenv_and_hide_secrets(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("BITMART_API_KEY=abc\nBITMART_SECRET_KEY=topsecret\nBITMART_MEMO=mymemo\n")
    settings = load_settings()
    assert settings.has_credentials and settings.memo.get_secret_value() == "mymemo"
    assert "topsecret" not in repr(settings) and "mymemo" not in str(settings)
