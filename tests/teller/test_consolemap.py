"""Console maps read and checked: payments steps, field rules, statement layouts."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from teller import ConfigError, ConsoleError
from teller.consolemap import FieldRule, field_rules, payments_of
from teller.consolemap._model import StatementFile
from teller.consolemap._statement import parse_statement
from teller.locators import LocatorRepository

COREBANK = Path(__file__).resolve().parents[2] / "selectors" / "corebank.yaml"


def _map(tmp_path: Path, change: dict[str, object]) -> LocatorRepository:
    data = yaml.safe_load(COREBANK.read_text(encoding="utf-8"))
    for where, value in change.items():
        *path, last = where.split("/")
        node = data
        for part in path:
            node = node[part]
        node[last] = value
    path = tmp_path / "console.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return LocatorRepository.load(path)


def test_corebank_is_mapped_whole() -> None:
    payments = payments_of(LocatorRepository.load(COREBANK))
    assert payments.transfer.receipt == ("receipt", "txn_no")
    assert payments.transfer.confirm is not None and payments.transfer.confirm.dialog
    assert len(payments.keys()) > 30


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"payments/transfer/receipt": "receipt.no_such"}, "payments name receipt.no_such"),
        ({"payments/transfer/submit": "nothing"}, "payments name transfer.nothing"),
        ({"payments/transfer/receipt": "receipt"}, "field payments.transfer.receipt"),
        ({"payments/transfer/confirm": {}}, "either 'dialog: true' or an overlay's 'button'"),
        ({"payments/statement/file/columns": {"txn_no": "txn_no"}}, "'debit' and 'credit'"),
        ({"payments/zone": "Mars/Base"}, "no time zone 'Mars/Base'"),
        ({"payments/surprise": 1}, "field payments.surprise"),
    ],
)
def test_a_bad_map_names_the_field(tmp_path: Path, change: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        locators = _map(tmp_path, change)
        from teller.consolemap import MapBot

        MapBot(None, base_url="http://x", locators=locators)  # type: ignore[arg-type]


def test_a_map_without_payments_cannot_be_paid_into(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no 'payments:' section"):
        payments_of(_map(tmp_path, {"payments": None}))


def test_field_rules_say_what_the_console_expects() -> None:
    reference = FieldRule(max_chars=20, chars="A-Z0-9-")
    assert reference.broken("PAY-2026-11-E001") is None
    assert reference.broken("PAY:2026") == "only the characters [A-Z0-9-]"
    assert reference.broken("A" * 21) == "at most 20 characters"
    memo = FieldRule(max_bytes=30, encoding="gbk")
    assert memo.broken("工资" * 7 + "x") is None  # 29 bytes in GBK (43 in UTF-8)
    assert memo.broken("工资" * 8) == "at most 30 bytes in gbk (found 32)"
    assert memo.broken("😀") == "only characters gbk can write"
    account = FieldRule(digits=(16, 19))
    assert account.broken("6222020200001234") is None
    assert account.broken("622202020000123") == "16 to 19 digits 0-9"
    assert account.broken("６２２２０２０２０００１２３４５") == "16 to 19 digits 0-9"  # fullwidth


def test_bad_field_rules_are_refused_when_read(tmp_path: Path) -> None:
    for bad in ({"memo": {"encoding": "no-such"}}, {"memo": {"digits": [5, 2]}}):
        with pytest.raises(ConfigError, match="field rules.memo"):
            field_rules(_map(tmp_path, {"rules": bad}))


GBK_STATEMENT = (
    "某某银行 账户明细\r\n"
    "账号,6222****1234\r\n"
    "期间,2026/12/07\r\n"
    "\r\n"
    "交易时间,交易流水号,客户流水号,对方账号,对方户名,借方发生额,贷方发生额,余额,用途\r\n"
    '2026/12/07 09:30:01,CP20261207000001,PR-1-E1,6222000011112222,张三,"1,200.50",,98799.50,工资\r\n'
    "2026/12/07 10:00:00,CP20261207000002,,6222000033334444,公司,,500.00,99299.50,入账\r\n"
).encode("gbk")
LAYOUT = StatementFile(
    encoding="gbk",
    header="交易时间",
    columns={
        "posted_at": "交易时间",
        "txn_no": "交易流水号",
        "reference": "客户流水号",
        "credit_account": "对方账号",
        "payee_name": "对方户名",
        "debit": "借方发生额",
        "credit": "贷方发生额",
        "memo": "用途",
    },
    time_format="%Y/%m/%d %H:%M:%S",
    debit_account="account",
)


def test_a_statement_with_a_preamble_and_two_amount_columns() -> None:
    (paid,) = parse_statement(
        GBK_STATEMENT, LAYOUT, account="6222999900001234", console="coreplus"
    )  # the credit (money in) is no payment of this account
    assert paid.posted_at == datetime(2026, 12, 7, 9, 30, 1)
    assert (paid.txn_no, paid.reference, paid.amount) == (
        "CP20261207000001",
        "PR-1-E1",
        Decimal("1200.50"),
    )
    assert (paid.debit_account, paid.credit_account, paid.payee_name, paid.memo) == (
        "6222999900001234",
        "6222000011112222",
        "张三",
        "工资",
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (GBK_STATEMENT.replace("交易时间".encode("gbk"), b"time"), "no header"),
        (GBK_STATEMENT.decode("gbk").encode("utf-16"), "not gbk"),
        (GBK_STATEMENT.replace(b"09:30:01", b"9h30"), "unreadable value"),
    ],
)
def test_an_unreadable_statement_is_a_console_error(data: bytes, message: str) -> None:
    with pytest.raises(ConsoleError, match=message):
        parse_statement(data, LAYOUT, account="6222999900001234", console="coreplus")


def test_field_values_are_templates_over_the_line_and_the_consoles_data(tmp_path: Path) -> None:
    from teller.consolemap import MapBot
    from teller.consolemap._bot import _template
    from teller.consolemap._model import SetField

    locators = _map(tmp_path, {"data": {"journal": "SALARY", "date_format": "%Y%m%d"}})
    bot = MapBot(None, base_url="http://x", locators=locators)  # type: ignore[arg-type]
    values = {**bot._data, "reference": "B1:E1", "day": datetime(2026, 12, 7)}
    assert _template(SetField(value="{journal}/{reference}"), values, "s") == "SALARY/B1:E1"
    assert _template(SetField(value="{day:%Y%m%d}"), values, "s") == "20261207"
    with pytest.raises(ConfigError, match="field value '{ledger}' cannot be made"):
        _template(SetField(value="{ledger}"), values, "transfer")


def test_a_console_is_paid_by_its_registered_bot_else_by_its_map_alone() -> None:
    from bots.corebank import CoreBank
    from teller.consolemap import MapBot, console_bot, open_payments

    maps = COREBANK.parent
    assert console_bot("corebank") is CoreBank  # pyproject.toml's teller.bots entry point
    assert console_bot("coreplus") is None
    made = {
        name: open_payments(
            None,  # type: ignore[arg-type]
            LocatorRepository.load(maps / f"{name}.yaml"),
            base_url="http://x",
            timeout=1,
        )
        for name in ("corebank", "coreplus")
    }
    assert type(made["corebank"]) is CoreBank
    assert type(made["coreplus"]) is MapBot
