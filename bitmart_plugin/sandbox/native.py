"""The sandbox's compiled core: which modules are compiled, and the guard against running a stale build.

`hatch_build.py` compiles MODULES with mypyc at install, where mypyc and a C compiler are at hand, into
extension modules beside their sources (one shared library, `_native__mypyc`, holds their code), and
records each source's SHA-256 in a manifest for this interpreter. The agents, the matching engine and the
depth feed then run as C: ~24% less CPU per agent action at 1,000 pairs (sandbox DESIGN, "Seventh pass").
Without mypyc the same sources run as Python, identical but slower.

An extension module shadows its .py, so an edited source would be silently ignored: `guard` (run when the
sandbox package is imported) refuses compiled modules whose sources changed since they were built.
`BITMART_SANDBOX_PURE=1` runs the Python sources instead (coverage, debugging, the pure-path tests).
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import sys
import sysconfig
from collections.abc import Mapping, Sequence
from types import ModuleType

PACKAGE = "bitmart_plugin.sandbox"
HERE = os.path.dirname(os.path.abspath(__file__))
PURE_ENV = "BITMART_SANDBOX_PURE"
GROUP = "_native"  # the shared library is bitmart_plugin/sandbox/_native__mypyc<EXT_SUFFIX>
# the hot path of an agent action and of a depth push, and what they construct (paths in this package);
# futures/events.py because its ContractOrder subclasses core.events.Order (Python classes cannot)
MODULES: tuple[str, ...] = (
    "core/accounts.py", "core/book.py", "core/candles.py", "core/events.py", "core/history.py",
    "core/matching.py", "futures/events.py", "spot/agents.py", "spot/depth_feed.py", "spot/engine.py",
    "spot/exchange.py", "spot/formatting.py",
)


def ext_suffix() -> str:
    """This interpreter's extension-module suffix (``.cpython-311-x86_64-linux-gnu.so``)."""
    return str(sysconfig.get_config_var("EXT_SUFFIX") or importlib.machinery.EXTENSION_SUFFIXES[0])


def module_name(path: str) -> str:
    """``spot/engine.py`` -> ``bitmart_plugin.sandbox.spot.engine``."""
    return PACKAGE + "." + os.path.splitext(path)[0].replace("/", ".")


def manifest_path(root: str = HERE, suffix: str | None = None) -> str:
    """Where the build records the compiled sources' hashes, one file per interpreter."""
    return os.path.join(root, GROUP + os.path.splitext(suffix or ext_suffix())[0] + ".json")


def extension_path(module: str, root: str = HERE, suffix: str | None = None) -> str:
    """The extension module compiled from ``module`` (``spot/engine.py``) for an interpreter."""
    return os.path.join(root, os.path.splitext(module)[0] + (suffix or ext_suffix()))


def build_outputs(root: str = HERE, suffix: str | None = None) -> list[str]:
    """Every file a build makes for an interpreter: the extension modules, their shared library, the manifest."""
    suffix = suffix or ext_suffix()
    return ([extension_path(m, root, suffix) for m in MODULES] + [os.path.join(root, GROUP + "__mypyc" + suffix)]
            + [manifest_path(root, suffix)])


def source_digest(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def digests(root: str = HERE) -> dict[str, str]:
    """SHA-256 of every compiled module's source (what the build records)."""
    return {m: source_digest(os.path.join(root, m)) for m in MODULES}


def stale_modules(root: str = HERE, suffix: str | None = None) -> list[str]:
    """Compiled modules whose source differs from the one they were built from (or whose build left no record)."""
    suffix = suffix or ext_suffix()
    built = [m for m in MODULES if os.path.exists(extension_path(m, root, suffix))]
    if not built:
        return []
    try:
        with open(manifest_path(root, suffix)) as f:
            recorded: Mapping[str, str] = json.load(f)
    except (OSError, ValueError):
        recorded = {}
    return [m for m in built
            if os.path.exists(os.path.join(root, m)) and recorded.get(m) != source_digest(os.path.join(root, m))]


class SourceFinder(importlib.abc.MetaPathFinder):
    """Loads the compiled modules from their .py sources (ahead of the extension modules beside them)."""

    def __init__(self, root: str = HERE) -> None:
        self.files = {module_name(m): os.path.join(root, m) for m in MODULES}

    def find_spec(self, fullname: str, path: Sequence[str] | None = None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        file = self.files.get(fullname)
        return None if file is None else importlib.util.spec_from_file_location(fullname, file)


def guard(environ: Mapping[str, str] = os.environ, root: str = HERE) -> None:
    """Before the sandbox's modules are imported: run the sources if asked to, refuse a stale build."""
    if environ.get(PURE_ENV, "") not in ("", "0"):
        if not any(isinstance(f, SourceFinder) for f in sys.meta_path):
            sys.meta_path.insert(0, SourceFinder(root))
        return
    stale = stale_modules(root)
    if stale:
        raise ImportError(
            f"bitmart_plugin.sandbox: {', '.join(stale)} changed since the compiled modules beside them were "
            f"built; run `pip install -e .` again to rebuild them, or set {PURE_ENV}=1 to run the sources")


def compiled() -> bool:
    """Whether the sandbox's core runs compiled in this process."""
    from .spot import engine

    return not (engine.__file__ or "").endswith(".py")
