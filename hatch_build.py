"""Wheel build hook: compiles the optional C accelerators when a C compiler is at hand.

* host_spec/_levels.c: the order book's C hot loop (host_spec.orderbook);
* bitmart_plugin/_depthjson.c: a decoder specialised for BitMart's spot depth push (bitmart_plugin.ws.public);
* bitmart_plugin/sandbox/_deflate.c: the sandbox's raw-deflate compressor for small pushes (sandbox/deflate.py).

Each is built on its own. Without a compiler (or on a compile error) the build goes on without it and the
code runs its Python path, slower (see the README's benchmark table) but identical. An editable install
builds the modules into the source tree (`*.so`, ignored by git), so after changing a .c file run
`pip install -e .` again.
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
SOURCES = (SOURCE, os.path.join("bitmart_plugin", "_depthjson.c"), os.path.join("bitmart_plugin", "sandbox", "_deflate.c"))


def compile_levels(root: str) -> tuple[str | None, str]:
    """Build host_spec/_levels.c next to its source: (its path, "") or (None, why it could not be built)."""
    return compile_extension(root, SOURCE)


def compile_extension(root: str, source: str) -> tuple[str | None, str]:
    """Build the extension `source` (relative to `root`) next to it: (its path, "") or (None, why not)."""
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    ldshared = sysconfig.get_config_var("LDSHARED")
    if not suffix or not ldshared:  # not a POSIX build of CPython: stay pure Python
        return None, "this Python has no C build settings"
    target = os.path.join(root, os.path.splitext(source)[0] + suffix)
    fd, tmp = tempfile.mkstemp(suffix=suffix, dir=os.path.dirname(target))
    os.close(fd)
    flags = shlex.split(sysconfig.get_config_var("CCSHARED") or "") + ["-O2", "-I" + sysconfig.get_paths()["include"]]
    cmd = [*shlex.split(ldshared), *flags, os.path.join(root, source), "-o", tmp]
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
        for source in SOURCES:
            built, why = compile_extension(self.root, source)
            if built is None:
                self.app.display_warning(f"host-spec: {source} not compiled ({why}); its Python path runs instead")
                continue
            if version == "editable":  # an editable install imports it from the source tree
                continue
            build_data["force_include"][built] = os.path.relpath(built, self.root).replace(os.sep, "/")
            build_data["pure_python"] = False
            build_data["infer_tag"] = True
