"""Writing a 100,000-line reconciliation report: time and peak memory, write-only against default.

Each mode runs in a child process of its own, so one mode's memory cannot hide another's.
The child builds its input, notes its peak RSS so far (the baseline: interpreter, imports,
input data), writes the workbook timed, and reports its peak RSS at the end
(``resource.getrusage(RUSAGE_SELF).ru_maxrss`` read in the child). "Write peak" is that peak
minus the baseline: the memory the writing itself needed.

Modes:
  report          Teller's whole reconciliation workbook (eight sheets), as the flow writes it:
                  100,000 lines and their statement, so it takes the write-only path.
  report-normal   the same workbook forced through openpyxl's default mode (write_only=False).
  table           teller.excel.write_table, write-only, on 100,000 x 10 cells.
  openpyxl        openpyxl's default mode, plain ws.append, on the same 100,000 x 10 cells.
  openpyxl-wo     openpyxl's write-only mode, plain ws.append, on the same cells.

    .venv/bin/python bench/report_write.py
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from openpyxl import Workbook  # noqa: E402

from teller.excel import Column, new_workbook, save, write_table  # noqa: E402
from teller.payroll.report import (  # noqa: E402
    LineOutcome,
    RunInfo,
    StatementLine,
    write_reconciliation,
)

LINES = 100_000
MODES = ("report", "report-normal", "table", "openpyxl", "openpyxl-wo")
BATCH = "PAY-2025-06"
DEBIT = "6222000011112222"
T0 = datetime(2025, 6, 30, 9, 0, tzinfo=UTC)
TEN_COLUMNS = (
    Column("Seq", "int"),
    Column("Reference"),
    Column("Employee id"),
    Column("Name"),
    Column("Account"),
    Column("Amount", "money"),
    Column("Decision"),
    Column("Decided by"),
    Column("State"),
    Column("Console txn no"),
)


def lines(count: int) -> list[LineOutcome]:
    """``count`` paid payroll lines."""
    return [
        LineOutcome(
            seq=n,
            reference=f"{BATCH}:E{n:06d}",
            employee_id=f"E{n:06d}",
            name=f"Employee {n}",
            account_no=f"6217{n:012d}",
            amount=Decimal(1000 + n % 5000) + Decimal("0.25"),
            decision="auto_approved",
            state="done",
            decided_by="gate",
            txn_no=f"T{n:06d}",
        )
        for n in range(1, count + 1)
    ]


def statement(paid: list[LineOutcome]) -> list[StatementLine]:
    """The console's statement paying every line once."""
    return [
        StatementLine(
            line.txn_no or "",
            T0 + timedelta(seconds=line.seq),
            line.reference,
            DEBIT,
            line.account_no,
            line.name,
            line.amount,
        )
        for line in paid
    ]


def ten_cells(paid: list[LineOutcome]) -> list[tuple[object, ...]]:
    """Each line as the ten values of the first ten columns of sheet "Lines"."""
    return [
        (
            line.seq,
            line.reference,
            line.employee_id,
            line.name,
            "****" + line.account_no[-4:],
            line.amount,
            line.decision,
            line.decided_by,
            line.state,
            line.txn_no,
        )
        for line in paid
    ]


def child(mode: str, count: int) -> dict[str, object]:
    """Build the input for ``mode``, write its workbook, return the time and memory it took."""
    day = date(2025, 6, 30)
    run = RunInfo("run-bench", "payroll", BATCH, day, DEBIT, "in.xlsx", "ab" * 32, "ops", T0, T0)
    paid = lines(count)
    postings = statement(paid)
    rows = ten_cells(paid)
    folder = Path(tempfile.mkdtemp(prefix="teller-bench-"))
    path = folder / "report.xlsx"
    write: Callable[[], object] = {
        "report": lambda: write_reconciliation(path, run, paid, postings),
        "report-normal": lambda: write_reconciliation(path, run, paid, postings, write_only=False),
        "table": lambda: _teller_table(path, rows),
        "openpyxl": lambda: _openpyxl(path, rows, write_only=False),
        "openpyxl-wo": lambda: _openpyxl(path, rows, write_only=True),
    }[mode]
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    write()
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    size = path.stat().st_size
    for file in folder.iterdir():
        file.unlink()
    folder.rmdir()
    return {
        "mode": mode,
        "seconds": round(seconds, 2),
        "peak_mib": round(peak / 1024),
        "write_peak_mib": round((peak - baseline) / 1024),
        "file_mib": round(size / 2**20, 1),
    }


def _teller_table(path: Path, rows: list[tuple[object, ...]]) -> None:
    wb = new_workbook(write_only=True)
    write_table(wb, "Lines", TEN_COLUMNS, rows)
    save(wb, path)


def _openpyxl(path: Path, rows: list[tuple[object, ...]], *, write_only: bool) -> None:
    wb = Workbook(write_only=write_only)
    ws = wb.create_sheet("Lines") if write_only else wb.active
    ws.append([column.title for column in TEN_COLUMNS])
    for row in rows:
        ws.append(row)
    wb.save(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=LINES)
    parser.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES))
    parser.add_argument("--child", choices=MODES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.lines)))
        return
    print(f"{args.lines:,} lines, each mode in its own child process")
    print(f"{'mode':<14} {'seconds':>8} {'peak MiB':>9} {'write MiB':>10} {'file MiB':>9}")
    for mode in args.modes:
        command = [sys.executable, __file__, "--child", mode, "--lines", str(args.lines)]
        result = json.loads(subprocess.run(command, check=True, capture_output=True).stdout)
        print(
            f"{mode:<14} {result['seconds']:>8} {result['peak_mib']:>9} "
            f"{result['write_peak_mib']:>10} {result['file_mib']:>9}"
        )


if __name__ == "__main__":
    main()
