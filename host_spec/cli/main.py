"""`host-spec`: list plugins and connectors, connect, and drive a connector from the terminal."""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import sys
from collections.abc import Callable, Mapping, Sequence

from host_spec.errors import ConnectorError
from host_spec.host import Host

__all__ = ["main"]

log = logging.getLogger(__name__)
LOG_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("host-spec")
    except PackageNotFoundError:
        return "unknown"


def log_level(verbose: int, env: Mapping[str, str]) -> int:
    """-v is INFO, -vv DEBUG; without -v, HOST_SPEC_LOG (debug|info|warning|error); else WARNING."""
    if verbose:
        return logging.INFO if verbose == 1 else logging.DEBUG
    name = env.get("HOST_SPEC_LOG", "").strip().lower()
    if name and name not in LOG_LEVELS:
        raise ValueError(f"HOST_SPEC_LOG must be one of {', '.join(LOG_LEVELS)}, not {name!r}")
    return LOG_LEVELS.get(name, logging.WARNING)


def configure_logging(level: int) -> None:
    """One stderr handler on the root logger: bare messages by default, timed and named when verbose."""
    fmt = "%(message)s" if level >= logging.WARNING else "%(asctime)s %(levelname)s %(name)s: %(message)s"
    logging.basicConfig(level=level, format=fmt, stream=sys.stderr, force=True)


def table(rows: list[list[str]], headers: list[str]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows, strict=False)]
    line = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=False)).rstrip()  # noqa: E731
    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def cmd_plugins(host: Host, args: argparse.Namespace) -> int:
    loaded = set(host.plugin_names())
    items = []
    for load in host.report.loads:
        hooks = host.plugin_hooks(load.name) if load.name in loaded else []
        items.append(
            {
                "name": load.name,
                "module": load.value,
                "distribution": load.distribution,
                "version": load.version,
                "status": load.status,
                "error": load.error or None,
                "hooks": hooks,
            }
        )
    if args.json:
        print(json.dumps(items, indent=2))
        return 0
    if not items:
        print("No plugins installed in the 'host_spec' entry-point group.")
        return 0
    rows = [[i["name"], i["status"], f"{i['distribution']} {i['version']}".strip(), i["error"] or f"{len(i['hooks'])} hooks"]
            for i in items]
    print(table(rows, ["plugin", "status", "distribution", "hooks / error"]))
    return 0


def cmd_connectors(host: Host, args: argparse.Namespace) -> int:
    infos = host.connectors()
    if args.json:
        print(json.dumps([info.to_json() for info in infos], indent=2))
        return 0
    if not infos:
        print("No connectors: install a plugin or check HOST_SPEC_PLUGINS / HOST_SPEC_DISABLE_PLUGINS.")
        return 0
    rows = []
    for info in infos:
        built = [c.name for c in info.components if c.built]
        rows.append([info.id, info.exchange_type, f"{info.market_type} {info.instrument.value}", info.connection_type,
                     ",".join(t.value for t in info.order_types), info.paper_trade or "-",
                     ", ".join(built) or "-"])
    print(table(rows, ["connector", "type", "market", "connection", "order types", "paper trade", "built"]))
    return 0


def _lazy(module: str, name: str) -> Callable[[Host, argparse.Namespace], int]:
    """A command function imported only when the command runs (keeps listing commands fast)."""

    def run(host: Host, args: argparse.Namespace) -> int:
        return int(getattr(importlib.import_module(module), name)(host, args))

    return run


def build_parser(host: Host) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="host-spec", description="Discover and drive exchange connector plugins.")
    parser.add_argument("--version", action="version", version=f"host-spec {_version()}")
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help="log progress (-v) or everything (-vv) to stderr; or set HOST_SPEC_LOG=debug|info|warning")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    p = sub.add_parser("plugins", help="list installed connector plugins")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_plugins)
    p = sub.add_parser("connectors", help="list connectors and what they can do")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_connectors)
    from host_spec.cli.trading import add_trading_commands

    p = sub.add_parser("demo", help="run the whole system against a connector's embedded sandbox")
    p.add_argument("connector", nargs="?", help="connector id (default: the first with a sandbox)")
    p.add_argument("--pair", default="BTC-USDT")
    p.add_argument("--seconds", type=float, default=3.0, help="how long to watch each stream")
    p.add_argument("--chart", default="demo_candles.png", help="where to write the candle chart")
    p.set_defaults(func=_lazy("host_spec.cli.demo", "cmd_demo"))
    add_trading_commands(sub)
    from host_spec.cli.orders import add_order_command
    from host_spec.cli.perp import add_perp_commands

    add_order_command(sub)
    add_perp_commands(sub)
    from host_spec.cli.candles import add_candles_command

    add_candles_command(sub)
    host.register_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        host = Host.discover()
        parser = build_parser(host)
        args = parser.parse_args(argv)
        try:
            configure_logging(log_level(args.verbose, os.environ))
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        log.info("host-spec %s: %d plugin(s) loaded, command %s", _version(), len(host.plugin_names()), args.command)
        for load in host.report.loads:
            log.debug("plugin %s: %s (%s %s)%s", load.name, load.status, load.distribution, load.version,
                      f": {load.error}" if load.error else "")
        if not getattr(args, "func", None):
            parser.print_help()
            return 2
        return int(args.func(host, args) or 0)
    except ConnectorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except ValueError as exc:  # bad user input such as a malformed pair
        if os.environ.get("HOST_SPEC_DEBUG"):
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
