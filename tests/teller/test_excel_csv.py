"""CSV written from console or input text: no cell a spreadsheet would evaluate (OWASP)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from teller.excel import csv_cell, write_csv

STARTS = ["=1+1", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]


@pytest.mark.parametrize("text", STARTS)
def test_a_formula_start_gets_an_apostrophe(text: str) -> None:
    assert csv_cell(text) == "'" + text


def test_plain_text_numbers_and_blanks_are_kept() -> None:
    assert [csv_cell(v) for v in ["張三", "1,234.56", "****7890", None, 12]] == [
        "張三",
        "1,234.56",
        "****7890",
        "",
        "12",
    ]


def test_write_csv_neutralises_every_cell_header_included(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "out.csv", ["=head", "b"], [[s, "ok"] for s in STARTS])
    with path.open(encoding="utf-8", newline="") as kept:
        rows = list(csv.reader(kept))
    assert rows[0] == ["'=head", "b"]
    assert [row[0] for row in rows[1:]] == ["'" + s for s in STARTS]
    assert not [f.name for f in tmp_path.iterdir() if f.name != "out.csv"]  # no temp left
