"""Nothing is paid that the gate and its approvers did not pass, whatever the database says.

Real Chromium against the corebank console; the people are accounts signed in through the
``teller`` command (``tests/_people.py``); what was paid is read from the console's own
ledger. The run is loaded in-process (as ``teller run`` loads it: the policy file read
and recorded, each decision sealed with the project's key), the store is then edited
behind Teller's back, and an operator resumes the run with ``teller resume``.
"""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from openpyxl import load_workbook
from playwright.async_api import Route
from sqlalchemy import update

from flows.payroll import PayrollFlow
from teller.runner import Runner
from teller.runs import submit
from teller.settings import load_settings
from teller.store import Item, Store, content_hash, open_store
from tests._console_server import Server
from tests._people import Team
from tests.flows.test_effect_lookup import SessionEndsAfterPosting

pytestmark = pytest.mark.e2e


def _project(project: Path, corebank: Server) -> Store:
    (project / "teller.toml").write_text(corebank.settings_toml(), encoding="utf-8")
    return open_store(load_settings(project))


def _load(project: Path, corebank: Server, store: Store, seed: int, over: int) -> tuple[str, str]:
    flow = PayrollFlow()
    made = flow.sample(
        project / f"pay-{seed}.xlsx",
        lines=8,
        console_url=corebank.base_url,
        seed=seed,
        over_limit=over,
    )
    run_id = submit(load_settings(project), store, flow, flow.load(made.path), submitted_by="clerk")
    return run_id, made.batch_id


def _paid(corebank: Server, batch_id: str) -> dict[str, tuple[str, str]]:
    rows = corebank.rows(
        "SELECT reference, credit_account, amount FROM transfers WHERE reference LIKE ?",
        (f"{batch_id}:%",),
    )
    assert len(rows) == len({r[0] for r in rows}), "a line was paid twice"
    return {r[0]: (r[1], r[2]) for r in rows}


def _force(store: Store, item_id: int, **values: object) -> None:
    with store.engine.begin() as connection:
        connection.execute(update(Item).where(Item.id == item_id).values(**values))


def _reasons(store: Store, item: Item) -> list[str]:
    return [e.reason for e in store.events(item.run_id, item_id=item.id)]


def test_a_forged_record_is_not_paid(project: Path, corebank: Server) -> None:
    store = _project(project, corebank)
    team = Team(project, {"clerk": ("operator",), "bob": ("approver",)})
    run_id, batch_id = _load(project, corebank, store, seed=71, over=4)
    items = store.items(run_id)
    held = [i for i in items if i.state == "needs_approval"]
    auto = [i for i in items if i.state == "auto_approved"]
    assert len(held) == 4 and len(auto) == 4
    team.login("bob")  # one held line approved, properly
    team.invoke(["approvals", "approve", str(held[0].id), "--yes"])
    approved = store.item(held[0].id)
    attacker = auto[3].payload["account_no"]  # an open account of the console

    # what someone with the database, and without the seal key, does
    _force(store, held[1].id, state="approved")  # no approval at all
    _force(store, held[2].id, state="auto_approved", decision="auto_approved")
    _force(store, held[3].id, state="approved", approvals=approved.approvals, seal=approved.seal)
    line = auto[0]
    payload = {**line.payload, "account_no": attacker}  # the money elsewhere, hash recomputed
    _force(
        store, line.id, payload=payload, content_hash=content_hash(line.key, line.amount, payload)
    )
    line = auto[1]
    amount = line.amount * 3  # more money, payload, hash and seal all recomputed
    payload = {**line.payload, "amount": str(amount)}
    forged = content_hash(line.key, amount, payload)
    _force(store, line.id, amount=amount, payload=payload, content_hash=forged, seal=forged)

    team.login("clerk")
    team.teller("resume", run_id)

    paid = _paid(corebank, batch_id)
    # auto[3]'s own line is clean, but the forged line now names its account earlier in the
    # batch: asked again before paying, the gate holds it too (it fails closed)
    assert set(paid) == {approved.key, auto[2].key}
    third = store.item(auto[3].id)
    assert (third.state, third.attempts) == ("needs_approval", 0)
    assert _reasons(store, third)[-1].startswith("not paid: the gate now holds it: account")
    assert paid[approved.key][0] == approved.payload["account_no"]
    for item_id in (held[1].id, held[2].id, held[3].id, auto[0].id, auto[1].id):
        item = store.item(item_id)
        assert (item.state, item.attempts) == ("needs_approval", 0), item.key
    assert (
        _reasons(store, store.item(held[1].id))[-1] == "not paid: 0 valid approval(s) of 1 needed"
    )
    for item_id in (held[2].id, held[3].id, auto[0].id, auto[1].id):
        assert _reasons(store, store.item(item_id))[-1].startswith("not paid: seal does not match")
    trail = [r for r in store.audit_records(run_id=run_id) if "seal does not match" in r.detail]
    assert len(trail) == 4
    # a record that does not match its seal can be rejected, never approved
    team.login("bob")
    code, said = team.attempt("approvals", "approve", str(auto[0].id), "--yes")
    assert code != 0 and "does not match its seal" in said
    store.close()


def test_a_limit_raised_between_load_and_pay_releases_nothing(
    project: Path, corebank: Server
) -> None:
    store = _project(project, corebank)
    team = Team(project, {"clerk": ("operator",)})
    run_id, batch_id = _load(project, corebank, store, seed=72, over=3)
    held = [i for i in store.items(run_id) if i.state == "needs_approval"]
    assert len(held) == 3 and all(i.amount and i.amount > Decimal("50000") for i in held)
    policy = project / "policies" / "payroll.toml"
    text = policy.read_text(encoding="utf-8")
    raised = text.replace('auto_limit = "50000.00"', 'auto_limit = "190000.00"')
    assert raised != text
    policy.write_text(raised, encoding="utf-8")  # every held line is under the new limit
    _force(store, held[0].id, state="approved")  # and one is even set to approved

    team.login("clerk")
    team.teller("resume", run_id)

    paid = _paid(corebank, batch_id)
    assert len(paid) == 5 and not {i.key for i in held} & set(paid)
    assert {store.item(i.id).state for i in held} == {"needs_approval"}
    assert store.run(run_id).policy_text == text  # the policy gated under, as recorded
    changed = [e for e in store.events(run_id) if e.target == "policy changed"]
    assert len(changed) == 1 and "recorded" in changed[0].reason
    assert any(r.what == "policy changed" for r in store.audit_records(run_id=run_id))
    path = next((project / "var" / "runs" / run_id).glob("reconciliation-*.xlsx"))
    summary = [
        " ".join(str(v) for v in row if v is not None)
        for row in load_workbook(path)["Summary"].iter_rows(values_only=True)
    ]
    assert any("changed policy" in line for line in summary), summary
    store.close()


class LedgerChangedAfterPosting(SessionEndsAfterPosting):
    """The console posts the line, the session ends, and the ledger row is then altered:
    the lookup finds our reference with another amount and another account."""

    def __init__(self, server: Server, account: str) -> None:
        super().__init__(server)
        self.account = account

    async def _transfer(self, route: Route) -> None:
        request = route.request
        values = [v for vs in parse_qs(request.post_data or "").values() for v in vs]
        if request.method != "POST" or self.target not in values or self.fired:
            await route.continue_()
            return
        self.fired.append(self.target)
        await route.fetch()  # posted and committed; the answer never reaches the browser
        await asyncio.to_thread(self._alter)
        await asyncio.to_thread(self.server.admin, "sessions/expire", {})
        await route.fulfill(status=302, headers={"Location": f"{self.server.base_url}/login"})

    def _alter(self) -> None:
        with closing(sqlite3.connect(self.server.db_path)) as db:
            db.execute(
                "UPDATE transfers SET amount = '1.00', credit_account = ? WHERE reference = ?",
                (self.account, self.target),
            )
            db.commit()


def test_a_lookup_that_finds_other_figures_is_not_done(
    project: Path, corebank: Server, tmp_path: Path
) -> None:
    toml = corebank.settings_toml(preamble="contexts = 1\n", extra="timeout = 8\n")
    (project / "teller.toml").write_text(toml, encoding="utf-8")
    settings = load_settings(project)
    store = open_store(settings)
    sample = PayrollFlow().sample(
        tmp_path / "pay.xlsx", lines=4, console_url=corebank.base_url, seed=73
    )
    other = sample.accounts[-1].account_no
    flow = LedgerChangedAfterPosting(corebank, other)
    run_id = submit(settings, store, flow, flow.load(sample.path), submitted_by="clerk")
    items = store.items(run_id)
    target = items[1]
    flow.target = target.key

    asyncio.run(Runner(settings=settings, store=store, flow=flow).run(run_id))

    row = corebank.rows(
        "SELECT amount, credit_account, txn_no FROM transfers WHERE reference = ?", (target.key,)
    )
    assert len(row) == 1 and row[0][:2] == ("1.00", other)  # the console's own record
    item = store.item(target.id)
    assert (item.state, item.receipt) == ("needs_review", row[0][2])
    reason = _reasons(store, item)[-1]
    ours, theirs = target.payload["account_no"], other
    assert f"amount 1.00 on the console, {target.amount:,.2f} in the line" in reason
    assert f"account ****{theirs[-4:]} on the console, ****{ours[-4:]} in the line" in reason
    assert ours not in reason and theirs not in reason
    run = store.run(run_id)
    assert run.status == "waiting"  # not reported finished
    others = [i for i in store.items(run_id) if i.id != target.id]
    assert {i.state for i in others} == {"done"}
    store.close()
