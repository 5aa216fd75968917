"""The compiled sandbox core's guard (bitmart_plugin/sandbox/native.py): a build older than its sources is
refused with the fix in the message, BITMART_SANDBOX_PURE=1 runs the sources, and a current build runs."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bitmart_plugin.sandbox import native

SUFFIX = ".cpython-399-test.so"  # a made-up interpreter: the tree's real builds are not touched


def _tree(tmp_path: Path, *, built: bool = True, record: bool = True) -> Path:
    """A copy of the compiled modules' sources, with fake extension modules and (``record``) a manifest."""
    for m in native.MODULES:
        dest = tmp_path / m
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(os.path.join(native.HERE, m), dest)
        if built:
            Path(native.extension_path(m, str(tmp_path), SUFFIX)).write_bytes(b"")
    if record:
        Path(native.manifest_path(str(tmp_path), SUFFIX)).write_text(json.dumps(native.digests(str(tmp_path))))
    return tmp_path


def test_a_build_from_the_current_sources_is_not_stale(tmp_path: Path) -> None:
    assert native.stale_modules(str(_tree(tmp_path)), SUFFIX) == []


def test_no_build_is_never_stale(tmp_path: Path) -> None:
    assert native.stale_modules(str(_tree(tmp_path, built=False, record=False)), SUFFIX) == []


def test_an_edited_source_makes_its_module_stale(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    with open(root / "spot" / "agents.py", "a") as f:
        f.write("\n# edited\n")
    assert native.stale_modules(str(root), SUFFIX) == ["spot/agents.py"]


def test_a_build_without_its_record_is_stale(tmp_path: Path) -> None:
    assert native.stale_modules(str(_tree(tmp_path, record=False)), SUFFIX) == list(native.MODULES)


def test_the_guard_refuses_a_stale_build_and_says_how_to_fix_it(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    root = _tree(tmp_path)
    (root / "core" / "book.py").write_text("# edited\n")
    monkeypatch.setattr(native, "ext_suffix", lambda: SUFFIX)
    with pytest.raises(ImportError) as err:
        native.guard({}, str(root))
    assert "core/book.py" in str(err.value) and "pip install -e ." in str(err.value)
    assert native.PURE_ENV + "=1" in str(err.value)


def test_the_pure_switch_loads_the_sources_ahead_of_a_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _tree(tmp_path)
    (root / "core" / "book.py").write_text("# edited\n")  # stale, but the switch runs the sources
    monkeypatch.setattr(sys, "meta_path", [f for f in sys.meta_path if not isinstance(f, native.SourceFinder)])
    native.guard({native.PURE_ENV: "1"}, str(root))
    native.guard({native.PURE_ENV: "1"}, str(root))
    finders = [f for f in sys.meta_path if isinstance(f, native.SourceFinder)]
    assert len(finders) == 1 and sys.meta_path[0] is finders[0]
    spec = finders[0].find_spec("bitmart_plugin.sandbox.core.book")
    assert spec is not None and spec.origin == str(root / "core" / "book.py")
    assert finders[0].find_spec("bitmart_plugin.sandbox.server") is None  # only the compiled modules


def _engine_file(env: dict[str, str]) -> str:
    code = "import bitmart_plugin.sandbox.spot.engine as e; print(e.__file__)"
    out = subprocess.run([sys.executable, "-c", code], check=False, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_the_pure_switch_runs_the_python_sources_in_a_new_process() -> None:
    env = {k: v for k, v in os.environ.items() if k != native.PURE_ENV}
    assert _engine_file({**env, native.PURE_ENV: "1"}).endswith(os.path.join("spot", "engine.py"))
    pure_here = os.environ.get(native.PURE_ENV, "") not in ("", "0")
    built = os.path.exists(native.extension_path("spot/engine.py"))
    if built and not pure_here:
        assert _engine_file(env).endswith(native.ext_suffix())  # a current build runs by default


def test_an_install_with_a_c_compiler_runs_the_core_compiled() -> None:
    """hatch_build.py falls back to the sources when mypyc fails (a type error in a compiled module, say);
    this says so here rather than in a build warning nobody reads."""
    import shlex
    import sysconfig

    if os.environ.get(native.PURE_ENV, "") not in ("", "0"):
        pytest.skip(f"{native.PURE_ENV} runs the sources")
    ldshared = sysconfig.get_config_var("LDSHARED")
    if not ldshared or shutil.which(shlex.split(ldshared)[0]) is None:
        pytest.skip("no C compiler: the sources run")
    assert native.compiled(), "the sandbox's core was not compiled at install: run `pip install -v -e .` and read why"
