"""The sandbox's cost per agent action and per push as a deterministic instruction count (not a test).

Timings on a shared VM move by up to 2x between runs minutes apart; instruction counts do not. This runs a
fixed workload (300 pairs, every pair's depth and trades subscribed in-process, ``--warm`` agent actions, then
``--actions`` more, in steps of half the pairs, the depth batch flushed after each step) twice under valgrind's
callgrind, once with the measured actions and once without, and prints the difference per action and per push.
(The sandbox's own timers, the 1 s heartbeats among them, also run during both: counts move by ~1-3 % between
runs.) At 1,000 pairs, warm past the agents' 20,000 kept finished orders to measure their pruning too.

Run: .venv/bin/python benchmarks/sandbox_push_cost.py [--actions 3000]   (needs valgrind; ~3 min)
     .venv/bin/python benchmarks/sandbox_push_cost.py --pairs 1000 --warm 40000 --actions 8000   (~10 min)
     .venv/bin/python benchmarks/sandbox_push_cost.py --workload 3000    (the workload alone, natively)
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import re
import subprocess
import sys
import tempfile
from sandbox_scale_profile import Subscriber  # beside this script

PAIRS = 300


async def workload(actions: int, pairs: int = PAIRS, warm: int = 0) -> int:
    """Run the fixed workload; returns the pushes sent."""
    from bitmart_plugin.sandbox.config import SandboxConfig
    from bitmart_plugin.sandbox.server import Sandbox
    from bitmart_plugin.sandbox.spot.depth_feed import TABLE

    sb = Sandbox(SandboxConfig(pairs=pairs, agent_rate=0, rate_limits=False, futures_agents=False))
    await sb.start()
    try:
        ex, ws, sub = sb.exchange, sb.public_ws, Subscriber()
        assert ws is not None
        for r in ex.symbol_list:
            ex.materialize(r.symbol)
            ex.engine.market[r.symbol].trades  # the seeded history is made on first use: not in the measure
            ws.topics.add(sub, f"{TABLE}:{r.symbol}")  # type: ignore[arg-type]
            ws.topics.add(sub, f"spot/trade:{r.symbol}")  # type: ignore[arg-type]
            ws.depth.snapshot(r.symbol)
        gc.disable()  # collections depend on allocation history, not on the work measured
        step = max(1, pairs // 2)
        for _ in range((warm + actions) // step):
            ex.step_agents(step)
            ws.depth._flush_dirty()
            await asyncio.sleep(0)  # trade pushes go out on the next loop pass
            await asyncio.sleep(0)
        return sub.frames
    finally:
        await sb.stop()


def _start(actions: int, pairs: int, warm: int, out_dir: str) -> tuple[subprocess.Popen[str], str]:
    """One workload run under callgrind, started; its frames file."""
    frames_file = os.path.join(out_dir, f"frames.{actions}")
    cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={os.path.join(out_dir, f'cg.{actions}')}",
           sys.executable, __file__, "--workload", str(actions), "--pairs", str(pairs), "--warm", str(warm),
           "--frames-file", frames_file]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env), frames_file


def _finish(run: tuple[subprocess.Popen[str], str]) -> tuple[int, int]:
    """(instructions, pushes) of a run started by `_start`."""
    proc, frames_file = run
    _, err = proc.communicate()
    m = re.search(r"Collected : (\d+)", err)
    if proc.returncode or m is None:
        raise SystemExit("callgrind printed no instruction count:\n" + err[-2000:])
    with open(frames_file) as f:
        return int(m.group(1)), int(f.read())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--actions", type=int, default=3000, help="agent actions measured (a multiple of half the pairs)")
    ap.add_argument("--pairs", type=int, default=PAIRS, help="sandbox pairs, all subscribed (default 300)")
    ap.add_argument("--warm", type=int, default=0, help="agent actions before the measured ones, in both runs")
    ap.add_argument("--workload", type=int, metavar="N", help="only run the workload with N actions")
    ap.add_argument("--frames-file", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.workload is not None:
        frames = asyncio.run(workload(a.workload, a.pairs, a.warm))
        if a.frames_file:
            with open(a.frames_file, "w") as f:
                f.write(str(frames))
        print(f"{a.workload} actions, {frames} pushes")
        return
    with tempfile.TemporaryDirectory() as tmp:
        runs = [_start(n, a.pairs, a.warm, tmp) for n in (0, a.actions)]  # side by side: one core each
        (base, base_pushes), (total, pushes) = (_finish(r) for r in runs)
    work, pushes = total - base, pushes - base_pushes
    warm = f" after {a.warm} warming" if a.warm else ""
    print(f"sandbox, {a.pairs} pairs, {a.actions} agent actions{warm}, {pushes} pushes (depth and trades), "
          f"Python {sys.version.split()[0]}, PYTHONHASHSEED=0")
    print(f"  {work / a.actions:,.0f} instructions per action, {work / max(1, pushes):,.0f} per push")


if __name__ == "__main__":
    main()
