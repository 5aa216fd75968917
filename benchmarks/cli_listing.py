"""Median wall time of `host-spec plugins --json` and `host-spec connectors --json` (fresh processes).

Usage: python benchmarks/cli_listing.py [runs]
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time


def median_seconds(args: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "host_spec.cli", *args], check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 21
    base = median_seconds(["--help"], 3)  # warm the file cache
    bare = statistics.median(
        [(lambda s: (subprocess.run([sys.executable, "-c", "pass"], check=True), time.perf_counter() - s)[1])(time.perf_counter())
         for _ in range(runs)]
    )
    print(f"python startup alone: median {bare * 1000:.0f} ms ({runs} runs); warm-up {base * 1000:.0f} ms")
    for command in (["plugins", "--json"], ["connectors", "--json"]):
        print(f"host-spec {' '.join(command)}: median {median_seconds(command, runs) * 1000:.0f} ms over {runs} runs")


if __name__ == "__main__":
    main()
