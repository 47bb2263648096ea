"""Settings: ``teller.toml`` at the project root, overridden by ``TELLER_*`` environment variables."""

from __future__ import annotations

import random
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from teller._errors import ConfigError

__all__ = ["ConsoleSettings", "RetryPolicy", "Settings", "find_project", "load_settings"]

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


class ConsoleSettings(BaseModel):
    """How to reach and log in to one console."""

    model_config = ConfigDict(extra="forbid")
    base_url: str
    user: str = ""
    password: SecretStr = SecretStr("")
    timeout: float = 15.0
    # How long after an attempt began the console may still act on its request (a slow
    # page whose bot died or gave up): an in-doubt item not found before then is looked up
    # again once that long has passed, and only then retried. Default: ``timeout``.
    settle_seconds: float | None = Field(None, ge=0)
    # where `teller consoles serve` keeps a sandbox console's ledger (sandbox consoles only)
    db: Path | None = None
    retry: RetryPolicy | None = None


class Settings(BaseSettings):
    """Everything a run needs to know about this machine and its consoles."""

    model_config = SettingsConfigDict(
        env_prefix="TELLER_", env_nested_delimiter="__", extra="forbid"
    )
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

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # the environment beats the file: an operator overrides without editing it
        return env_settings, init_settings

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

    def console(self, name: str) -> ConsoleSettings:
        try:
            return self.consoles[name]
        except KeyError:
            raise ConfigError(
                str(self.project / SETTINGS_FILE), f"no [consoles.{name}] section"
            ) from None


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
        field = ".".join(str(p) for p in first["loc"])
        raise ConfigError(str(path), f"field {field}: {first['msg']}") from None
    return settings
