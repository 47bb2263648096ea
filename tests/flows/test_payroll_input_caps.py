"""A payroll file is read once and within caps: what is hashed is what is paid, a bomb is refused.

The file is read into memory once; its SHA-256 and its lines come from those bytes, so a file
swapped on disk after it was read changes nothing. Size, unpacked size, rows, cells and parse
time each have a cap (``[input]`` in teller.toml); each refusal names the file and the cap.
"""

from __future__ import annotations

import hashlib
import re
import struct
import time
import zipfile
import zlib
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import teller.payroll.workbook as workbook
from flows.payroll import PayrollFlow
from teller._errors import InputError, InputProblem
from teller.flow import load_flow
from teller.payroll.workbook import load_payroll
from teller.settings import InputLimits, load_settings

from .conftest import PayrollBook

OTHER_ACCOUNT = "6212340000999988887"  # the thief's account, in the file swapped in


def _problems(path: Path, limits: InputLimits) -> list[InputProblem]:
    with pytest.raises(InputError) as caught:
        load_payroll(path, limits=limits)
    return caught.value.problems


# --- read once ------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["xlsx", "xls"])
def test_a_file_swapped_between_hash_and_parse_changes_nothing_that_is_paid(
    payroll_book: PayrollBook, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str
) -> None:
    path = payroll_book.write(f"payroll.{suffix}")
    original = path.read_bytes()
    # the same batch, every line paid into another account and the first line doubled
    lines = [list(line) for line in PayrollBook.good_lines]
    for line in lines:
        line[2] = OTHER_ACCOUNT
    lines[0][3] = Decimal("25000.00")
    swapped = PayrollBook(tmp_path / "swap")
    (tmp_path / "swap").mkdir()
    other = swapped.write(f"other.{suffix}", lines=lines).read_bytes()
    real = workbook.read_sheets

    def swap_then_parse(*args: Any, **kwargs: Any) -> Any:
        # The file is replaced after it was read (and hashed), before it is parsed.
        path.write_bytes(other)
        return real(*args, **kwargs)

    monkeypatch.setattr(workbook, "read_sheets", swap_then_parse)
    batch = PayrollFlow().load(path)

    assert path.read_bytes() == other  # the swap happened
    assert batch.input_sha256 == hashlib.sha256(original).hexdigest()
    paid = [(i.payload["account_no"], i.amount) for i in batch.items]
    assert OTHER_ACCOUNT not in {account for account, _ in paid}
    assert paid == [
        ("6222020200112233445", Decimal("12500.00")),
        ("6217000010002000300", Decimal("8300.50")),
        ("6225880112345678", Decimal("1234.56")),
    ]


# --- caps -----------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["xlsx", "xls"])
def test_a_file_over_the_size_cap_is_refused_naming_the_cap(
    payroll_book: PayrollBook, suffix: str
) -> None:
    path = payroll_book.write(f"payroll.{suffix}")
    limits = InputLimits(max_file_mb=(path.stat().st_size - 1) / 2**20)

    [problem] = _problems(path, limits)

    assert problem.file == f"payroll.{suffix}"
    assert "max_file_mb" in problem.expected and problem.found == "a larger file"
    # exactly at the cap is fine
    load_payroll(path, limits=InputLimits(max_file_mb=path.stat().st_size / 2**20))


@pytest.mark.parametrize("suffix", ["xlsx", "xls"])
def test_a_sheet_over_the_row_cap_is_refused_naming_sheet_and_cap(
    payroll_book: PayrollBook, suffix: str
) -> None:
    more = [[f"E1{n:04d}", "赵六", f"62220202001122{n:05d}", "10.00", ""] for n in range(5)]
    lines = [*PayrollBook.good_lines, *more]  # 9 rows under the header; Batch has 5
    path = payroll_book.write(f"payroll.{suffix}", lines=lines)

    [problem] = _problems(path, InputLimits(max_rows=8))

    assert (problem.file, problem.sheet) == (f"payroll.{suffix}", "Payroll")
    assert "at most 8 rows" in problem.expected and "max_rows" in problem.expected
    assert len(load_payroll(path, limits=InputLimits(max_rows=9)).lines) == 8


def test_a_sheet_over_the_cell_cap_is_refused(payroll_book: PayrollBook) -> None:
    # a header 16,000 columns wide: four rows, but 64,000 cells
    path = payroll_book.write(headers=[*PayrollBook.headers, *([None] * 15995), "far"])

    [problem] = _problems(path, InputLimits(max_rows=100, cells_per_row=64))

    assert problem.sheet == "Payroll" and "cells_per_row" in problem.expected


@pytest.mark.parametrize("suffix", ["xlsx", "xls"])
def test_a_parse_over_the_time_cap_is_refused(payroll_book: PayrollBook, suffix: str) -> None:
    path = payroll_book.write(f"payroll.{suffix}")

    [problem] = _problems(path, InputLimits(max_parse_seconds=1e-9))

    assert problem.file == f"payroll.{suffix}" and "max_parse_seconds" in problem.expected


def test_the_caps_come_from_teller_toml(project: Path) -> None:
    with (project / "teller.toml").open("a", encoding="utf-8") as toml:
        toml.write("\n[input]\nmax_file_mb = 5\nmax_rows = 2000\nmax_parse_seconds = 9\n")
    settings = load_settings(project)

    flow = load_flow("payroll", limits=settings.input)

    assert (flow.limits.max_file_bytes, flow.limits.max_rows) == (5 * 2**20, 2000)
    assert flow.limits.max_parse_seconds == 9
    assert load_flow("payroll").limits == InputLimits()  # the documented defaults


# --- zip bombs ------------------------------------------------------------------------

SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
SHEET_TAIL = b"</sheetData></worksheet>"


def _bomb(path: Path, good: Path, member: str, size: int, *, declared: int | None = None) -> Path:
    """``good``'s members, with ``member`` replaced by one that inflates to ``size`` bytes.

    Written by hand (local headers, central directory): zipfile would have to compress the
    whole GiB. ``declared`` is the size the zip claims, if it lies.
    """
    with zipfile.ZipFile(good) as source:
        members = [(i.filename, source.read(i)) for i in source.infolist()]
    entries = []
    for name, data in members:
        if name == member:
            raw, real = _bomb_data(size)
            crc = 0  # never checked: the cap refuses before anything is inflated
            entries.append((name, raw, crc, declared if declared is not None else real))
        else:
            packer = zlib.compressobj(6, zlib.DEFLATED, -15)
            raw = packer.compress(data) + packer.flush()
            entries.append((name, raw, zlib.crc32(data), len(data)))
    if member not in {name for name, _ in members}:
        raw, real = _bomb_data(size)
        entries.append((member, raw, 0, declared if declared is not None else real))
    out, central = bytearray(), bytearray()
    for name, raw, crc, usize in entries:
        encoded = name.encode()
        offset = len(out)
        out += (
            struct.pack(
                "<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(raw), usize, len(encoded), 0
            )
            + encoded
            + raw
        )
        central += (
            struct.pack(
                "<4s6H3L5H2L",
                b"PK\x01\x02",
                20,
                20,
                0,
                8,
                0,
                0,
                crc,
                len(raw),
                usize,
                len(encoded),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + encoded
        )
    start = len(out)
    out += central + struct.pack(
        "<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(central), start, 0
    )
    path.write_bytes(bytes(out))
    return path


def _bomb_data(size: int) -> tuple[bytes, int]:
    """Raw deflate data that inflates to about ``size`` bytes of XML (blanks between tags).

    A 16 MiB block of blanks compressed after a full flush is self-contained, so it can be
    repeated: gigabytes cost milliseconds to build and a few MB to store.
    """
    block = 16 * 2**20
    fresh = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = fresh.compress(SHEET_HEAD) + fresh.flush(zlib.Z_FULL_FLUSH)
    blanks = zlib.compressobj(9, zlib.DEFLATED, -15)
    segment = blanks.compress(b" " * block) + blanks.flush(zlib.Z_FULL_FLUSH)
    count = max(1, (size - len(SHEET_HEAD) - len(SHEET_TAIL)) // block)
    tail = zlib.compressobj(9, zlib.DEFLATED, -15)
    end = tail.compress(SHEET_TAIL) + tail.flush(zlib.Z_FINISH)
    return head + segment * count + end, len(SHEET_HEAD) + block * count + len(SHEET_TAIL)


@pytest.mark.parametrize(
    "member", ["xl/worksheets/sheet2.xml", "xl/sharedStrings.xml"], ids=["sheet", "strings"]
)
def test_a_zip_bomb_is_refused_within_seconds(
    payroll_book: PayrollBook, tmp_path: Path, member: str
) -> None:
    good = payroll_book.write()
    bomb = _bomb(tmp_path / "bomb.xlsx", good, member, 3 * 2**30)  # 3 GiB of XML
    assert bomb.stat().st_size < 8 * 2**20

    started = time.monotonic()
    [problem] = _problems(bomb, InputLimits())
    elapsed = time.monotonic() - started

    assert elapsed < 5
    assert problem.file == "bomb.xlsx" and "max_unpacked_mb" in problem.expected
    assert problem.found is not None and re.fullmatch(
        r"one that unpacks to 3,0\d\d MB", problem.found
    )


def test_a_zip_that_lies_about_its_sizes_is_a_damaged_workbook(
    payroll_book: PayrollBook, tmp_path: Path
) -> None:
    good = payroll_book.write()
    # claims 2 KB, inflates to 1 GiB: zipfile stops at the claimed size and the sheet breaks
    bomb = _bomb(tmp_path / "liar.xlsx", good, "xl/worksheets/sheet2.xml", 2**30, declared=2048)

    started = time.monotonic()
    problems = _problems(bomb, InputLimits())

    assert time.monotonic() - started < 5
    assert any((p.found or "").startswith("a damaged workbook") for p in problems), problems
