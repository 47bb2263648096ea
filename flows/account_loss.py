"""Account-loss handling (賬戶掛失): take loss reports from the servicedesk queue, check who
reported them on cif, freeze the card (and the account when asked) on cardadmin, order a new
card when asked, and close the ticket with the freeze reference.

Freezing protects the customer and is urgent, so it passes the gate on its own; unfreezing
is held for a person by ``policies/account-loss.toml``. An identity that does not match
freezes nothing: the ticket goes to a person with the reason. Each ticket's stages
(received, verified, frozen, account frozen, replacement ordered, unfrozen, closed, handed
over) are stored as events with the consoles' own times and make the daily report.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

from playwright.async_api import BrowserContext

from bots.cardadmin import CardAdmin
from bots.cif import Cif
from bots.servicedesk import ServiceDesk
from flows._loss_case import Desks, closed_reference, console_time, work_ticket
from flows._loss_sample import scenario, seed_consoles
from flows._loss_tickets import IntakeFile, TicketLine, read_intake, write_intake
from reports.loss_handling import TicketOutcome, write_loss_report
from teller.flow import Batch, Flow, FlowEnv
from teller.gate import GateLine
from teller.pages import PageObject
from teller.service import Case, ServiceLevel
from teller.store import FINAL, Event, Item, NewItem, Run, Store, now

__all__ = ["AccountLossFlow", "outcome", "write_daily_report"]

CONSOLES: dict[str, type[PageObject]] = {
    "servicedesk": ServiceDesk,
    "cif": Cif,
    "cardadmin": CardAdmin,
}


class AccountLossFlow(Flow):
    """Loss reports from the servicedesk queue, handled across cif and cardadmin."""

    name = "account-loss"
    console = "cardadmin"  # its retry policy applies: that is where the effects are
    takes_intake = True
    # a reported loss is frozen within this long of the report (the bank's promise)
    freeze_within: ClassVar[timedelta] = timedelta(minutes=30)

    async def intake(self, context: BrowserContext, env: FlowEnv) -> Path | None:
        """Write the new tickets of the queue (oldest first) not yet in any run to a file."""
        desk = await self._bot(context, env, "servicedesk")
        rows = await desk.queue(status="new")
        known = env.store.known_keys(r.ticket_id for r in rows)
        fresh = sorted((r for r in rows if r.ticket_id not in known), key=lambda r: r.reported_at)
        if not fresh:
            return None
        lines = [
            TicketLine(
                ticket_id=r.ticket_id,
                kind=r.kind,
                reported_at=r.reported_at,
                channel=r.channel,
                customer_name=r.customer_name,
            )
            for r in fresh
        ]
        taken = IntakeFile(source="servicedesk", taken_at=console_time(), tickets=lines)
        return write_intake(env.folder, taken)

    def load(self, path: Path) -> Batch:
        intake, sha256 = read_intake(path, limits=self.limits)
        items = [
            NewItem(
                seq=seq,
                key=t.ticket_id,
                amount=None,
                label=f"{t.kind} {t.customer_name}",
                payload={
                    "kind": t.kind,
                    "reported_at": f"{t.reported_at:%Y-%m-%d %H:%M:%S}",
                    "channel": t.channel,
                    "customer": t.customer_name,
                },
            )
            for seq, t in enumerate(intake.tickets, start=1)
        ]
        info = {"source": intake.source, "taken_at": f"{intake.taken_at:%Y-%m-%d %H:%M:%S}"}
        return Batch(intake.batch_id, str(path), sha256, items, info)

    def gate_line(
        self, key: str, amount: Decimal | None, payload: dict[str, Any], info: dict[str, Any]
    ) -> GateLine:
        return GateLine(
            key=key,
            amount=Decimal(0),
            party=key,
            account="",
            name=payload["customer"],
            day=datetime.fromisoformat(payload["reported_at"]).date(),
            kind="unfreeze" if payload["kind"] == "unfreeze" else "freeze",
        )

    def service_level(self, store: Store) -> ServiceLevel:
        """The bank's promise to a customer who reports a loss: the card frozen within
        ``freeze_within`` of the report, in the consoles' own times; loss tickets of the
        last week's runs (an unfreeze waits for a person by design, and counts for none)."""
        rows = store.items_of(self.name, since=now() - timedelta(days=7))
        frozen: dict[int, datetime] = {}
        for run_id in dict.fromkeys(run.id for _, run in rows):
            for event in store.stages(run_id):
                at = (event.data or {}).get("at")
                if event.target == "frozen" and event.item_id is not None and at:
                    frozen[event.item_id] = datetime.fromisoformat(at)
        cases = [
            Case(_reported(item), frozen.get(item.id), closed=item.state in FINAL)
            for item, _ in rows
            if item.payload.get("kind") == "loss"
        ]
        what, within = "report to freeze", self.freeze_within
        return ServiceLevel.of(self.name, what, within, cases, console_time())

    sandbox = tuple(CONSOLES)

    def seed_sandbox(self, consoles: dict[str, str], *, items: int, seed: int = 0) -> str:
        world = scenario(items, seed=seed, tag=f"{console_time():%H%M%S}-")
        seed_consoles(world, consoles)
        cases = Counter(c for c in world.case.values() if c != "clean")
        return f"{items} loss tickets on servicedesk; special cases: " + ", ".join(
            f"{n} {case}" for case, n in sorted(cases.items())
        )

    def secrets(self, env: FlowEnv) -> tuple[str, ...]:
        return tuple(s for c in CONSOLES for s in env.settings.console_secrets(c))

    async def open(self, context: BrowserContext, env: FlowEnv) -> Desks:
        return Desks(
            desk=await self._bot(context, env, "servicedesk"),
            cif=await self._bot(context, env, "cif"),
            cards=await self._bot(context, env, "cardadmin"),
        )

    async def _bot(self, context: BrowserContext, env: FlowEnv, name: str) -> Any:
        settings = env.settings.console(name)
        bot = CONSOLES[name](
            await context.new_page(),
            base_url=settings.base_url,
            locators=env.locators(name),
            timeout=settings.timeout,
        )
        await bot.login(settings.user, env.settings.console_password(name))
        env.audit("login", f"{name} as {settings.user}")
        return bot

    async def reopen(self, session: Any, env: FlowEnv) -> None:
        desks: Desks = session
        for name, bot in (
            ("servicedesk", desks.desk),
            ("cif", desks.cif),
            ("cardadmin", desks.cards),
        ):
            settings = env.settings.console(name)
            await bot.login(settings.user, env.settings.console_password(name))
            env.audit("login", f"{name} as {settings.user}")

    async def process(self, session: Any, item: Item, env: FlowEnv) -> str:
        return await work_ticket(session, item, env)

    async def lookup(self, session: Any, item: Item, env: FlowEnv) -> str | None:
        """Done only when the ticket is closed; any step before is found again by ``process``."""
        return await closed_reference(session, item, env)

    async def finish(self, session: Any, run: Run, env: FlowEnv) -> Path | None:
        """Write the daily loss-handling report of each day this run's tickets were reported."""
        days = sorted({_reported(i).date() for i in env.store.items(run.id)})
        path = None
        for day in days:
            path = write_daily_report(env, day)
        return path


def write_daily_report(env: FlowEnv, day: date) -> Path:
    """The loss-handling report of ``day`` (console local date), over every run that day."""
    since = datetime.combine(day - timedelta(days=2), datetime.min.time())
    found = [
        (item, run)
        for item, run in env.store.items_of(AccountLossFlow.name, since=since)
        if _reported(item).date() == day
    ]
    tickets = [outcome(item, env.store.stages(run.id, item_id=item.id)) for item, run in found]
    # what the report was made from: the intake file of each sweep that day
    intakes = sorted({Path(run.input_file) for _, run in found if Path(run.input_file).is_file()})
    path = env.settings.var / "reports" / f"loss-handling-{day:%Y-%m-%d}.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    figures = write_loss_report(
        path,
        day=day,
        generated_at=console_time(),
        tickets=tickets,
        sources=intakes,
        head=env.store.audit_head(),
        key=env.settings.key("audit"),
    )
    env.store.note(
        env.run_id,
        actor="runner",
        what="report",
        reason=(
            f"{path.name}: {figures.tickets} tickets, {figures.closed} closed, "
            f"{figures.handed_over} handed over; median report-to-freeze "
            f"{figures.median_seconds} s"
        ),
    )
    return path


def _reported(item: Item) -> datetime:
    return datetime.fromisoformat(item.payload["reported_at"])


def outcome(item: Item, stages: list[Event]) -> TicketOutcome:
    """A ticket as the report shows it, from its item and its stage events."""
    seen = {e.target: e.data for e in stages}

    def at(stage: str) -> datetime | None:
        text = seen.get(stage, {}).get("at")
        return datetime.fromisoformat(text) if text else None

    frozen = seen.get("frozen", {})
    handed = seen.get("handed_over")
    return TicketOutcome(
        ticket_id=item.key,
        kind=item.payload["kind"],
        channel=item.payload["channel"],
        customer=item.payload["customer"],
        card=seen.get("received", {}).get("card", ""),
        state=item.state,
        reported_at=_reported(item),
        verified_at=at("verified"),
        frozen_at=at("frozen"),
        frozen_by_teller=bool(frozen.get("by_teller")),
        freeze_ref=frozen.get("ref"),
        account_frozen_at=at("account_frozen"),
        replacement_at=at("replacement_ordered"),
        replacement_ref=seen.get("replacement_ordered", {}).get("ref"),
        unfrozen_at=at("unfrozen"),
        closed_at=at("closed"),
        handed_over=handed is not None,
        reason=(handed or {}).get("reason") or item.error,
        evidence=item.evidence,
    )
