"""Wheel build hook: compiles host_spec/_levels.c, the order book's C hot loop, when a C compiler is at hand.

Without a compiler (or on any compile error) the build goes on pure Python: host_spec.orderbook then runs
the same loop in Python, slower (bench_depth.py's connector figure drops by about a fifth). An editable
install builds the module into the source tree (host_spec/_levels*.so, ignored by git), so after changing
_levels.c run `pip install -e .` again.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sysconfig
import tempfile
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

SOURCE = os.path.join("host_spec", "_levels.c")


def compile_levels(root: str) -> tuple[str | None, str]:
    """Build the extension next to its source: (its path, "") or (None, why it could not be built)."""
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    ldshared = sysconfig.get_config_var("LDSHARED")
    if not suffix or not ldshared:  # not a POSIX build of CPython: stay pure Python
        return None, "this Python has no C build settings"
    target = os.path.join(root, "host_spec", "_levels" + suffix)
    fd, tmp = tempfile.mkstemp(suffix=suffix, dir=os.path.dirname(target))
    os.close(fd)
    flags = shlex.split(sysconfig.get_config_var("CCSHARED") or "") + ["-O2", "-I" + sysconfig.get_paths()["include"]]
    cmd = [*shlex.split(ldshared), *flags, os.path.join(root, SOURCE), "-o", tmp]
    try:
        subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.SubprocessError) as exc:
        os.unlink(tmp)
        return None, str(getattr(exc, "stderr", "") or exc).strip()
    os.replace(tmp, target)
    return target, ""


class CustomBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel":
            return
        built, why = compile_levels(self.root)
        if built is None:
            self.app.display_warning(f"host_spec: {SOURCE} not compiled ({why}); the order book runs its Python loop")
            return
        if version == "editable":  # an editable install imports it from the source tree
            return
        build_data["force_include"][built] = "host_spec/" + os.path.basename(built)
        build_data["pure_python"] = False
        build_data["infer_tag"] = True
