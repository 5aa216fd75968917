"""Fixtures that install tiny plugin distributions on sys.path, found through importlib.metadata."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).parent


def make_distribution(root: Path, dist: str, plugins: dict[str, str], modules: dict[str, str]) -> Path:
    """Write `<dist>-0.1.dist-info` with `host_spec` entry points and the plugin modules into `root`."""
    info = root / f"{dist}-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1\n")
    lines = "\n".join(f"{name} = {module}" for name, module in plugins.items())
    (info / "entry_points.txt").write_text(f"[host_spec]\n{lines}\n")
    for name, source in modules.items():
        (root / f"{name}.py").write_text(source)
    return root


@pytest.fixture
def plugin_path(tmp_path: Path) -> Iterator[Path]:
    """A folder on sys.path holding the fake exchange distribution and a broken one."""
    root = tmp_path / "site"
    root.mkdir()
    for module in ("fake_exchange_plugin.py", "fake_perp_exchange.py"):
        shutil.copy(HERE / module, root / module)
    make_distribution(root, "fake_exchange", {"fakex": "fake_exchange_plugin"}, {})
    make_distribution(root, "broken_plugin", {"broken": "broken_plugin_mod"},
                      {"broken_plugin_mod": "raise RuntimeError('this plugin is broken on purpose')\n"})
    sys.path.insert(0, str(root))
    try:
        yield root
    finally:
        sys.path.remove(str(root))
        for mod in ("fake_exchange_plugin", "fake_perp_exchange", "broken_plugin_mod"):
            sys.modules.pop(mod, None)
