"""Wheel build hook: compiles the optional C accelerators when a C compiler is at hand.

* host_spec/_levels.c: the order book's C hot loop (host_spec.orderbook);
* bitmart_plugin/_depthjson.c: a decoder specialised for BitMart's spot depth push (bitmart_plugin.ws.public);
* bitmart_plugin/sandbox/_deflate.c: the sandbox's raw-deflate compressor for small pushes (sandbox/deflate.py);
* the sandbox's core (the modules bitmart_plugin/sandbox/native.py lists), compiled by mypyc (a dependency
  of this hook, not of the package) into extension modules beside their sources.

Each is built on its own. Without a compiler (or on a compile error) the build goes on without it and the
code runs its Python path, slower (see the README's benchmark table) but identical. An editable install
builds the modules into the source tree (`*.so`, ignored by git), so after changing a .c file run
`pip install -e .` again; after changing one of the compiled sandbox modules too (the sandbox refuses to
import a compiled core older than its sources, and says so).
"""

from __future__ import annotations

import importlib.util
import json
import os
import shlex
import subprocess
import sysconfig
import tempfile
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

SOURCE = os.path.join("host_spec", "_levels.c")
SANDBOX = os.path.join("bitmart_plugin", "sandbox")
SOURCES = (SOURCE, os.path.join("bitmart_plugin", "_depthjson.c"), os.path.join(SANDBOX, "_deflate.c"))


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


def _native_spec(root: str) -> Any:
    """bitmart_plugin/sandbox/native.py, loaded on its own (the package would import the sandbox)."""
    spec = importlib.util.spec_from_file_location("_sandbox_native_spec", os.path.join(root, SANDBOX, "native.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def native_files(root: str, native: Any) -> list[str]:
    """The compiled core's files in the source tree for this interpreter (extension modules, manifest)."""
    return [f for f in native.build_outputs(os.path.join(root, SANDBOX)) if os.path.exists(f)]


def _ship(build_data: dict[str, Any], root: str, built: str) -> None:
    """Put a file built in the source tree into the wheel, which is then platform-specific."""
    build_data["force_include"][built] = os.path.relpath(built, root).replace(os.sep, "/")
    build_data["pure_python"] = False
    build_data["infer_tag"] = True


def compile_native_sandbox(root: str) -> tuple[list[str], str]:
    """mypyc-compile the sandbox's core beside its sources: (the files made, "") or ([], why not).

    A failed build removes what it made, so the sources run (a compiled core is all or nothing: its
    modules call each other inside one shared library).
    """
    native = _native_spec(root)
    sandbox = os.path.join(root, SANDBOX)
    for old in native_files(root, native):
        os.unlink(old)
    try:
        from mypyc.build import mypycify
        from setuptools import Distribution
    except ImportError as exc:
        return [], f"mypyc is not installed ({exc})"
    paths = [os.path.join(SANDBOX, m) for m in native.MODULES]
    cwd = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        try:
            os.chdir(root)  # mypyc names modules by their paths from here
            flags = ["--ignore-missing-imports", "--follow-imports=silent", "--cache-dir", os.path.join(tmp, "cache")]
            exts = mypycify([*flags, *paths], opt_level="3", target_dir=os.path.join(tmp, "c"),
                            group_name=f"bitmart_plugin.sandbox.{native.GROUP}")
            dist = Distribution({"name": "host-spec-sandbox-native", "ext_modules": exts})
            cmd = dist.get_command_obj("build_ext")
            cmd.inplace = True
            cmd.build_temp = os.path.join(tmp, "obj")
            cmd.ensure_finalized()
            cmd.run()
        # any failure leaves the sources to run; mypyc exits (SystemExit) on a type error
        except (Exception, SystemExit) as exc:  # noqa: BLE001
            for made in native_files(root, native):
                os.unlink(made)
            return [], f"{type(exc).__name__}: {exc}"
        finally:
            os.chdir(cwd)
    with open(native.manifest_path(sandbox), "w") as f:
        json.dump(native.digests(sandbox), f, indent=1, sort_keys=True)
    return native_files(root, native), ""


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
            _ship(build_data, self.root, built)
        made, why = compile_native_sandbox(self.root)
        if not made:
            self.app.display_warning(f"host-spec: the sandbox's core not compiled ({why}); its sources run instead")
        elif version != "editable":
            for built in made:
                _ship(build_data, self.root, built)
