"""GBK in and out: the cardadmin site reads forms and query strings, and sends pages, in GBK.

Every page goes out encoded GBK, as the real console's do; a browser then posts its
forms (and sends its GET forms' query strings) in GBK too, so both are decoded here
rather than by werkzeug, which would read them as UTF-8.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from flask import Response, render_template, request

from consoles._shared import Site

__all__ = ["ENCODING", "GbkSite", "args", "form", "page"]

ENCODING = "gbk"
# A browser posting GBK writes a character GBK lacks as a decimal reference, &#128512;.
_REFERENCE = re.compile(r"&#(\d{1,7});")


class GbkSite(Site):
    """A console's site whose forms, query strings and pages are all GBK."""

    def form(self) -> Mapping[str, str]:
        return form()

    def args(self) -> Mapping[str, str]:
        return args()

    def page(self, template: str, status: int = 200, **context: Any) -> Response:
        return page(template, status, **context)


def _decode(pairs: list[tuple[str, str]]) -> dict[str, str]:
    return {key: _unreference(value) for key, value in pairs}


def _unreference(text: str) -> str:
    # Only references to what GBK cannot write are the browser's: a typed "&#65;" stays.
    def char(match: re.Match[str]) -> str:
        code = int(match.group(1))
        if code > 0x10FFFF:
            return match.group(0)
        try:
            chr(code).encode(ENCODING)
        except UnicodeEncodeError:
            return chr(code)
        return match.group(0)

    return _REFERENCE.sub(char, text)


def form() -> dict[str, str]:
    """The posted form fields, decoded from GBK."""
    body = request.get_data(cache=True).decode("ascii", errors="replace")
    return _decode(parse_qsl(body, keep_blank_values=True, encoding=ENCODING, errors="replace"))


def args() -> dict[str, str]:
    """The query string's fields, decoded from GBK."""
    query = request.query_string.decode("ascii", errors="replace")
    return _decode(parse_qsl(query, keep_blank_values=True, encoding=ENCODING, errors="replace"))


def page(template: str, status: int = 200, **context: Any) -> Response:
    """Render a template and send it encoded GBK, as the header and the meta tag say."""
    html = render_template(template, **context)
    body = html.encode(ENCODING, errors="xmlcharrefreplace")
    return Response(body, status=status, content_type="text/html; charset=GBK")
