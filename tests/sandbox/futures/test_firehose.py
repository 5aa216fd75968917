"""The futures firehose: its depthIncrease50 and depth50 forms carry the same book, step by step."""

from __future__ import annotations

import json

from bitmart_plugin.sandbox.futures.firehose import INCREASE, SIDES, T0_MS, futures_depth_frames


def _book(levels: list[dict[str, str]]) -> dict[str, str]:
    return {row["price"]: row["vol"] for row in levels}


def test_both_forms_hold_the_same_book_after_every_step() -> None:
    inc, sides = futures_depth_frames(300, levels=20, per_frame=6, seed=4)
    pushes = [json.loads(f) for f in inc]
    assert {p["group"] for p in pushes} == {INCREASE} and [p["data"]["version"] for p in pushes] == list(range(1, 302))
    assert pushes[0]["data"]["type"] == "snapshot" and {p["data"]["type"] for p in pushes[1:]} == {"update"}
    by_time: dict[int, dict[int, dict[str, str]]] = {}  # ms_t -> way -> the side as pushed then
    for frame in sides:
        push = json.loads(frame)
        assert push["group"] == SIDES and len(push["data"]["depths"]) == 20
        by_time.setdefault(push["data"]["ms_t"], {})[push["data"]["way"]] = _book(push["data"]["depths"])
    held = {1: _book(pushes[0]["data"]["bids"]), 2: _book(pushes[0]["data"]["asks"])}
    per_side = dict(by_time[T0_MS])
    assert per_side == held
    for push in pushes[1:]:
        data = push["data"]
        assert data["bids"] or data["asks"]
        for way, rows in ((1, data["bids"]), (2, data["asks"])):
            assert bool(rows) == (way in by_time.get(data["ms_t"], {}))  # a side is pushed when it changed
            for row in rows:
                if row["vol"] == "0":
                    del held[way][row["price"]]
                else:
                    held[way][row["price"]] = row["vol"]
        per_side.update(by_time.get(data["ms_t"], {}))
        assert per_side == held and all(len(side) == 20 for side in held.values())
        assert all(v.isdigit() and v != "0" for side in held.values() for v in side.values())  # whole contracts


def test_deterministic_from_the_seed() -> None:
    assert futures_depth_frames(50, seed=2) == futures_depth_frames(50, seed=2) != futures_depth_frames(50, seed=3)
