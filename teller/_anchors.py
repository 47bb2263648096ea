"""The anchor strategies ``beside`` and ``below`` as Playwright selectors (XPath 1.0).

A legacy screen labels its fields with text in the cell or line before them, not with a
``<label for>``: ``<td>金額 Amount</td><td><input></td>``. ``{beside: text}`` and
``{below: text}`` find the field by that text (UiPath calls it an anchor). The rules,
written once here and once in ``teller/finder.js``, must give the same elements
(``tests/teller/test_anchors.py`` compares them, every match in order):

* **Text** of a node: its ``textContent`` (every text node below it, hidden ones and a
  script's too), with U+200B and U+00AD dropped, every run of white space (JavaScript's
  ``\\s``: no-break and ideographic spaces too) made one space, trimmed. ``exact``: the
  whole text is the wanted text, or it followed by ``:`` or ``：`` (a space between
  allowed). Otherwise: the text contains the wanted text, ASCII letters in any case.
* **Field**: ``<select>``, ``<textarea>``, or ``<input>`` whose ``type`` is not hidden,
  button, submit, reset or image. Only elements under ``<body>`` count, never the
  contents of a script, style, noscript, title, select, option, optgroup, datalist or
  textarea.
* **Label cell**: a ``<td>`` or ``<th>`` whose text matches and that holds no field.
  ``beside``: the next element after it in its row, if that is a cell. ``below``: the
  cell of the next row that starts at the same column (columns counted by ``colspan`` in
  the row itself; ``rowspan`` is not counted; the first 40 columns); the next row is the
  next ``<tr>`` of the same table in document order (the next section's first row too),
  hidden or not. Either way: the fields in that cell, or the cell itself if it holds
  none (to read a value).
* **Term**: a ``<dt>`` whose text matches and that holds no field; if the next element
  after it is a ``<dd>``: the fields in it, or the ``<dd>`` itself (both strategies).
* **Text in a line** (both strategies): a text node whose text matches, or a ``label``,
  ``span``, ``b``, ``strong``, ``i``, ``em``, ``u``, ``font``, ``small``, ``big``,
  ``nobr``, ``p`` or ``div`` whose text matches and that holds no field: the first field
  after it in document order, if that field is inside the same parent.

Outside tables and lists the two strategies are the same: Teller reads no layout.
"""

from __future__ import annotations

import re

__all__ = ["MAX_COLUMN", "anchor_selectors", "normalize"]

MAX_COLUMN = 40
"""``below`` in a table places a label cell among the first 40 columns of its row."""

_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_LOWER = _UPPER.lower()
_SPACES = (
    "\t\n\x0b\x0c\r \u00a0\u1680"
    + "".join(chr(c) for c in range(0x2000, 0x200B))
    + "\u2028\u2029\u202f\u205f\u3000\ufeff"
)
"""JavaScript's ``\\s``: what the finder folds, and so what the XPath must fold."""
_DROPPED = "\u200b\u00ad"
_OTHER_SPACES = "".join(c for c in _SPACES if c not in "\t\n\r ")  # normalize-space's own
_COLONS = ("", ":", "：", " :", " ：")
_EXCLUDED_INPUTS = ("hidden", "button", "submit", "reset", "image")
_INERT = (
    *("script", "style", "noscript", "title"),
    *("select", "option", "optgroup", "datalist", "textarea"),
)
_LINE_ELEMENTS = (
    *("label", "span", "b", "strong", "i", "em", "u", "font", "small", "big", "nobr"),
    *("p", "div"),
)


def normalize(text: str) -> str:
    """A text as the anchors compare it: zero-width characters dropped, white space folded."""
    text = re.sub(f"[{_DROPPED}]", "", text)
    return re.sub(f"[{re.escape(_SPACES)}]+", " ", text).strip(" ")


def _ascii_lower(text: str) -> str:
    return text.translate(str.maketrans(_UPPER, _LOWER))


def _literal(text: str) -> str:
    """An XPath 1.0 string literal (which has no escapes: quotes by ``concat``)."""
    if "'" not in text:
        return f"'{text}'"
    if '"' not in text:
        return f'"{text}"'
    parts = text.split("'")
    return "concat(" + ', "\'", '.join(f"'{p}'" for p in parts) + ")"


def _either(*names: str) -> str:
    return " or ".join(f"self::{name}" for name in names)


_TEXT = f"normalize-space(translate(., '{_OTHER_SPACES}{_DROPPED}', '{' ' * len(_OTHER_SPACES)}'))"
_TYPE = f"translate(@type, '{_UPPER}', '{_LOWER}')"
_FIELD = (
    "(self::select or self::textarea or (self::input and not("
    + " or ".join(f"{_TYPE} = '{kind}'" for kind in _EXCLUDED_INPUTS)
    + ")))"
)
_NO_FIELD = f"not(descendant::*[{_FIELD}])"
_CELL = _either("td", "th")
_SECTION = _either("thead", "tbody", "tfoot")
_COLUMN = (
    f"(count(preceding-sibling::*[{_CELL}][not(@colspan)])"
    f" + sum(preceding-sibling::*[{_CELL}]/@colspan))"
)
_NEXT_ROW = (
    f"parent::tr[following-sibling::tr or parent::*[{_SECTION}]"
    f"/following-sibling::*[{_SECTION}][tr]]/following::tr[1]"
)


def _matches(text: str, exact: bool) -> str:
    """The predicate: the context node's text matches ``text``."""
    wanted = normalize(text)
    if exact:
        return " or ".join(f"{_TEXT} = {_literal(wanted + colon)}" for colon in _COLONS)
    return f"contains(translate({_TEXT}, '{_UPPER}', '{_LOWER}'), {_literal(_ascii_lower(wanted))})"


def _fields_or_itself(path: str) -> str:
    return f"{path}/descendant::*[{_FIELD}] | {path}[{_NO_FIELD}]"


def _line(match: str) -> str:
    """Text in a line: the first field after it, inside the same parent."""
    text = f"//body//text()[not(ancestor::*[{_either(*_INERT)}])][{match}]"
    element = (
        f"//body//*[{_either(*_LINE_ELEMENTS)}][not(ancestor-or-self::*[{_either(*_INERT)}])]"
        f"[{_NO_FIELD}][{match}]"
    )
    follows = (
        f"[following-sibling::node()/descendant-or-self::*[{_FIELD}]]/following::*[{_FIELD}][1]"
    )
    return f"{text}{follows} | {element}{follows}"


def anchor_selectors(kind: str, text: str, exact: bool) -> list[list[str]]:
    """Playwright selectors for ``{beside: text}`` or ``{below: text}``: chains of
    selectors (each applied to what the one before it found), to be joined with ``or_``,
    which puts the elements in document order. ``below`` needs a chain: XPath 1.0 cannot
    compare a label cell's column with another cell's, so each column is one branch."""
    match = _matches(text, exact)
    cells = f"//body//*[{_CELL}][{_NO_FIELD}][{match}]"
    term = f"//body//dt[{_NO_FIELD}][{match}]/following-sibling::*[1][self::dd]"
    plain = f"{_fields_or_itself(term)} | {_line(match)}"
    if kind == "beside":
        beside = f"{cells}/following-sibling::*[1][{_CELL}]"
        return [[f"xpath={_fields_or_itself(beside)} | {plain}"]]
    columns = " | ".join(
        f"self::*[{_COLUMN} = {n}]/{_NEXT_ROW}/*[{_CELL}][{_COLUMN} = {n}]"
        for n in range(MAX_COLUMN)
    )
    inside = f"descendant::*[{_FIELD}] | self::*[{_NO_FIELD}]"
    return [[f"xpath={plain}"], [f"xpath={cells}", f"xpath={columns}", f"xpath={inside}"]]
