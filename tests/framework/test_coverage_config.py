"""The coverage settings in pyproject.toml measure the CLI where it runs: in `python -m host_spec.cli` subprocesses."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SPAWNS_THE_CLI = "import subprocess, sys; subprocess.run([sys.executable, '-m', 'host_spec.cli', 'connectors', '--json'], check=True, capture_output=True)"


def _coverage(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "coverage", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def test_coverage_counts_cli_subprocesses(tmp_path: Path) -> None:
    rc, data = f"--rcfile={ROOT / 'pyproject.toml'}", f"--data-file={tmp_path / '.coverage'}"
    (tmp_path / "spawn.py").write_text(SPAWNS_THE_CLI + "\n")
    run = _coverage("run", rc, data, "spawn.py", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    combined = _coverage("combine", rc, data, cwd=tmp_path)
    assert combined.returncode == 0, combined.stdout + combined.stderr
    report = _coverage("json", rc, data, "-o", str(tmp_path / "cov.json"), cwd=tmp_path)
    assert report.returncode == 0, report.stdout + report.stderr
    files = json.loads((tmp_path / "cov.json").read_text())["files"]
    cli = next((v for k, v in files.items() if k.replace("\\", "/").endswith("host_spec/cli/main.py")), None)
    assert cli is not None and cli["summary"]["covered_lines"] > 10, sorted(files)
