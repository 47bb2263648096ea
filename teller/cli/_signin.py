"""Who is at the keyboard: the session of ``teller login``, kept for the OS user.

The token lives in ``$XDG_CONFIG_HOME/teller/sessions/<store>`` (``~/.config`` if unset),
one file per store, mode 0600 in a folder of mode 0700; a file another OS user could read
or write is refused. The store knows only the token's hash.
"""

from __future__ import annotations

import getpass
import hashlib
import os
import stat
import sys
from pathlib import Path

import typer

from teller._errors import NotSignedIn
from teller.people import People, Person
from teller.settings import Settings
from teller.store import Store

__all__ = ["READERS", "ask", "forget_token", "keep_token", "os_user", "signed_in", "token_file"]

READERS = ("operator", "approver", "auditor", "admin")  # who may read runs, items, the trail


def os_user() -> str:
    return getpass.getuser()


def token_file(settings: Settings) -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    store = hashlib.sha256(settings.store_url.encode()).hexdigest()[:16]
    return Path(base) / "teller" / "sessions" / store


def keep_token(settings: Settings, token: str) -> Path:
    path = token_file(settings)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as out:
        os.fchmod(out.fileno(), 0o600)
        out.write(token)
    return path


def _token(settings: Settings) -> str:
    path = token_file(settings)
    try:
        found = path.lstat()
    except FileNotFoundError:
        raise NotSignedIn("no session on this machine for this store") from None
    if not stat.S_ISREG(found.st_mode) or found.st_uid != os.getuid():
        raise NotSignedIn(f"{path} is not this OS user's own file")
    if found.st_mode & 0o077:
        raise NotSignedIn(f"{path} may be read by others (mode {found.st_mode & 0o777:o})")
    return path.read_text().strip()


def forget_token(settings: Settings) -> str | None:
    """Remove the kept token; the token, if there was one."""
    try:
        token = _token(settings)
    except NotSignedIn:
        token = None
    token_file(settings).unlink(missing_ok=True)
    return token


def signed_in(settings: Settings, store: Store, action: str, *roles: str) -> Person:
    """The signed-in person, holding one of ``roles`` (any role if none are named)."""
    person = People(store).person(_token(settings), os_user=os_user())
    person.require(action, *(roles or READERS))
    return person


def ask(prompt: str, *, hidden: bool = True) -> str:
    """A line from the person: hidden at a terminal; from standard input in a script."""
    if sys.stdin.isatty():
        return str(typer.prompt(prompt, hide_input=hidden))
    line = sys.stdin.readline()
    if not line:
        raise typer.BadParameter(f"{prompt}: nothing on standard input")
    return line.rstrip("\r\n")
