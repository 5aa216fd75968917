"""Checks of a user's CLI input made before anything slow starts: flags, session options, pairs, output paths.

Each raises ValueError (printed by `host-spec` as one `error:` line) or the host's InvalidPair.
"""

from __future__ import annotations

import argparse
import difflib
import os
from pathlib import Path

from host_spec.host import Connection
from host_spec.models import ConnectorInfo, TradingPair
from host_spec.rules import rule_for

__all__ = ["check_output_path", "check_session_flags", "known_pair"]

_PAPER_FLAGS = (("balance", "--balance"), ("paper_db", "--paper-db"))


def check_session_flags(info: ConnectorInfo, args: argparse.Namespace) -> None:
    """Paper-only flags on a live connector, and `-o` keys the connector does not declare, are errors."""
    used = [flag for name, flag in _PAPER_FLAGS if getattr(args, name, None)]
    if used and not info.base_connector:
        twin = f" (use {info.paper_trade})" if info.paper_trade else ""
        raise ValueError(f"{', '.join(used)}: only for paper-trade connectors; {info.id} is live{twin}")
    known = sorted(info.options)
    for key, _ in getattr(args, "option", None) or []:
        if key in known:
            continue
        if not known:
            raise ValueError(f"-o {key}: {info.id} takes no session options")
        close = difflib.get_close_matches(key, known, n=1)
        hint = f"did you mean {close[0]}?" if close else f"known options: {', '.join(known)}"
        raise ValueError(f"-o {key}: unknown option of {info.id}; {hint}")


async def known_pair(conn: Connection, pair: TradingPair) -> None:
    """InvalidPair, in one wording for every command, when the venue does not list `pair`.

    A listed pair that is not trading passes: its book and candles can still be read (orders on it are
    refused by the connector with the pair's status).
    """
    rules = await conn.trading_rules()
    if pair not in rules:
        rule_for(rules, pair, connector=conn.id, venue=conn.info.display_name.split(" (")[0])


def check_output_path(path: str, flag: str) -> Path:
    """`path` can be written: its folder exists and is writable, and it is not a folder itself."""
    out = Path(path).expanduser()
    folder = out.parent
    if not folder.is_dir():
        raise ValueError(f"{flag} {path}: the folder {folder} does not exist")
    if out.is_dir():
        raise ValueError(f"{flag} {path}: is a folder; give a file name")
    if not os.access(folder, os.W_OK) or (out.exists() and not os.access(out, os.W_OK)):
        raise ValueError(f"{flag} {path}: not writable")
    return out
