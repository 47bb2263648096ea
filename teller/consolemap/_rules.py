"""A console's field rules (the ``rules:`` section of its map), checked when work is loaded.

A console refuses a reference that is too long or a memo over its byte limit only when the
line is keyed, one line at a time, with money already moving for the others. Its map
states the rules instead, and a flow checks every line at load: a batch with one line the
console would refuse is rejected whole, every such line named.

    rules:
      reference: {max_chars: 20, chars: "A-Z0-9-"}
      memo: {max_bytes: 30, encoding: gbk}
      credit_account: {digits: [16, 19]}
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["FieldRule"]


class FieldRule(BaseModel):
    """What the console accepts in one field."""

    model_config = ConfigDict(extra="forbid")
    max_chars: int | None = Field(None, ge=1)
    max_bytes: int | None = Field(None, ge=1)
    encoding: str = "utf-8"
    """The encoding ``max_bytes`` counts in (the console's: GBK for many Chinese consoles)."""
    chars: str | None = None
    """The characters allowed, as the inside of a regular expression's ``[...]``."""
    digits: tuple[int, int] | None = None
    """An account of this many digits (fewest, most), ASCII 0-9 only."""

    @model_validator(mode="after")
    def _sound(self) -> FieldRule:
        if self.chars is not None:
            re.compile(f"[{self.chars}]")  # a bad class: the map is refused when read
        try:
            "".encode(self.encoding)
        except LookupError:
            raise ValueError(f"no encoding {self.encoding!r}") from None
        if self.digits is not None and not 1 <= self.digits[0] <= self.digits[1]:
            raise ValueError(f"digits: (fewest, most) with 1 <= fewest <= most, not {self.digits}")
        return self

    def broken(self, value: str) -> str | None:
        """What the console expects, if ``value`` breaks the rule; None if it keeps it."""
        if self.digits is not None:
            fewest, most = self.digits
            if not (value.isascii() and value.isdigit() and fewest <= len(value) <= most):
                return f"{fewest} to {most} digits 0-9"
        if self.max_chars is not None and len(value) > self.max_chars:
            return f"at most {self.max_chars} characters"
        if self.chars is not None and not re.fullmatch(f"[{self.chars}]*", value):
            return f"only the characters [{self.chars}]"
        if self.max_bytes is not None:
            try:
                size = len(value.encode(self.encoding))
            except UnicodeEncodeError:
                return f"only characters {self.encoding} can write"
            if size > self.max_bytes:
                return f"at most {self.max_bytes} bytes in {self.encoding} (found {size})"
        return None
