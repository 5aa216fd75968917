"""Build the plugin manager: hookspecs, entry points, allow/block lists, validation, tracing."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from types import ModuleType
from typing import Any, TextIO

import pluggy

from host_spec import hookspecs

__all__ = ["ENTRY_POINT_GROUP", "PluginLoad", "PluginReport", "get_plugin_manager"]

ENTRY_POINT_GROUP = "host_spec"


@dataclass(frozen=True, slots=True)
class PluginLoad:
    """What happened to one entry point: loaded, blocked by the environment, or failed."""

    name: str
    value: str
    distribution: str
    version: str
    status: str  # "loaded" | "blocked" | "failed"
    error: str = ""


@dataclass
class PluginReport:
    loads: list[PluginLoad] = field(default_factory=list)

    @property
    def failures(self) -> list[PluginLoad]:
        return [load for load in self.loads if load.status == "failed"]


def _names(value: str | None) -> set[str] | None:
    if value is None or not value.strip():
        return None
    return {part.strip() for part in value.split(",") if part.strip()}


def _distribution(ep: EntryPoint) -> tuple[str, str]:
    dist = getattr(ep, "dist", None)
    if dist is None:
        return "", ""
    return dist.metadata["Name"] or "", dist.version or ""


def _unknown_hooks(module: Any) -> list[str]:
    known = {name for name in dir(hookspecs) if hasattr(getattr(hookspecs, name), "host_spec_spec")}
    unknown = []
    for name in dir(module):
        attr = getattr(module, name, None)
        if callable(attr) and hasattr(attr, "host_spec_impl") and name not in known:
            unknown.append(name)
    return unknown


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")


def load_entry_points(
    pm: pluggy.PluginManager,
    eps: Iterable[EntryPoint],
    env: Mapping[str, str],
    report: PluginReport,
    warn: TextIO | None,
) -> None:
    """Register each entry point's module unless blocked; a plugin that fails is reported in one line."""
    blocked = _names(env.get("HOST_SPEC_DISABLE_PLUGINS")) or set()
    allowed = _names(env.get("HOST_SPEC_PLUGINS"))
    seen: set[str] = set()
    for ep in sorted(eps, key=lambda e: e.name):
        if ep.name in seen:
            continue
        seen.add(ep.name)
        dist, version = _distribution(ep)
        if ep.name in blocked or (allowed is not None and ep.name not in allowed):
            report.loads.append(PluginLoad(ep.name, ep.value, dist, version, "blocked"))
            continue
        try:
            module: ModuleType = ep.load()
            unknown = _unknown_hooks(module)
            if unknown:
                raise pluggy.PluginValidationError(module, f"unknown hook(s) {', '.join(unknown)}")
            pm.register(module, name=ep.name)
        except Exception as exc:  # a broken third-party plugin must not take the host down
            message = _one_line(exc)
            report.loads.append(PluginLoad(ep.name, ep.value, dist, version, "failed", message))
            if warn is not None:
                print(f"host-spec: plugin {ep.name!r} ({ep.value}) failed to load: {message}", file=warn)
            continue
        report.loads.append(PluginLoad(ep.name, ep.value, dist, version, "loaded"))


def _enable_trace(pm: pluggy.PluginManager, out: TextIO) -> None:
    def before(hook_name: str, hook_impls: Any, kwargs: Mapping[str, Any]) -> None:
        shown = {k: v for k, v in kwargs.items() if k not in ("session", "register")}
        print(f"host-spec trace: {hook_name}({shown}) -> {len(hook_impls)} impl(s)", file=out)

    def after(outcome: Any, hook_name: str, hook_impls: Any, kwargs: Mapping[str, Any]) -> None:
        exc = outcome.exception
        result = f"raised {type(exc).__name__}" if exc else f"returned {type(outcome.get_result()).__name__}"
        print(f"host-spec trace: {hook_name} {result}", file=out)

    pm.add_hookcall_monitoring(before, after)


def get_plugin_manager(
    *,
    env: Mapping[str, str] | None = None,
    entry_point_list: Iterable[EntryPoint] | None = None,
    extra_plugins: Iterable[tuple[str, object]] = (),
    warn: TextIO | None = sys.stderr,
) -> tuple[pluggy.PluginManager, PluginReport]:
    """Return a plugin manager with every allowed plugin registered and checked, and a load report.

    `entry_point_list` replaces the installed entry points (tests); `extra_plugins` are registered
    after them as (name, object) pairs and obey the same allow/block lists.
    """
    env = os.environ if env is None else env
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    report = PluginReport()
    eps = entry_points(group=ENTRY_POINT_GROUP) if entry_point_list is None else entry_point_list
    load_entry_points(pm, eps, env, report, warn)
    blocked = _names(env.get("HOST_SPEC_DISABLE_PLUGINS")) or set()
    allowed = _names(env.get("HOST_SPEC_PLUGINS"))
    for name, plugin in extra_plugins:
        if name in blocked or (allowed is not None and name not in allowed):
            report.loads.append(PluginLoad(name, repr(plugin), "", "", "blocked"))
            continue
        pm.register(plugin, name=name)
        report.loads.append(PluginLoad(name, getattr(plugin, "__name__", repr(plugin)), "", "", "loaded"))
    pm.check_pending()
    if env.get("HOST_SPEC_TRACE", "") not in ("", "0"):
        _enable_trace(pm, warn or sys.stderr)
    return pm, report
