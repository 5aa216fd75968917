"""Throttle with a fake clock: window limits x safety, used-count headers, 429 backoff, 418 ban."""

from __future__ import annotations

import pytest

from host_spec import RateLimited

from bitmart_plugin.throttle import Throttle


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, s: float) -> None:
        self.slept.append(s)
        self.now += s


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


async def test_submit_window_is_40_per_2s_times_safety(clock: FakeClock) -> None:
    t = Throttle(0.9, clock=clock, sleep=clock.sleep)
    for _ in range(36):
        await t.acquire("/spot/v2/submit_order")
    assert clock.slept == []
    await t.acquire("/spot/v3/cancel_order")  # same group: 37th request waits for the window
    assert clock.slept == [pytest.approx(2.0)]


async def test_cancel_all_is_1_per_3s(clock: FakeClock) -> None:
    t = Throttle(0.9, clock=clock, sleep=clock.sleep)
    await t.acquire("/spot/v4/cancel_all")
    await t.acquire("/spot/v4/cancel_all")
    assert sum(clock.slept) == pytest.approx(3.0)


async def test_used_count_header_slows_us_down(clock: FakeClock) -> None:
    t = Throttle(0.9, clock=clock, sleep=clock.sleep)
    await t.acquire("/spot/v4/query/open-orders")
    # Remaining = USED: the server has counted 10 of 12 (others share the key) although we sent one.
    t.observe("/spot/v4/query/open-orders", {"X-BM-RateLimit-Remaining": "10", "X-BM-RateLimit-Limit": "12",
                                              "X-BM-RateLimit-Reset": "2"})
    assert t.used("/spot/v4/query/open-orders") == 10  # cap is int(12 * 0.9) = 10
    await t.acquire("/spot/v4/query/trades")
    assert clock.slept and clock.slept[0] == pytest.approx(2.0)


async def test_exhausted_header_holds_for_the_window(clock: FakeClock) -> None:
    t = Throttle(1.0, clock=clock, sleep=clock.sleep)
    t.observe("/spot/v1/wallet", {"x-bm-ratelimit-remaining": "12", "x-bm-ratelimit-limit": "12", "x-bm-ratelimit-reset": "2"})
    await t.acquire("/spot/v1/wallet")
    assert sum(clock.slept) >= 2.0


async def test_429_penalty_and_418_ban(clock: FakeClock) -> None:
    t = Throttle(0.9, clock=clock, sleep=clock.sleep)
    assert t.penalize("/spot/v1/wallet", 1.5) == 1.5
    await t.acquire("/spot/v1/wallet")
    assert clock.slept == [pytest.approx(1.5)]
    t.ban("/spot/v2/submit_order", 30)
    with pytest.raises(RateLimited) as e:
        await t.acquire("/spot/v2/submit_order")
    assert e.value.banned and e.value.retry_after == pytest.approx(30)
    assert "418" in str(e.value)
    await t.acquire("/spot/v1/wallet")  # other groups still work
    clock.now += 31
    await t.acquire("/spot/v2/submit_order")


@pytest.mark.parametrize(("used", "limit", "reset"), [("12", "12", "60"), ("601", "600", "10")])
async def test_exhausted_server_window_holds_for_its_reset_not_our_window(
    clock: FakeClock, used: str, limit: str, reset: str
) -> None:
    """Our own 2 s window is empty but the server's window (Reset seconds long) is used up: padding our log
    alone would wait 2 s; the throttle must hold the group for the server's window."""
    t = Throttle(0.9, clock=clock, sleep=clock.sleep)
    t.observe("/spot/v1/wallet", {"X-BM-RateLimit-Remaining": used, "X-BM-RateLimit-Limit": limit,
                                  "X-BM-RateLimit-Reset": reset})
    await t.acquire("/account/v1/wallet")  # same group
    assert sum(clock.slept) >= float(reset)
    waited = sum(clock.slept)
    await t.acquire("/spot/v4/query/client-order")  # other groups are not held
    assert sum(clock.slept) == waited


async def test_a_futures_path_keeps_its_limit_in_the_spot_table(clock: FakeClock) -> None:
    """The spot client serves the perp candles feed on the futures host: klines are 12 per 2 s there, not the
    spot table's default 5 (which starved the candles backfill and polls)."""
    t = Throttle(0.9, clock=clock, sleep=clock.sleep)  # the spot table
    for _ in range(10):  # int(12 * 0.9)
        await t.acquire("/contract/public/kline")
    await t.acquire("/contract/public/details")  # its own window
    assert clock.slept == []
    await t.acquire("/contract/public/kline")
    assert clock.slept == [pytest.approx(2.0)]
