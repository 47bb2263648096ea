"""Text a workbook cannot slip past the reader: non-ASCII digits, invisible characters and
mixed scripts in amounts, accounts, ids and names, each refused with where it is.

A refused cell rejects the whole batch (``InputError``): nothing of it reaches a run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from teller._errors import InputError, InputProblem
from teller.payroll.workbook import load_payroll

from .conftest import PayrollBook

ACCOUNT = "6222020200112233445"
COLUMNS = {"employee_id": 0, "name": 1, "account_no": 2, "amount": 3, "memo": 4}
HEADERS = {"employee_id": "Employee ID", "name": "Name", "account_no": "Account No"}
HEADERS |= {"amount": "Amount", "memo": "Memo"}


def refused(path: Path) -> InputProblem:
    with pytest.raises(InputError) as caught:
        load_payroll(path)
    problems = caught.value.problems
    assert len(problems) == 1, problems
    return problems[0]


def with_cell(book: PayrollBook, field: str, value: Any, suffix: str = "xlsx") -> Path:
    lines = [list(line) for line in book.good_lines]
    lines[1][COLUMNS[field]] = value
    # the control total is the good one: an amount that is refused cannot be summed
    return book.write(f"payroll.{suffix}", lines=lines, batch={"Control Total": "22035.06"})


CASES = [
    # amounts: digits other than 0-9, and invisible characters between them
    ("amount", "８３００.５０", "digits 0-9", "U+FF18 FULLWIDTH DIGIT EIGHT at position 1"),
    ("amount", "٨٣٠٠.٥٠", "digits 0-9", "ARABIC-INDIC DIGIT EIGHT"),
    ("amount", "८३००.५०", "digits 0-9", "DEVANAGARI DIGIT EIGHT"),
    ("amount", "8300.5\u2070", "digits 0-9", "SUPERSCRIPT ZERO"),
    ("amount", "83\u200b00.50", "invisible", "U+200B ZERO WIDTH SPACE at position 3"),
    ("amount", "\u202d8300.50", "invisible", "LEFT-TO-RIGHT OVERRIDE"),
    # account numbers
    ("account_no", "６２１７０００" + "010002000300", "digits 0-9", "FULLWIDTH DIGIT SIX"),
    ("account_no", "٦٢١٧٠٠٠٠١٠٠٠٢٠٠٠٣٠٠", "digits 0-9", "ARABIC-INDIC DIGIT SIX"),
    ("account_no", "6217000010\u200c002000300", "invisible", "ZERO WIDTH NON-JOINER"),
    ("account_no", "6217\u00a00000\u00a010002000300", "invisible", "NO-BREAK SPACE"),
    ("account_no", "62170000100020\u00ad00300", "invisible", "SOFT HYPHEN"),
    ("account_no", "\u202e0030002000100007126", "invisible", "RIGHT-TO-LEFT OVERRIDE"),
    # employee ids
    ("employee_id", "E00\u200b002", "invisible", "ZERO WIDTH SPACE at position 4"),
    ("employee_id", "E\u206000002", "invisible", "WORD JOINER"),
    ("employee_id", "E０0002", "digits 0-9", "FULLWIDTH DIGIT ZERO at position 2"),
    ("employee_id", "Е00002", "ASCII letters", "CYRILLIC CAPITAL LETTER IE at position 1"),
    ("employee_id", "E 00002", "ASCII letters", "U+0020 SPACE at position 2"),
    ("employee_id", "E00002\ufe0f", "invisible", "VARIATION SELECTOR-16"),
    # names
    ("name", "王\u200b芳", "invisible", "ZERO WIDTH SPACE at position 2"),
    ("name", "Wang\u00adFang", "invisible", "SOFT HYPHEN"),
    ("name", "王芳\u202e", "invisible", "RIGHT-TO-LEFT OVERRIDE"),
    ("name", "Wang\u00a0Fang", "invisible", "NO-BREAK SPACE"),
    ("name", "Wang\u3164Fang", "invisible", "HANGUL FILLER"),
    ("name", "WАNG Fang", "one script", "Latin (U+0057"),
    (
        "name",
        "WАNG Fang",
        "one script",
        "Cyrillic (U+0410 CYRILLIC CAPITAL LETTER A at position 2)",
    ),
    ("name", "王Fang", "one script", "Han (U+738B"),
    ("name", "ΖΗΑΝG Wei", "one script", "Greek"),
    ("name", "王芳٣", "digits 0-9", "ARABIC-INDIC DIGIT THREE"),
    ("name", "\u0301Wang", "marks only on letters", "COMBINING ACUTE ACCENT at position 1"),
    # memos reach the console too
    ("memo", "salary\u200b", "invisible", "ZERO WIDTH SPACE"),
]


@pytest.mark.parametrize(("field", "value", "expected", "what"), CASES)
@pytest.mark.parametrize("suffix", ["xlsx", "xls"])
def test_a_sidestepping_cell_is_refused_where_it_is(
    payroll_book: PayrollBook, suffix: str, field: str, value: str, expected: str, what: str
) -> None:
    problem = refused(with_cell(payroll_book, field, value, suffix))

    assert (problem.file, problem.sheet, problem.row, problem.column) == (
        f"payroll.{suffix}",
        "Payroll",
        3,
        HEADERS[field],
    )
    assert expected in problem.expected and what in problem.expected, problem
    assert ACCOUNT not in str(problem)


@pytest.mark.parametrize(
    ("value", "shown"), [("E00\u200b002", "E00<U+200B>002"), ("王\u200b芳", "王<U+200B>芳")]
)
def test_an_invisible_character_is_shown_by_its_code(
    payroll_book: PayrollBook, value: str, shown: str
) -> None:
    field = "employee_id" if value.startswith("E") else "name"
    assert refused(with_cell(payroll_book, field, value)).found == shown


@pytest.mark.parametrize(
    ("field", "value", "row", "what"),
    [
        ("Batch ID", "PAY-２０２６", 1, "FULLWIDTH DIGIT TWO"),
        ("Batch ID", "PAY\u200b-2026", 1, "ZERO WIDTH SPACE"),
        ("Debit Account", "６２２２020200998877665", 3, "FULLWIDTH DIGIT SIX"),
        ("Debit Account", "6222020200998877665\u200e", 3, "LEFT-TO-RIGHT MARK"),
        ("Control Total", "２２035.06", 5, "FULLWIDTH DIGIT TWO"),
    ],
)
def test_a_sidestepping_batch_field_is_refused_in_column_b(
    payroll_book: PayrollBook, field: str, value: str, row: int, what: str
) -> None:
    problem = refused(payroll_book.write(batch={field: value}))

    assert (problem.sheet, problem.row, problem.column) == ("Batch", row, "B")
    assert what in problem.expected


@pytest.mark.parametrize(
    ("name", "loaded"),
    [
        ("张　伟", "张　伟"),  # an ideographic space, as Chinese names are aligned
        ("阿卜杜拉·买买提", "阿卜杜拉·买买提"),  # a middle dot in a transliterated name
        ("佐々木 さくら", "佐々木 さくら"),  # kanji and kana are one writing
        ("O'Brien-Smith", "O'Brien-Smith"),
        ("Zhang We\u0304i", "Zhang Wēi"),  # a combining macron on its letter, composed
        ("ＷＡＮＧ Ｆａｎｇ", "ＷＡＮＧ Ｆａｎｇ"),  # fullwidth Latin is still Latin
    ],
)
def test_names_as_people_write_them_still_load(
    payroll_book: PayrollBook, name: str, loaded: str
) -> None:
    path = with_cell(payroll_book, "name", name)

    assert load_payroll(path).lines[1].name == loaded


def test_every_sidestep_in_one_workbook_is_listed_and_nothing_loads(
    payroll_book: PayrollBook,
) -> None:
    lines = [
        ["E00001", "张\u200b伟", "6222020200112233445", "12500.00", ""],
        ["Е00002", "王芳", "６２１７000010002000300", "8300.50", ""],
        ["E00003", "LΙ Na", "6225880112345678", "1٢34.56", ""],
    ]
    path = payroll_book.write(lines=lines, batch={"Control Total": "22035.06"})

    with pytest.raises(InputError) as caught:
        load_payroll(path)

    assert [(p.row, p.column) for p in caught.value.problems] == [
        (2, "Name"),
        (3, "Employee ID"),
        (3, "Account No"),
        (4, "Name"),
        (4, "Amount"),
    ]
