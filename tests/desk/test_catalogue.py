"""Every message the Desk shows, in its templates and its code, has its Simplified Chinese
translation: a page never falls back to English for a Chinese-speaking clerk."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import teller.desk

DESK = Path(teller.desk.__file__).parent
METHODS = [("templates/**.html", "jinja2"), ("**.py", "python")]
OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.i18n"}}


def _messages() -> dict[str, str]:
    """Each message and where it is first used."""
    found: dict[str, str] = {}
    for name, line, message, _comments, _context in extract_from_dir(
        DESK, METHODS, OPTIONS, keywords={"_": None, "gettext": None}
    ):
        text = message if isinstance(message, str) else message[0]
        found.setdefault(text, f"{name}:{line}")
    return found


def _translated() -> dict[str, str]:
    done: dict[str, str] = {}
    for path in sorted((DESK / "locale" / "zh_Hans_CN").glob("*.po")):
        with path.open("rb") as source:
            for message in read_po(source, locale="zh_Hans_CN"):
                if message.id and message.string:
                    done[str(message.id)] = str(message.string)
    return done


def test_every_message_of_the_desk_is_in_chinese() -> None:
    messages, translated = _messages(), _translated()
    assert len(messages) > 150, "the extraction found too few messages to be right"
    missing = {m: where for m, where in messages.items() if m not in translated}
    assert not missing, "no Chinese for:\n" + "\n".join(f"{w}: {m!r}" for m, w in missing.items())
