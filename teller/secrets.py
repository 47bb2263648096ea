"""Secret references: where a console's password or one-time-code seed is read from, when needed.

In ``teller.toml`` a secret is one of::

    password = "..."                           # literal: sandbox mode only
    password = { env = "COREBANK_PASSWORD" }   # an environment variable
    password = { keyring = "teller/corebank" } # the OS keyring: service/user
    password = { file = "/etc/teller/corebank.pass" }  # mode 0600, relative to the project
    password = { command = ["vault", "kv", "get", "-field=password", "secret/corebank"] }
    password = { sandbox = true }              # made up on first use: sandbox mode only

A reference is resolved each time the secret is needed (each console login), so a rotated
password is used without a restart, and every value is registered with the log masking
before it is returned. Messages name the reference (the variable, the file), never the value.
"""

from __future__ import annotations

import os
import secrets as random_secrets
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import keyring
import keyring.errors
import pyotp
from pydantic import BaseModel, ConfigDict, Discriminator, Field, SecretStr, Tag, field_validator

from teller._errors import ConfigError
from teller.logs import register_secret

__all__ = [
    "CommandSecret",
    "EnvSecret",
    "FileSecret",
    "KeyringSecret",
    "SandboxSecret",
    "SecretPlace",
    "SecretRef",
    "refuse_in_production",
    "resolve",
]

WHERE_SECRETS_GO = (
    '{ env = "NAME" }, { keyring = "service/user" }, { file = "path" } (mode 0600) '
    'or { command = ["vault", ...] }; README, "Where secrets go"'
)


@dataclass(frozen=True)
class SecretPlace:
    """Where a secret is configured: the settings file, the field, the project, the mode."""

    file: Path  # teller.toml
    field: str  # e.g. consoles.corebank.password
    project: Path
    production: bool

    def error(self, detail: str) -> ConfigError:
        return ConfigError(str(self.file), f"{self.field}: {detail}")


class _Reference(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def read(self, place: SecretPlace) -> str:
        """The value the reference points at now."""
        raise NotImplementedError


class EnvSecret(_Reference):
    """``{ env = "NAME" }``: an environment variable of the robot's process."""

    env: str = Field(min_length=1)

    def read(self, place: SecretPlace) -> str:
        value = os.environ.get(self.env)
        if value is None:
            raise place.error(f"environment variable {self.env} is not set")
        return value


class KeyringSecret(_Reference):
    """``{ keyring = "service/user" }``: an entry of the OS keyring (the ``keyring`` package)."""

    keyring: str

    @field_validator("keyring")
    @classmethod
    def _service_and_user(cls, value: str) -> str:
        service, _, user = value.rpartition("/")
        if not service or not user:
            raise ValueError(f'expected "service/user" (found {value!r})')
        return value

    def read(self, place: SecretPlace) -> str:
        service, _, user = self.keyring.rpartition("/")
        try:
            value = keyring.get_password(service, user)
        except keyring.errors.KeyringError as exc:
            backend = type(keyring.get_keyring()).__name__
            raise place.error(
                f"keyring {backend} failed for service {service!r} user {user!r}: "
                f"{type(exc).__name__}"
            ) from None
        if value is None:
            backend = type(keyring.get_keyring()).__name__
            raise place.error(
                f"no keyring entry for service {service!r} user {user!r} (backend {backend})"
            )
        return value


class FileSecret(_Reference):
    """``{ file = "path" }``: a file only its owner may read (mode 0600), trailing newline cut."""

    file: Path

    def read(self, place: SecretPlace) -> str:
        return _read_private(place.project / self.file, place)


class CommandSecret(_Reference):
    """``{ command = [...] }``: a vault's own CLI, run without a shell; its stdout, stripped."""

    command: list[str] = Field(min_length=1)
    timeout: float = Field(30.0, gt=0)

    def read(self, place: SecretPlace) -> str:
        name = self.command[0]
        try:
            done = subprocess.run(
                self.command,
                capture_output=True,
                stdin=subprocess.DEVNULL,
                timeout=self.timeout,
                cwd=place.project,
                check=False,
            )
        except FileNotFoundError:
            raise place.error(f"command {name!r} not found") from None
        except subprocess.TimeoutExpired:
            raise place.error(f"command {name!r} gave no answer within {self.timeout:g}s") from None
        # never the output in a message: a vault may print the secret before failing
        if done.returncode != 0:
            raise place.error(f"command {name!r} failed with exit code {done.returncode}")
        value = done.stdout.decode("utf-8", errors="strict").strip()
        if not value:
            raise place.error(f"command {name!r} printed nothing")
        return value


class SandboxSecret(_Reference):
    """``{ sandbox = true }``: a random secret made up on first use, in ``var/secrets/``.

    A password, or for a ``totp`` field a one-time-code seed (base32, as authenticators
    and the sandbox consoles take it).
    """

    sandbox: Literal[True]

    def read(self, place: SecretPlace) -> str:
        folder = place.project / "var" / "secrets"
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        folder.chmod(0o700)
        path = folder / place.field.removeprefix("consoles.")
        if not path.exists():
            seed = place.field.endswith("totp")
            _make_up(path, pyotp.random_base32() if seed else random_secrets.token_urlsafe(18))
        return _read_private(path, place)


def _kind(value: Any) -> str | None:
    """Which form a secret is written in: a string, or a table with one of the known keys."""
    if isinstance(value, str | SecretStr):
        return "literal"
    if isinstance(value, _Reference):
        value = value.model_dump()
    if isinstance(value, dict):
        for key in ("env", "keyring", "file", "command", "sandbox"):
            if key in value:
                return key
    return None


SecretRef = Annotated[
    Annotated[SecretStr, Tag("literal")]
    | Annotated[EnvSecret, Tag("env")]
    | Annotated[KeyringSecret, Tag("keyring")]
    | Annotated[FileSecret, Tag("file")]
    | Annotated[CommandSecret, Tag("command")]
    | Annotated[SandboxSecret, Tag("sandbox")],
    Discriminator(
        _kind,
        custom_error_type="secret_reference",
        custom_error_message=f"expected a secret reference: {WHERE_SECRETS_GO}; or, in sandbox "
        "mode only, a string",
    ),
]


def refuse_in_production(reference: SecretStr | _Reference, place: SecretPlace) -> None:
    """A literal or a sandbox secret is refused in production mode."""
    if not place.production:
        return
    if isinstance(reference, SecretStr):
        raise place.error(
            "a secret written in teller.toml (or the environment) is refused in production "
            f"mode; give a reference instead: {WHERE_SECRETS_GO}"
        )
    if isinstance(reference, SandboxSecret):
        raise place.error(
            "a sandbox secret is for the sandbox consoles; production mode refuses it: "
            + WHERE_SECRETS_GO
        )


def resolve(reference: SecretStr | _Reference, place: SecretPlace) -> str:
    """The secret's value now, registered with the log masking before it is returned."""
    refuse_in_production(reference, place)
    if isinstance(reference, SecretStr):
        value = reference.get_secret_value()
    else:
        value = reference.read(place)
    if not value:
        raise place.error("the secret is empty")
    register_secret(value)
    return value


def _make_up(path: Path, value: str) -> None:
    """Write a made-up ``value`` to ``path`` whole, or leave the one another process wrote.

    Written to a file of its own first and linked into place, so a process that reads
    ``path`` (a sandbox console starting beside its robot) never sees it half written.
    """
    draft = path.with_name(f".{path.name}.{os.getpid()}")
    handle = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(value + "\n")
    try:
        os.link(draft, path)
    except FileExistsError:
        pass  # another process made it first: theirs is the password
    finally:
        draft.unlink()


def _read_private(path: Path, place: SecretPlace) -> str:
    try:
        mode = path.stat().st_mode & 0o777
    except FileNotFoundError:
        raise place.error(f"secret file {path} not found") from None
    if mode & 0o077:
        raise place.error(
            f"secret file {path} has mode {mode:04o}; it must be 0600 (chmod 600 {path})"
        )
    return path.read_text(encoding="utf-8").rstrip("\r\n")
