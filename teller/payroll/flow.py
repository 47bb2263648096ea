"""Batch payroll disbursement (批量代發(fā)工資): one transfer per payroll line on a core-banking console.

The flow talks only to the payment protocol (``teller.payments``): the console it pays
into is configuration (``[flows.NAME] console``, or a subclass's ``console``), reached
through its console map (``selectors/<console>.yaml``) or a bot registered for it.
A project registers it, or a subclass of it, under its own ``teller.flows`` entry point.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from loguru import logger
from playwright.async_api import BrowserContext

from teller import OtherFigures, mask_account
from teller._errors import ConfigError
from teller.consolemap import field_rules, open_payments
from teller.flow import Batch, Flow, FlowEnv, console_map
from teller.gate import GateLine
from teller.payments import Order, Payments, Posted
from teller.payroll.report import (
    AuditLine,
    FiredRuleView,
    LineOutcome,
    RunInfo,
    StatementLine,
    write_reconciliation,
)
from teller.payroll.workbook import load_payroll
from teller.store import AuditRecord, Item, NewItem, Run, now

__all__ = ["PayrollFlow"]


class PayrollFlow(Flow):
    """Load a payroll workbook, pay each approved line, reconcile against the statement."""

    name = "payroll"
    moves_money = True

    def load(self, path: Path) -> Batch:
        rules = field_rules(console_map(self.settings, self._console)) if self.settings else {}
        batch = load_payroll(path, limits=self.limits, rules=rules, console=self._console)
        items = [
            NewItem(
                seq=seq,
                key=batch.reference(line),
                amount=line.amount,
                label=f"{line.employee_id} {line.name}",
                payload={
                    "row": line.row,
                    "employee_id": line.employee_id,
                    "name": line.name,
                    "account_no": line.account_no,
                    "amount": str(line.amount),
                    "memo": line.memo,
                    "debit_account": batch.debit_account,
                },
            )
            for seq, line in enumerate(batch.lines, start=1)
        ]
        info = {
            "pay_date": batch.pay_date.isoformat(),
            "debit_account": batch.debit_account,
            "line_count": batch.line_count,
            "control_total": str(batch.control_total),
        }
        # the full path, so the report's manifest can fingerprint the very file that was paid
        return Batch(batch.batch_id, str(Path(path).resolve()), batch.sha256, items, info)

    def gate_line(
        self, key: str, amount: Decimal | None, payload: dict[str, Any], info: dict[str, Any]
    ) -> GateLine:
        return GateLine(
            key=key,
            amount=amount if amount is not None else Decimal(0),
            party=payload["employee_id"],
            account=payload["account_no"],
            name=payload["name"],
            day=date.fromisoformat(info["pay_date"]),
        )

    @property
    def _console(self) -> str:
        if not self.console:
            raise ConfigError(
                "teller.toml",
                f"flow {self.name!r}: name its console in [flows.{self.name}] console",
            )
        return self.console

    def secrets(self, env: FlowEnv) -> tuple[str, ...]:
        return env.settings.console_secrets(self._console)

    async def open(self, context: BrowserContext, env: FlowEnv) -> Payments:
        console = env.settings.console(self._console)
        bot = open_payments(
            await context.new_page(),
            env.locators(self._console),
            base_url=console.base_url,
            timeout=console.timeout,
        )
        await self.reopen(bot, env)
        return bot

    async def reopen(self, session: Any, env: FlowEnv) -> None:
        name, settings = self._console, env.settings
        user = settings.console(name).user
        await session.login(
            user, settings.console_password(name), lambda: settings.console_code(name)
        )
        env.audit("login", f"{name} as {user}")

    async def process(self, session: Any, item: Item, env: FlowEnv) -> str:
        line = item.payload
        bot: Payments = session
        return await bot.transfer(
            Order(
                debit_account=line["debit_account"],
                credit_account=line["account_no"],
                payee_name=line["name"],
                amount=Decimal(line["amount"]),
                reference=item.key,
                memo=line["memo"],
            )
        )

    async def lookup(self, session: Any, item: Item, env: FlowEnv) -> str | None:
        bot: Payments = session
        found = await bot.find_transfer(item.key)
        if found is None:
            return None
        differences = []
        if found.amount != item.amount:
            differences.append(("amount", f"{found.amount:,.2f}", f"{item.amount:,.2f}"))
        if found.credit_account != item.payload["account_no"]:
            theirs, ours = found.credit_account, item.payload["account_no"]
            differences.append(("account", mask_account(theirs), mask_account(ours)))
        if differences:
            # the reference is ours, so money moved, but not as the line said: not "done"
            logger.error("{} found on the console with other figures than the line", item.key)
            raise OtherFigures(self._console, item.key, found.txn_no, differences)
        return found.txn_no

    async def finish(self, session: Any, run: Run, env: FlowEnv) -> Path:
        bot: Payments = session
        statement: list[Posted] = []
        downloads: list[Path] = []
        # the console dates its postings in its own time zone; the store's clock is UTC
        day = run.created_at.replace(tzinfo=UTC).astimezone(bot.zone).date() - timedelta(days=1)
        while day <= datetime.now(bot.zone).date():
            csv, lines = await bot.statement(
                account=run.info["debit_account"], day=day, folder=env.folder
            )
            statement += lines
            downloads.append(csv)
            day += timedelta(days=1)
        path = env.folder / f"reconciliation-{run.id}.xlsx"
        figures = write_reconciliation(
            path,
            _run_info(run),
            [_outcome(i) for i in env.store.items(run.id)],
            [_statement_line(t) for t in statement],
            audit=[_audit_line(r) for r in env.store.audit_records(run_id=run.id)],
            sources=[p for p in (Path(run.input_file), *downloads) if p.is_file()],
            head=env.store.audit_head(),
            key=env.settings.key("audit"),
            policy_sha256=run.policy_sha256,
            policy_changed="; ".join(
                e.reason for e in env.store.events(run.id) if e.target == "policy changed"
            ),
        )
        found = (
            f"{figures.matched} matched, {figures.missing} missing, "
            f"{figures.mismatched} mismatched, {figures.unexpected} unexpected in the console"
        )
        env.store.note(run.id, actor="runner", what="report", reason=f"{path.name}: {found}")
        logger.info("reconciliation against the console's statement: {}", found)
        return path


def _run_info(run: Run) -> RunInfo:
    return RunInfo(
        run_id=run.id,
        flow=run.flow,
        batch_id=run.batch_id,
        pay_date=date.fromisoformat(run.info["pay_date"]),
        debit_account=run.info["debit_account"],
        input_file=Path(run.input_file).name,
        input_sha256=run.input_sha256,
        submitted_by=run.submitted_by,
        started_at=run.created_at,
        finished_at=now(),
    )


def _outcome(item: Item) -> LineOutcome:
    line = item.payload
    last = item.approvals[-1] if item.approvals else {}
    return LineOutcome(
        seq=item.seq,
        reference=item.key,
        employee_id=line["employee_id"],
        name=line["name"],
        account_no=line["account_no"],
        amount=Decimal(line["amount"]),
        decision=item.decision or "",
        state=item.state,
        decided_by=item.decided_by,
        txn_no=item.receipt,
        error=item.error,
        evidence=item.evidence,
        rules=tuple(FiredRuleView(r["rule"], r["action"], r["detail"]) for r in item.rules),
        suggestion=item.suggestion,
        decided_at=datetime.fromisoformat(last["at"]) if last else None,
        decision_reason=last.get("reason") or None,
    )


def _audit_line(record: AuditRecord) -> AuditLine:
    return AuditLine(
        seq=record.seq,
        at=datetime.fromisoformat(record.at),
        actor=record.actor,
        item_key=record.item_key,
        what=record.what,
        detail=record.detail,
        hash=record.hash,
    )


def _statement_line(t: Posted) -> StatementLine:
    return StatementLine(
        txn_no=t.txn_no,
        posted_at=t.posted_at,
        reference=t.reference,
        debit_account=t.debit_account,
        credit_account=t.credit_account,
        payee_name=t.payee_name,
        amount=t.amount,
    )
