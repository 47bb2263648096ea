"""Logging set-up for entry points: a readable console sink and a JSON-lines file per run.

Modules only log (``from loguru import logger``); only entry points call ``configure``.
Every record is masked before any sink sees it: long numbers (accounts, cards, ID
numbers) are cut to their last four digits, and registered secrets are starred out; an
exception's traceback is formatted into the message, masked the same way.
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

from loguru import logger

from teller._masking import mask_text

if TYPE_CHECKING:
    from loguru import Record

__all__ = ["add_run_log", "configure", "register_secret"]

_SECRETS: set[str] = set()
_CONSOLE_FORMAT = (
    "<green>{time:HH:mm:ss}</green> <level>{level: <7}</level> "
    "<cyan>{extra[run_id]}</cyan> {message}"
)


def register_secret(secret: str) -> None:
    """Never let this string reach a sink (console passwords, tokens)."""
    if secret:
        _SECRETS.add(secret)


def _mask(record: Record) -> None:
    secrets = tuple(_SECRETS)
    record["message"] = mask_text(record["message"], secrets=secrets)
    caught = record["exception"]
    if caught is not None and caught.type is not None:
        # A traceback is formatted by the sink, after this patcher: format it here, masked,
        # so an exception's words (a console's text, a validation error's input) are too.
        text = "".join(traceback.format_exception(caught.type, caught.value, caught.traceback))
        record["message"] += "\n" + mask_text(text.rstrip(), secrets=secrets)
        record["exception"] = None
    for key, value in list(record["extra"].items()):
        if isinstance(value, str):
            record["extra"][key] = mask_text(value, secrets=secrets)
    record["extra"].setdefault("run_id", "-")


def configure(*, level: str = "INFO", quiet: bool = False) -> None:
    """Set up loguru for a command: masking, and a human sink on stderr."""
    logger.remove()
    logger.configure(patcher=_mask, extra={"run_id": "-"})
    if not quiet:
        # diagnose=False: loguru would otherwise print local variables, passwords included
        logger.add(sys.stderr, level=level, format=_CONSOLE_FORMAT, diagnose=False, backtrace=False)


def add_run_log(path: Path) -> int:
    """Add a JSON-lines sink for one run; returns the sink id to remove it later."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return logger.add(
        path, level="DEBUG", serialize=True, diagnose=False, backtrace=False, encoding="utf-8"
    )
