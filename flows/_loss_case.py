"""One loss ticket worked across the three consoles, each step safe to run again.

Every step first reads what the console already holds (the ticket's status, the card's
freeze, the replacement on file), so a step that happened before a crash is found, not
repeated: a card is never frozen twice and a ticket is closed only after its card is
frozen. Each stage reached is recorded once in the store, with the console's own time.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

from loguru import logger
from stdnum.cn import ric

from bots.cardadmin import Action, Card, CardAdmin
from bots.cif import Cif
from bots.servicedesk import ServiceDesk, Ticket
from teller import BusinessError, ConsoleRefused, mask_account
from teller.flow import FlowEnv
from teller.store import Item

__all__ = ["CONSOLE_ZONE", "Desks", "HandedOver", "closed_reference", "console_time", "work_ticket"]

# The sandbox consoles show local time in Shanghai, without a zone, like most legacy screens.
CONSOLE_ZONE = ZoneInfo("Asia/Shanghai")
FREEZE_REASON = "01"  # 遺失 lost


class HandedOver(BusinessError):
    """The ticket was handed to a person, with the reason; nothing was frozen."""


@dataclass
class Desks:
    """One worker's sessions on the three consoles, each in its own page."""

    desk: ServiceDesk
    cif: Cif
    cards: CardAdmin


def console_time(at: datetime | None = None) -> datetime:
    """Now (or ``at``) as the consoles write time: naive local time, to the second."""
    moment = at or datetime.now(CONSOLE_ZONE)
    return moment.astimezone(CONSOLE_ZONE).replace(tzinfo=None, microsecond=0)


def _text(at: datetime | None) -> str | None:
    return None if at is None else f"{at:%Y-%m-%d %H:%M:%S}"


class _Case:
    """The steps of one ticket, with the stage bookkeeping they share."""

    def __init__(self, desks: Desks, item: Item, env: FlowEnv, ticket: Ticket) -> None:
        self.desks, self.item, self.env, self.ticket = desks, item, env, ticket
        self.key = item.key

    def stage(self, name: str, said: str, /, **data: Any) -> None:
        """Record a stage once, in words (``said``) and in figures (``data``)."""
        if self.env.store.stage(self.item.id, name, actor="runner", reason=said, data=data):
            logger.info("{}: {} ({})", self.key, name, said)

    async def hand_over(self, reason: str) -> NoReturn:
        await self.desks.desk.hand_over(self.key, reason)
        self.stage("handed_over", reason, at=_text(console_time()), reason=reason)
        raise HandedOver(f"handed over to a person: {reason}")

    async def verify(self) -> None:
        """The reporter is who they say, and the card is theirs; else hand the ticket over."""
        t = self.ticket
        if not ric.is_valid(t.id_number):
            await self.hand_over(f"ID number {mask_account(t.id_number)} fails its check digit")
        customer = await self.desks.cif.customer(t.id_number)
        if customer is None:
            await self.hand_over(f"no customer with ID number {mask_account(t.id_number)}")
        if _plain(customer.name) != _plain(t.customer_name):
            await self.hand_over(
                f"the reported name does not match the customer record of {customer.customer_no}"
            )
        if t.card_no not in {c.card_no for c in customer.cards}:
            await self.hand_over(
                f"card {mask_account(t.card_no)} is not on {customer.customer_no}'s record"
            )
        self.stage(
            "verified",
            f"ID number, name and card match customer {customer.customer_no}",
            at=_text(console_time()),
            customer_no=customer.customer_no,
        )

    async def freeze(self) -> tuple[Action, Card]:
        """The card's freeze in force (Teller's, or one found already there), and the card."""
        cards = self.desks.cards
        card = await cards.card(self.ticket.card_no)
        if card is None:
            await self.hand_over(
                f"card {mask_account(self.ticket.card_no)} is unknown to cardadmin"
            )
        if card.status == "active":
            try:
                frozen = await cards.freeze_card(card.card_no, reason=FREEZE_REASON, memo=self.key)
            except ConsoleRefused:  # frozen meanwhile, by someone else: read what is in force
                card = await cards.card(card.card_no)
                if card is None or card.freeze is None:
                    raise
                frozen = card.freeze
        elif card.status == "frozen_lost" and card.freeze is not None:
            frozen = card.freeze  # found, not frozen twice
        else:
            await self.hand_over(f"card {mask_account(card.card_no)} is {card.status}")
        by_teller = frozen.memo == self.key
        self.stage(
            "frozen",
            f"card {mask_account(card.card_no)} frozen as lost ({frozen.ref})"
            + ("" if by_teller else ", already before this ticket"),
            at=_text(frozen.at),
            ref=frozen.ref,
            by_teller=by_teller,
        )
        return frozen, card

    async def freeze_account(self, account_no: str) -> str:
        cards = self.desks.cards
        account = await cards.account(account_no)
        if account is None:
            await self.hand_over(f"account {mask_account(account_no)} is unknown to cardadmin")
        frozen = account.freeze
        if account.status != "frozen" or frozen is None:
            frozen = await cards.freeze_account(account_no, memo=self.key)
        self.stage(
            "account_frozen",
            f"account {mask_account(account_no)} frozen ({frozen.ref})",
            at=_text(frozen.at),
            ref=frozen.ref,
        )
        return frozen.ref

    async def replacement(self, card: Card) -> str:
        """A new card on order: the one on file, or ordered now."""
        card_no = card.card_no
        order = card.replacement or await self.desks.cards.order_replacement(card_no, memo=self.key)
        self.stage(
            "replacement_ordered",
            f"new card ordered for {mask_account(card_no)} ({order.ref})",
            at=_text(order.at),
            ref=order.ref,
        )
        return order.ref

    async def unfreeze(self) -> Action:
        cards = self.desks.cards
        card = await cards.card(self.ticket.card_no)
        if card is not None and card.status == "frozen_lost":
            done = await cards.unfreeze_card(card.card_no, memo=self.key)
        else:  # unfrozen before a crash, by this ticket? Then its action is on file.
            ours = [a for a in await cards.actions(self.key) if a.kind == "unfreeze_card"]
            if not ours:
                status = card.status if card else "unknown to cardadmin"
                await self.hand_over(f"card {mask_account(self.ticket.card_no)} is {status}")
            done = ours[0]
        self.stage("unfrozen", f"card unfrozen ({done.ref})", at=_text(done.at), ref=done.ref)
        return done

    async def close(self, reference: str, note: str) -> str:
        closed_at = await self.desks.desk.close(self.key, reference=reference, note=note)
        self.stage("closed", f"ticket closed with {reference}", at=_text(closed_at), ref=reference)
        return reference


async def closed_reference(desks: Desks, item: Item, env: FlowEnv) -> str | None:
    """The reference the ticket was closed with, if it is closed (its stage recorded too)."""
    ticket = await desks.desk.ticket(item.key)
    if ticket.status != "closed" or not ticket.close_reference:
        return None
    # the attempt that closed it died before it could record so: every earlier stage was
    # recorded before the close was even tried
    reference = ticket.close_reference
    _Case(desks, item, env, ticket).stage(
        "closed", f"ticket closed with {reference}", at=_text(ticket.closed_at), ref=reference
    )
    return reference


async def work_ticket(desks: Desks, item: Item, env: FlowEnv) -> str:
    """Carry one ticket from the queue to closed; return the reference it was closed with."""
    ticket = await desks.desk.ticket(item.key)
    case = _Case(desks, item, env, ticket)
    case.stage(
        "received",
        f"{ticket.kind} reported by {ticket.channel} for card {mask_account(ticket.card_no)}",
        at=_text(ticket.reported_at),
        card=mask_account(ticket.card_no),
    )
    if ticket.status == "handed_over":  # by an attempt that died before it could say so
        reason = ticket.hand_over_reason or "no reason given"
        case.stage("handed_over", reason, at=_text(console_time()), reason=reason)
        raise HandedOver(f"handed over to a person: {reason}")
    if ticket.status != "closed":
        await desks.desk.claim(item.key)
        await case.verify()
    # a ticket closed by an attempt that died before it could record so goes through the
    # steps below all the same: each finds its effect on the console and records its stage
    if ticket.kind == "unfreeze":
        done = await case.unfreeze()
        return await case.close(done.ref, f"card unfrozen ({done.ref})")
    frozen, card = await case.freeze()
    notes = [f"card frozen ({frozen.ref})"]
    if ticket.freeze_account:
        notes.append(f"account frozen ({await case.freeze_account(card.account_no)})")
    if ticket.replacement:
        notes.append(f"new card ordered ({await case.replacement(card)})")
    return await case.close(frozen.ref, "; ".join(notes))


def _plain(name: str) -> str:
    """A name folded for comparison: width, case and spaces do not count."""
    return "".join(unicodedata.normalize("NFKC", name).casefold().split())
