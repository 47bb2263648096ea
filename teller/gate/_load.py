"""Reading a policy file: a bad one is refused naming the file, the line and the field."""

from __future__ import annotations

import difflib
import tomllib
from decimal import Decimal
from pathlib import Path

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from teller._errors import ConfigError
from teller._toml import decode_error_line, key_lines, line_of
from teller.gate._policy import Policy

__all__ = ["load_policy"]


def load_policy(path: Path, *, required: bool = False) -> Policy:
    """Read a policy file; a missing one is refused if ``required``, else the default policy.

    The default is the auto-limit only: fine for a sandbox, not for a bank's money, so
    production mode requires the file (``teller.runs.policy_for``).
    """
    if not path.is_file():
        if required:
            raise ConfigError(str(path), "missing; production mode needs the flow's policy file")
        return Policy()
    text = path.read_text(encoding="utf-8")
    try:
        # floats as Decimal: ``auto_limit = 50000.10`` must not pass through binary floating point
        data = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        line = decode_error_line(exc)
        raise ConfigError(str(path), f"not valid TOML: {exc}", line=line) from None
    try:
        policy = Policy.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        field, message = _describe(errors[0])
        more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
        line = line_of(key_lines(text), errors[0]["loc"])
        raise ConfigError(str(path), f"field {field}: {message}{more}", line=line) from None
    # the policy remembers its folder: its watchlist's path is relative to it
    policy._directory = path.resolve().parent
    _check_watchlist_file(policy, path, text)
    return policy


def _check_watchlist_file(policy: Policy, path: Path, text: str) -> None:
    if policy.watchlist is None or not policy.watchlist.enabled:
        return
    target = path.resolve().parent / policy.watchlist.file
    if not target.is_file():
        line = line_of(key_lines(text), ("watchlist", "file"))
        raise ConfigError(str(path), f"field watchlist.file: no such file {target}", line=line)


def _describe(error: ErrorDetails) -> tuple[str, str]:
    names = [str(part) for part in error["loc"]]
    field = ".".join(names) or "(policy)"
    if error["type"] == "extra_forbidden":
        known = _fields_at(names[:-1])
        close = difflib.get_close_matches(names[-1], known, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f"; known: {', '.join(known)}"
        return field, f"unknown field{hint}"
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] != "missing":
        found = error["input"]
        message += f" (found {str(found) if isinstance(found, Decimal) else repr(found)})"
    return field, message


def _fields_at(names: list[str]) -> list[str]:
    model: type[BaseModel] = Policy
    for name in names:
        info = model.model_fields.get(name)
        if info is None:
            return []
        # ``DailyCap | None``: the model is one of the union's members
        candidates = [info.annotation, *getattr(info.annotation, "__args__", ())]
        found = [c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)]
        if not found:
            return []
        model = found[0]
    return sorted(model.model_fields)
