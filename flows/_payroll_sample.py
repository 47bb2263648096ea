"""A realistic sample payroll workbook, and its accounts for the sandbox console.

The sample is what a bank's payroll clerk would hand over: Chinese names, employee
IDs like E00042, 16- or 19-digit account numbers with a valid Luhn check digit,
amounts with cents, account numbers stored as text. Some lines are made to fail on
purpose: ``over_limit`` lines the gate must hold back, ``refused`` lines the console
must refuse (about half to a closed account, half to an account that does not exist).
Everything but the default pay date follows from ``seed``, so a test can rely on it.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Literal

import httpx

from teller._errors import ConsoleError
from teller.payroll.template import (
    BATCH_HEADERS,
    DATE_FORMAT,
    LINE_HEADERS,
    MONEY_FORMAT,
    TEXT_FORMAT,
    WIDTHS,
    PayLine,
    write_payroll,
)

__all__ = ["Sample", "SampleAccount", "register_accounts", "write_sample"]

CENT = Decimal("0.01")

# Common surnames, and characters common in given names: 张伟, 王芳, 李娜 ...
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕"
    "丁沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴孔汤"
)
_GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国"
    "文辉力鹏飞宇浩然涵欣怡轩佳琪俊晨雨思远嘉博雅婷志海燕晓东春梅"
)
# Bank card BINs of large Chinese banks, with the length of their account numbers.
_BANKS = (("622202", 19), ("621700", 19), ("622848", 19), ("622262", 19), ("622588", 16))
_NORMAL_LOW, _NORMAL_HIGH = Decimal("3000.00"), Decimal("45000.00")
_OVER_HIGH = Decimal("120000.00")
_COMPANY = "华信科技有限公司"


@dataclass(frozen=True)
class SampleAccount:
    """An account the sandbox console should hold: the company's, or an employee's."""

    account_no: str
    name: str
    balance: Decimal
    status: str  # 'open' | 'closed'


@dataclass(frozen=True)
class Sample:
    """What :func:`write_sample` wrote, and what the console needs to know about it."""

    path: Path
    batch_id: str
    debit_account: str
    # The company's account first, then the employees'; those meant not to exist are left out.
    accounts: list[SampleAccount]
    over_limit: int
    refused: int


def write_sample(
    path: Path,
    *,
    lines: int,
    seed: int = 0,
    batch_id: str | None = None,
    pay_date: date | None = None,
    over_limit: int = 0,
    refused: int = 0,
    limit: Decimal = Decimal("50000.00"),
    fmt: Literal["xlsx", "xls"] = "xlsx",
) -> Sample:
    """Write a sample payroll workbook of ``lines`` lines and return what it holds."""
    if lines < 1 or over_limit < 0 or refused < 0 or over_limit + refused > lines:
        raise ValueError(f"need 0 <= over_limit + refused <= lines, lines >= 1 (got {lines=})")
    if fmt not in ("xlsx", "xls"):
        raise ValueError(f"fmt must be 'xlsx' or 'xls', not {fmt!r}")
    rng = random.Random(seed)
    pay_date = pay_date or date.today()
    batch_id = batch_id or f"PAY-{pay_date:%Y%m%d}-{seed % 10000:04d}"
    used: set[str] = set()
    debit_account = _account_no(rng, used)

    chosen = rng.sample(range(lines), over_limit + refused)
    over = set(chosen[:over_limit])
    closed = set(chosen[over_limit : over_limit + (refused + 1) // 2])
    missing = set(chosen[over_limit + (refused + 1) // 2 :])
    memo = f"{pay_date:%Y-%m} 工资 Salary"
    normal_high = min(_NORMAL_HIGH, limit)
    numbers = sorted(rng.sample(range(1, max(100_000, lines * 10)), lines))

    batch: list[PayLine] = []
    accounts: list[SampleAccount] = []
    for index, number in enumerate(numbers):
        if index in over:
            amount = _amount(rng, limit + CENT, max(_OVER_HIGH, limit * 2))
        else:
            amount = _amount(rng, min(_NORMAL_LOW, normal_high), normal_high)
        line = PayLine(f"E{number:05d}", _name(rng), _account_no(rng, used), amount, memo)
        batch.append(line)
        if index in closed:
            accounts.append(SampleAccount(line.account_no, line.name, Decimal("0.00"), "closed"))
        elif index not in missing:
            balance = _amount(rng, CENT, Decimal("20000.00"))
            accounts.append(SampleAccount(line.account_no, line.name, balance, "open"))

    total = sum((line.amount for line in batch), Decimal("0"))
    # Enough for the whole batch with room to spare, so only the lines meant to fail fail.
    company = SampleAccount(debit_account, _COMPANY, total + Decimal("1000000.00"), "open")
    fields = (batch_id, pay_date, debit_account, len(batch), total)
    path = Path(path)
    if fmt == "xls":
        _write_xls(path, fields, batch)
    else:
        write_payroll(
            path, batch_id=batch_id, pay_date=pay_date, debit_account=debit_account, lines=batch
        )
    return Sample(path, batch_id, debit_account, [company, *accounts], over_limit, refused)


def register_accounts(
    base_url: str, accounts: list[SampleAccount], *, timeout: float = 10.0
) -> int:
    """Create or update ``accounts`` in a sandbox console; return how many it upserted.

    The first is the company's, marked as the operator's own debit account (a console
    that offers its operator a choice of debit accounts lists it; others ignore it).
    """
    url = f"{base_url.rstrip('/')}/admin/accounts"
    payload = {
        "accounts": [
            # Balances travel as text: a JSON number is a float on the other side.
            {
                "account_no": a.account_no,
                "name": a.name,
                "balance": str(a.balance),
                "status": a.status,
                "debit": index == 0,
            }
            for index, a in enumerate(accounts)
        ]
    }
    try:
        response = httpx.post(url, json=payload, timeout=timeout)
        response.raise_for_status()
        return int(response.json()["upserted"])
    except (httpx.HTTPError, ValueError, KeyError) as exc:
        raise ConsoleError(base_url, "admin/accounts", f"{type(exc).__name__}: {exc}") from exc


def _luhn_digit(body: str) -> str:
    total = 0
    # From the right, every other digit is doubled, starting with the one next to the check digit.
    for position, char in enumerate(reversed(body)):
        digit = int(char) * (2 if position % 2 == 0 else 1)
        total += digit - 9 if digit > 9 else digit
    return str(-total % 10)


def _account_no(rng: random.Random, used: set[str]) -> str:
    while True:
        prefix, length = rng.choice(_BANKS)
        body = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
        number = body + _luhn_digit(body)
        if number not in used:
            used.add(number)
            return number


def _name(rng: random.Random) -> str:
    given = "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return rng.choice(_SURNAMES) + given


def _amount(rng: random.Random, low: Decimal, high: Decimal) -> Decimal:
    cents = rng.randint(int(low / CENT), int(high / CENT))
    return (Decimal(cents) * CENT).quantize(CENT)


def _write_xls(path: Path, fields: Sequence[object], lines: list[PayLine]) -> None:
    # xlwt (rpaframework's own .xls writer) directly: RPA.Excel.Files copies the whole
    # book on every styled cell write, far too slow for a 2,000-line sheet.
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    bold = xlwt.easyxf("font: bold on")
    money = xlwt.easyxf(num_format_str=MONEY_FORMAT)
    text = xlwt.easyxf(num_format_str=TEXT_FORMAT)
    day = xlwt.easyxf(num_format_str=DATE_FORMAT)
    plain = xlwt.Style.default_style

    batch = book.add_sheet("Batch")
    for row, (label, value, style) in enumerate(
        zip(BATCH_HEADERS, fields, (plain, day, text, plain, money), strict=True)
    ):
        batch.write(row, 0, label, bold)
        batch.write(row, 1, value, style)
    batch.col(0).width, batch.col(1).width = 16 * 256, 24 * 256

    table = book.add_sheet("Payroll")
    for column, header in enumerate(LINE_HEADERS):
        table.write(0, column, header, bold)
    for row, line in enumerate(lines, start=1):
        table.write(row, 0, line.employee_id)
        table.write(row, 1, line.name)
        table.write(row, 2, line.account_no, text)
        table.write(row, 3, line.amount, money)
        table.write(row, 4, line.memo)
    for column, width in enumerate(WIDTHS):
        table.col(column).width = width * 256
    book.save(str(path))
