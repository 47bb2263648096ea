"""Settings: ``teller.toml`` at the project root, overridden by ``TELLER_*`` environment variables.

``mode`` (default ``"production"``) decides what the file and the environment may say: in
production no secret is written in the file, no sandbox console or sandbox secret is
accepted, and only harmless settings come from the environment (``teller/_env_guard.py``).
"""

from __future__ import annotations

import random
import tomllib
from pathlib import Path
from typing import Any, Literal

import pyotp
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from teller._env_guard import FILE_ONLY, GuardedEnvironment
from teller._errors import ConfigError
from teller.secrets import (
    SandboxSecret,
    SecretPlace,
    SecretRef,
    refuse_in_production,
    resolve,
)

__all__ = [
    "AuditSettings",
    "ConsoleSettings",
    "InputLimits",
    "FlowSettings",
    "KeySettings",
    "RetryPolicy",
    "Settings",
    "find_project",
    "load_settings",
]

SETTINGS_FILE = "teller.toml"


class RetryPolicy(BaseModel):
    """How often and how patiently system errors are retried (business errors never are)."""

    model_config = ConfigDict(extra="forbid")
    attempts: int = Field(3, ge=1)
    backoff: float = Field(0.5, ge=0)  # seconds before the 2nd attempt, doubling after
    backoff_max: float = Field(30.0, ge=0)

    def delay(self, attempts_made: int) -> float:
        """Exponential backoff with full jitter: spreads retries of many robots apart."""
        ceiling = min(self.backoff_max, self.backoff * 2 ** max(0, attempts_made - 1))
        return random.uniform(0, ceiling)


class InputLimits(BaseModel):
    """Caps on an input file, so a hostile or broken file is refused, never a hung run.

    Checked in this order: the file's size (before it is read), what its zip members
    unpack to (an .xlsx is a zip: a zip bomb is refused before anything is inflated), then
    while it is parsed the rows of a sheet (and ``cells_per_row`` times as many cells) and
    the time the parse has taken. Each refusal is an InputError naming the file and the
    cap. ``[input]`` in ``teller.toml``.
    """

    model_config = ConfigDict(extra="forbid")
    max_file_mb: float = Field(default=20.0, gt=0)
    max_unpacked_mb: float = Field(default=100.0, gt=0)
    max_rows: int = Field(default=100_000, ge=1)
    cells_per_row: int = Field(default=64, ge=1)
    max_parse_seconds: float = Field(default=60.0, gt=0)

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 2**20)

    @property
    def max_unpacked_bytes(self) -> int:
        return int(self.max_unpacked_mb * 2**20)


class ConsoleSettings(BaseModel):
    """How to reach and log in to one console."""

    model_config = ConfigDict(extra="forbid")
    base_url: str
    user: str = ""
    # a secret reference (teller/secrets.py): resolved at each login, never kept
    password: SecretRef | None = None
    # the seed of the console's one-time codes (base32), if it asks for one at login
    totp: SecretRef | None = None
    timeout: float = 15.0
    # How long after an attempt began the console may still act on its request (a slow
    # page whose bot died or gave up): an in-doubt item not found before then is looked up
    # again once that long has passed, and only then retried. Default: ``timeout``.
    settle_seconds: float | None = Field(None, ge=0)
    # the browser's locale and time zone for this console's pages (a page may format dates
    # and numbers by them); default zh-CN and the machine's zone
    locale: str = "zh-CN"
    timezone: str | None = None
    # where `teller consoles serve` keeps a sandbox console's ledger (sandbox consoles only)
    db: Path | None = None
    retry: RetryPolicy | None = None


class FlowSettings(BaseModel):
    """One flow as this project runs it (``[flows.<name>]``): which registered flow, paying
    into which console, under which policy. Two sections may run one flow on two consoles
    side by side (``[flows.payroll]``, ``[flows.payroll-coreplus] flow = "payroll"``): each
    name has its own runs, payment history and policy."""

    model_config = ConfigDict(extra="forbid")
    flow: str | None = None
    """The flow's ``teller.flows`` entry point; default: the section's name."""
    console: str | None = None
    """The console it works on; default: the flow's own (payroll: corebank)."""
    policy: Path | None = None
    """Its approval policy, relative to the project; default: ``policies/<name>.toml``."""


class KeySettings(BaseModel):
    """Keys kept outside the store and the repository (secret references, as passwords).

    ``seal``: the HMAC key sealing every gate decision and approval; ``audit``: the HMAC
    key of the audit chain and its anchors. In sandbox mode a missing key is a sandbox
    secret (made up in ``var/secrets/``); production mode needs both given.
    """

    model_config = ConfigDict(extra="forbid")
    seal: SecretRef | None = None
    audit: SecretRef | None = None


class AuditSettings(BaseModel):
    """Where ``teller audit anchor`` (and the scheduler, after each firing) anchors the head.

    ``anchors``: an append-only file the bank keeps elsewhere (a relative path is taken
    from the project folder); ``syslog``: also send each anchor line to syslog.
    """

    model_config = ConfigDict(extra="forbid")
    anchors: Path | None = None
    syslog: bool = False


class DeskSettings(BaseModel):
    """The Desk, Teller's web console (``teller desk serve``).

    A session ends after ``idle_minutes`` without a request, and after ``longest_hours``
    whatever. Its cookie is Secure: the Desk is reached over HTTPS (behind the bank's
    reverse proxy), or on this machine (browsers count http://127.0.0.1 as secure).
    ``signins_per_minute``: sign-in attempts one address may make in a minute.
    """

    model_config = ConfigDict(extra="forbid")
    host: str = "127.0.0.1"
    port: int = Field(default=8700, ge=1, le=65535)
    idle_minutes: float = Field(default=15.0, gt=0, le=8 * 60)
    longest_hours: float = Field(default=10.0, gt=0, le=24)
    signins_per_minute: int = Field(default=10, ge=1, le=1000)
    language: Literal["zh_Hans_CN", "en"] = "zh_Hans_CN"


KEY_MIN_LENGTH = 16  # characters: a key shorter than this is a password, not a key


class Settings(BaseSettings):
    """Everything a run needs to know about this machine and its consoles."""

    model_config = SettingsConfigDict(
        env_prefix="TELLER_", env_nested_delimiter="__", extra="forbid"
    )
    # "production" unless the file says otherwise: a forgotten line must not relax anything
    mode: Literal["sandbox", "production"] = "production"
    # settings the environment may override in production mode, e.g. ["database_url"]
    allow_env: list[str] = []
    project: Path = Path(".")
    database_url: str = ""
    chromium: str | None = None
    contexts: int = 4
    max_attempts: int = 3
    retry_backoff: float = 0.5
    lease_seconds: float = 120.0
    # for a flow whose console has no settings of its own (see ConsoleSettings.settle_seconds)
    settle_seconds: float = Field(15.0, ge=0)
    trace_failures: bool = True
    log_level: str = "INFO"
    # how long a `teller login` session may act (minutes); then log in again
    session_minutes: float = Field(30.0, gt=0, le=24 * 60)
    consoles: dict[str, ConsoleSettings] = {}
    flows: dict[str, FlowSettings] = {}
    keys: KeySettings = KeySettings()
    input: InputLimits = InputLimits()
    audit: AuditSettings = AuditSettings()
    desk: DeskSettings = DeskSettings()
    _file: Path | None = PrivateAttr(None)  # the teller.toml read, if another than project's

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # the environment beats the file (an operator overrides without editing it), within
        # what the file's mode allows
        return GuardedEnvironment(settings_cls, env_settings, init_settings), init_settings

    @field_validator("allow_env")
    @classmethod
    def _known_keys(cls, keys: list[str]) -> list[str]:
        for key in keys:
            top = key.split(".")[0]
            if top not in cls.model_fields or top in FILE_ONLY:
                raise ValueError(f"{key!r} is not a setting the environment may override")
        return keys

    @model_validator(mode="after")
    def _production_rules(self) -> Settings:
        """Production mode refuses sandbox consoles and secrets written in the file."""
        if not self.production:
            return self
        for name, console in self.consoles.items():
            if console.db is not None:
                raise ConfigError(
                    str(self.settings_file),
                    f"consoles.{name}.db: a sandbox console's ledger; production mode "
                    'refuses sandbox consoles (set mode = "sandbox" to use one)',
                )
            for field in ("password", "totp"):
                reference = getattr(console, field)
                if reference is not None:
                    refuse_in_production(reference, self._place(name, field))
        for field in ("seal", "audit"):
            reference = getattr(self.keys, field)
            if reference is not None:
                refuse_in_production(reference, self._key_place(field))
        return self

    @property
    def production(self) -> bool:
        return self.mode == "production"

    @property
    def settings_file(self) -> Path:
        return self._file or self.project / SETTINGS_FILE

    def refuse_in_production(self, what: str) -> None:
        """Raise ConfigError if this project is in production mode: ``what`` is sandbox only."""
        if self.production:
            raise ConfigError(
                str(self.settings_file),
                f"{what} is for the sandbox only; this project is in production mode (mode = "
                '"production", the default; README, "Production mode")',
            )

    @property
    def var(self) -> Path:
        return self.project / "var"

    @property
    def store_url(self) -> str:
        return self.database_url or f"sqlite:///{self.var / 'teller.db'}"

    def run_folder(self, run_id: str) -> Path:
        return self.var / "runs" / run_id

    def retry_for(self, console: str | None) -> RetryPolicy:
        """The console's retry policy, or the project's default."""
        configured = self.consoles.get(console) if console else None
        if configured is not None and configured.retry is not None:
            return configured.retry
        return RetryPolicy(attempts=self.max_attempts, backoff=self.retry_backoff, backoff_max=30.0)

    def settle_for(self, console: str | None) -> float:
        """Seconds after an attempt began before "not on the console" may be believed."""
        configured = self.consoles.get(console) if console else None
        if configured is None:
            return self.settle_seconds
        if configured.settle_seconds is None:
            return configured.timeout
        return configured.settle_seconds

    def console_password(self, name: str) -> str:
        """The console's password, read from where teller.toml says, now."""
        reference = self.console(name).password
        if reference is None:
            raise ConfigError(str(self.settings_file), f"consoles.{name}.password: not set")
        return resolve(reference, self._place(name, "password"))

    def console_code(self, name: str) -> str | None:
        """The console's one-time code now, from its ``totp`` seed; None if it has none."""
        seed = self.console_totp_seed(name)
        if seed is None:
            return None
        try:
            return pyotp.TOTP(seed).now()
        except (ValueError, TypeError):  # binascii.Error is a ValueError
            raise self._place(name, "totp").error("not a base32 one-time-code seed") from None

    def console_totp_seed(self, name: str) -> str | None:
        """The console's one-time-code seed, read now; None if it has none.

        For the robot's codes (:meth:`console_code`) and for a sandbox console, which
        ``teller consoles serve`` starts with the same seed.
        """
        reference = self.console(name).totp
        if reference is None:
            return None
        return resolve(reference, self._place(name, "totp"))

    def console_secrets(self, name: str) -> tuple[str, ...]:
        """Every secret of the console, resolved now: what evidence must never show."""
        configured = self.console(name)
        return tuple(
            resolve(reference, self._place(name, field))
            for field, reference in (("password", configured.password), ("totp", configured.totp))
            if reference is not None
        )

    def key(self, name: Literal["seal", "audit"]) -> bytes:
        """The key ``keys.<name>``, read from where teller.toml says, now."""
        place = self._key_place(name)
        reference = getattr(self.keys, name)
        if reference is None:
            if self.production:
                raise place.error(
                    "not set; production mode needs it, kept outside the store and the "
                    'repository (README, "Keys")'
                )
            reference = SandboxSecret(sandbox=True)
        value = resolve(reference, place)
        if len(value) < KEY_MIN_LENGTH:
            raise place.error(f"a key of at least {KEY_MIN_LENGTH} characters is needed")
        return value.encode("utf-8")

    @property
    def anchor_file(self) -> Path | None:
        """The anchor file (``[audit] anchors``), from the project folder; None: not set."""
        if self.audit.anchors is None:
            return None
        return self.project / self.audit.anchors

    def _key_place(self, name: str) -> SecretPlace:
        return SecretPlace(
            file=self.settings_file,
            field=f"keys.{name}",
            project=self.project,
            production=self.production,
        )

    def _place(self, console: str, field: str) -> SecretPlace:
        return SecretPlace(
            file=self.settings_file,
            field=f"consoles.{console}.{field}",
            project=self.project,
            production=self.production,
        )

    def console(self, name: str) -> ConsoleSettings:
        try:
            return self.consoles[name]
        except KeyError:
            raise ConfigError(str(self.settings_file), f"no [consoles.{name}] section") from None


def find_project(start: Path | None = None) -> Path:
    """The nearest folder at or above ``start`` that holds ``teller.toml``."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / SETTINGS_FILE).is_file():
            return folder
    raise ConfigError(str(here), f"no {SETTINGS_FILE} here or above; pass --project")


def load_settings(project: Path | None = None, **overrides: Any) -> Settings:
    """Read ``teller.toml`` of the project, apply the environment and any overrides."""
    root = find_project(project)
    path = root / SETTINGS_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), f"not valid TOML: {exc}") from None
    data.update(overrides)
    data["project"] = root
    try:
        settings = Settings(**data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ConfigError(str(path), f"field {_field(first['loc'])}: {first['msg']}") from None
    settings._file = path
    return settings


def _field(loc: tuple[int | str, ...]) -> str:
    """A dotted field name, without the tag pydantic puts after a secret (``env``, ``file``)."""
    names = [str(part) for part in loc]
    kept = [n for i, n in enumerate(names) if i == 0 or names[i - 1] not in ("password", "totp")]
    return ".".join(kept)
