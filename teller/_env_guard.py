"""Which ``TELLER_*`` environment variables may override ``teller.toml``, by mode.

Sandbox mode: any setting, as an operator's shortcut. Production mode: only the harmless
ones (how many browser contexts, the log level, where Chromium is, whether failed attempts
keep a trace), plus the keys ``teller.toml`` itself lists in ``allow_env``. An override of
the store, the project folder or a console would let whoever sets a variable send a run to
another database or another console without touching the reviewed file.

In both modes ``mode`` and ``allow_env`` come from the file only, and ``TELLER_PROJECT``
never moves the project away from the folder whose ``teller.toml`` was read unless the file
allows it: settings read from one folder and a store, policies and evidence in another,
chosen silently by a variable, is how a run ends up paying from the wrong project.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from teller._errors import ConfigError

__all__ = ["HARMLESS", "GuardedEnvironment"]

SETTINGS_FILE = "teller.toml"
PREFIX = "TELLER_"
HARMLESS = frozenset({"contexts", "log_level", "chromium", "trace_failures"})
FILE_ONLY = frozenset({"mode", "allow_env"})


class GuardedEnvironment(PydanticBaseSettingsSource):
    """The ``TELLER_*`` variables pydantic-settings found, after the mode's rules."""

    def __init__(
        self,
        settings_cls: type[BaseSettings],
        environment: PydanticBaseSettingsSource,
        init: PydanticBaseSettingsSource,
    ) -> None:
        super().__init__(settings_cls)
        self._environment = environment
        self._init = init

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # __call__ does the work, through the wrapped source

    def __call__(self) -> dict[str, Any]:
        found = dict(self._environment())
        given = self._init()
        project = Path(given.get("project", "."))
        file = str(project / SETTINGS_FILE)
        production = given.get("mode", "production") == "production"
        allowed = [str(key) for key in given.get("allow_env", [])]
        for path in list(_leaves(found)):
            variable = _variable(path)
            top = path.split(".")[0]
            if top in FILE_ONLY:
                raise ConfigError(file, f"{variable}: {top} is read from {SETTINGS_FILE} only")
            if any(path == key or path.startswith(key + ".") for key in allowed):
                continue
            if top == "project":
                if Path(str(found["project"])).resolve() != project.resolve():
                    raise ConfigError(
                        file,
                        f"{variable} names another project folder than {project}, whose "
                        f"{SETTINGS_FILE} was read; pass --project instead, or list "
                        '"project" in allow_env',
                    )
                del found["project"]
            elif production and top not in HARMLESS:
                raise ConfigError(
                    file,
                    f"{variable}: production mode takes {path} from {SETTINGS_FILE} only; "
                    f'unset the variable, or list "{path}" in allow_env',
                )
        return found


def _leaves(values: dict[str, Any], prefix: str = "") -> Iterator[str]:
    """Dotted paths of every value set, e.g. ``consoles.corebank.base_url``."""
    for key, value in values.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            yield from _leaves(value, path + ".")
        else:
            yield path


def _variable(path: str) -> str:
    """The variable that set ``path``, as spelled in the environment (a parent, for JSON)."""
    present = {name.upper(): name for name in os.environ}
    parts = path.split(".")
    for end in range(len(parts), 0, -1):
        name = PREFIX + "__".join(parts[:end]).upper()
        if name in present:
            return present[name]
    return PREFIX + "__".join(parts).upper()
