"""People for the tests, made through the same commands a bank's admin types.

``Team(project)`` bootstraps an admin with ``teller users bootstrap``, adds each user with
``teller users add``, and has each enrol with ``teller login --enrol``, all in-process
through the ``teller`` command (typer's runner: the same code, without a new Python per
command). ``team.login(name)`` signs in as a real process would; ``team.teller(...)`` runs
a command as a real process, with the session of whoever signed in last.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pyotp
from loguru import logger
from sqlalchemy import event
from sqlalchemy.pool import Pool
from typer.testing import CliRunner

from teller.cli._app import app
from teller.people._credentials import DRIFT_STEPS
from teller.settings import KeySettings, load_settings

PASSWORD = "long sandbox pass no. {}"
STEP = 30


class Team:
    """The users of one test project, and a way to act as each of them."""

    def __init__(self, project: Path, users: dict[str, tuple[str, ...]]) -> None:
        self.project = project
        self.config = project / "home-config"
        self.env = {**os.environ, "XDG_CONFIG_HOME": str(self.config), "COLUMNS": "220"}
        self.env.pop("TELLER_USER", None)
        self.seeds: dict[str, str] = {}
        self.passwords: dict[str, str] = {}
        self._steps: dict[str, int] = {}
        self.current = ""
        if not _from_template(self, users):
            self._make(users)

    def _make(self, users: dict[str, tuple[str, ...]]) -> None:
        said = self.invoke(["users", "bootstrap", "admin"], answer=_twice(PASSWORD.format(0)))
        self.passwords["admin"] = PASSWORD.format(0)
        self.seeds["admin"] = _seed(said)
        self.login("admin")
        for name, roles in users.items():
            self.add(name, *roles)

    def invoke(self, args: list[str], *, answer: str = "", check: bool = True) -> str:
        """A ``teller`` command, in-process; its output (exit code 0 unless ``check=False``)."""
        code, output = self.attempt(*args, answer=answer)
        if check and code != 0:
            raise AssertionError(f"teller {' '.join(args)} -> {code}\n{output}")
        return output

    def attempt(self, *args: str, answer: str = "") -> tuple[int, str]:
        """A ``teller`` command in-process as whoever signed in last: exit code, output."""
        # a command leaves its store open for the process's exit to close; in-process, its
        # PostgreSQL connections would be left to the garbage collector (a ResourceWarning,
        # an error under filterwarnings): close every connection the command opened
        opened: list[Any] = []

        def keep(connection: Any, _record: object) -> None:
            opened.append(connection)

        event.listen(Pool, "connect", keep)
        try:
            result = CliRunner().invoke(
                app, [*args, "--project", str(self.project)], input=answer, env=self.env
            )
        finally:
            event.remove(Pool, "connect", keep)
            for connection in opened:
                connection.close()
        logger.remove()  # the command's sink writes to the runner's stream, gone now
        return result.exit_code, result.output

    def add(self, name: str, *roles: str) -> None:
        """``users add`` as the admin, then the user's own ``login --enrol``."""
        if self.current != "admin":
            self.login("admin")
        options = [part for role in roles for part in ("--role", role)]
        said = self.invoke(["users", "add", name, *options])
        temporary = re.search(r"temporary password (\S+)", said)
        assert temporary, said
        self.passwords[name] = PASSWORD.format(len(self.passwords))
        enrolled = self.invoke(
            ["login", name, "--enrol"],
            answer=f"{temporary.group(1)}\n" + _twice(self.passwords[name]),
        )
        self.seeds[name] = _seed(enrolled)

    def code(self, name: str) -> str:
        """A fresh one-time code. A code is taken once, and the store accepts the codes of
        the step before and after the current one (clock drift): the earliest of those not
        used yet (the step before only early in a step, so it is still good when checked),
        else wait for the next step."""
        while True:
            moment = time.time()
            now = int(moment) // STEP
            good = [now, now + DRIFT_STEPS]
            if moment % STEP < STEP / 2:
                good.insert(0, now - DRIFT_STEPS)
            fresh = [step for step in good if step > self._steps.get(name, -1)]
            if fresh:
                self._steps[name] = fresh[0]
                return pyotp.TOTP(self.seeds[name]).at(fresh[0] * STEP)
            time.sleep(STEP - moment % STEP + 0.1)

    def login(self, name: str) -> str:
        """Sign in as ``name`` (its session replaces the last one of this OS user)."""
        said = self.invoke(["login", name], answer=self.answer(name))
        self.current = name
        return said

    def answer(self, name: str) -> str:
        return f"{self.passwords[name]}\n{self.code(name)}\n"

    def teller(
        self, *args: str, check: bool = True, answer: str | None = None, timeout: float = 240
    ) -> subprocess.CompletedProcess[str]:
        """A ``teller`` command as a real process, as whoever signed in last."""
        done = subprocess.run(
            [sys.executable, "-m", "teller", *args, "--project", str(self.project)],
            capture_output=True,
            input=answer,
            text=True,
            env=self.env,
            timeout=timeout,
        )
        if check and done.returncode != 0:
            raise AssertionError(
                f"teller {' '.join(args)} -> {done.returncode}\n{done.stdout}\n{done.stderr}"
            )
        return done


# Teams made once per test process and copied into each project that asks for the same
# people (the store, its key, the admin's session), as long as the admin's session is
# young: making one takes seconds of password hashing and commands, for every test.
_TEMPLATES: dict[tuple[object, ...], tuple[float, Team]] = {}
_YOUNG = 600.0  # seconds; sessions last 30 minutes (teller.toml's session_minutes)


def _from_template(team: Team, users: dict[str, tuple[str, ...]]) -> bool:
    """Fill ``team`` from a copy of an earlier team of the same people, if the project is
    a fresh sandbox one whose store and keys live in ``var/``; whether it was."""
    settings = load_settings(team.project)
    plain = settings.database_url is None and settings.keys == KeySettings()
    if not plain or settings.var.exists() or settings.mode != "sandbox":
        return False
    wanted = (tuple(users.items()), settings.session_minutes)
    made = _TEMPLATES.get(wanted)
    if made is None or time.monotonic() - made[0] > _YOUNG:
        top = tempfile.mkdtemp(prefix="teller-team-")
        atexit.register(shutil.rmtree, top, ignore_errors=True)
        folder = Path(top) / "project"
        folder.mkdir()
        shutil.copy(team.project / "teller.toml", folder / "teller.toml")
        _TEMPLATES[wanted] = made = (time.monotonic(), Team.__new__(Team))
        _make_in(made[1], folder, users)
    template = made[1]
    shutil.copytree(template.project / "var", settings.var)
    (session,) = (template.config / "teller" / "sessions").iterdir()
    token = token_file_for(team.config, settings.store_url)
    token.parent.mkdir(mode=0o700, parents=True)
    shutil.copy(session, token)
    team.seeds, team.passwords = dict(template.seeds), dict(template.passwords)
    team._steps, team.current = dict(template._steps), template.current
    return True


def _make_in(team: Team, project: Path, users: dict[str, tuple[str, ...]]) -> None:
    team.project, team.config = project, project / "home-config"
    team.env = {**os.environ, "XDG_CONFIG_HOME": str(team.config), "COLUMNS": "220"}
    team.env.pop("TELLER_USER", None)
    team.seeds, team.passwords, team._steps, team.current = {}, {}, {}, ""
    team._make(users)


def token_file_for(config: Path, store_url: str) -> Path:
    """Where the CLI keeps the session of ``store_url`` (teller/cli/_signin.py)."""
    return config / "teller" / "sessions" / hashlib.sha256(store_url.encode()).hexdigest()[:16]


def _twice(password: str) -> str:
    return f"{password}\n{password}\n"


def _seed(said: str) -> str:
    found = re.search(r"key ([A-Z2-7]{16,})", said)
    assert found, said
    return found.group(1)
