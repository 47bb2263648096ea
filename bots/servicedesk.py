"""ServiceDesk: the page object of the servicedesk console (the queue of loss-report tickets).

Every element is found by key through ``selectors/servicedesk.yaml``, with the plumbing of
:class:`teller.pages.PageObject`. The bot does what an agent would and reports what the
console said.

How an action (claim, comment, hand over, close) reports failure depends on whether its
POST may have reached the console (a POST request left the page, or close's ``confirm()``
was accepted; the boundary ``effect`` of :class:`~teller.pages.PageObject`, whose
``AFTER_SUBMIT`` reads the answers ``after_submit`` names):

* before: ``SessionExpired`` (the login page instead of the ticket), ``ConsoleError``
  (an HTTP error page), ``ConsoleTimeout`` or ``SelectorNotFound``, or ``LostLease`` from
  the runner's fence; nothing was sent;
* after, when the console answered in words: ``ConsoleRefused`` with those words (also
  for an unknown ticket); ``ConsoleError`` when it turned the form itself away (HTTP 4xx);
* after, in every other case (timeout, dropped connection, HTTP 5xx, the login page, an
  error page, a ticket page it cannot read): ``InDoubt`` with the ticket id as its
  reference; :meth:`ServiceDesk.ticket` tells what happened. The login page after a POST
  is in doubt too: this sandbox's expired session changes nothing, but a console may
  act and then end the session, so only the ticket can tell.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from loguru import logger
from playwright.async_api import Locator

from bots._servicedesk_records import (
    QUEUE_COLUMNS,
    TICKET_FIELDS,
    QueueRow,
    Ticket,
)
from teller import (
    ConsoleError,
    ConsoleRefused,
    ConsoleTimeout,
    SessionExpired,
)
from teller.pages import AfterSubmit, Effect, Key, PageObject

__all__ = ["STATUSES", "QueueRow", "ServiceDesk", "Ticket"]

_QUEUE_HEADERS = {column: f"col_{column}" for column in QUEUE_COLUMNS}
"""The queue's columns, each by the key of its header."""

STATUSES = ("new", "claimed", "handed_over", "closed", "all")
"""What :meth:`ServiceDesk.queue` can list: one status, or ``all``."""


class ServiceDesk(PageObject):
    """One agent session on the servicedesk console, in one browser page."""

    console = "servicedesk"
    after_submit = AfterSubmit(
        result=("ticket", "ok"),
        refusal=("ticket", "error"),
        login_page=("main", "session_expired"),
        error_page=("main", "system_error"),
    )

    # -- operator intents ----------------------------------------------------

    async def login(self, user: str, password: str) -> None:
        """Log in from the login page and wait for the queue; a refusal is a ConsoleError."""
        await self._log_in(user, password, landing=("queue", "table"))

    async def queue(self, *, status: str = "new") -> list[QueueRow]:
        """Every ticket of the queue with ``status`` (or ``all``), reading every page."""
        if status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, not {status!r}")
        rows: list[QueueRow] = []
        async with self._translate("queue"):
            await self._open("queue", ready=("queue", "table"), status=status)
            while True:
                await self._settled("queue")  # every row and the pager, not just the table
                texts = await self._table("queue", "rows", _QUEUE_HEADERS)
                rows += [QueueRow.from_texts(cells) for cells in texts]
                if not await self._present("queue", "next"):
                    return rows
                await self._click_and_load(("queue", "next"), "queue")
                await self._ready(("queue", "table"))

    async def ticket(self, ticket_id: str) -> Ticket:
        """The ticket's detail page, every field in full; ConsoleRefused if there is none."""
        async with self._translate("ticket"):
            await self._open_ticket(ticket_id)
            return await self._read_ticket()

    async def claim(self, ticket_id: str) -> None:
        """Take the ticket; ours already is fine; ConsoleRefused if it is not ours to take."""
        async with self._translate("ticket"):
            await self._open_ticket(ticket_id)
            button = await self._find("ticket", "claim")
        await self._act(button, ticket_id)
        logger.debug("servicedesk: claimed {}", ticket_id)

    async def comment(self, ticket_id: str, text: str) -> None:
        """Add a comment to the ticket."""
        async with self._translate("ticket"):
            await self._open_ticket(ticket_id)
            await self._fill("ticket", comment_text=text)
            button = await self._find("ticket", "comment_submit")
        await self._act(button, ticket_id)

    async def hand_over(self, ticket_id: str, reason: str) -> None:
        """Hand the ticket to the human queue; a ticket already handed over is fine."""
        async with self._translate("ticket"):
            await self._open_ticket(ticket_id)
            await self._fill("ticket", hand_over_reason_input=reason)
            button = await self._find("ticket", "hand_over_submit")
        await self._act(button, ticket_id)
        logger.debug("servicedesk: handed {} over", ticket_id)

    async def close(self, ticket_id: str, *, reference: str, note: str = "") -> datetime:
        """Close the ticket with ``reference``; return its closed_at as the console shows it.

        A ticket already closed with the same reference returns its closed_at; closed with
        another reference, it is ConsoleRefused. After confirm() was accepted, an unclear
        outcome is InDoubt.
        """
        async with self._translate("ticket"):
            await self._open_ticket(ticket_id)
            await self._fill("ticket", close_reference_input=reference, close_note=note)
            button = await self._find("ticket", "close_submit")
        refusal: ConsoleRefused | None = None
        async with self.effect(ticket_id, "ticket") as effect:
            try:
                await self._submit(effect, button)
            except ConsoleRefused as refused:
                await self._settled("ticket")  # before trusting an absence
                if not await self._present("ticket", "ticket_id"):
                    raise  # no ticket page: an unknown ticket
                refusal = refused  # closed already? The ticket tells, read as after a close
            closed = await self._read_ticket()
        if closed.status == "closed" and closed.close_reference == reference and closed.closed_at:
            logger.debug("servicedesk: {} closed as {}", ticket_id, reference)
            return closed.closed_at
        if refusal is not None:
            raise refusal
        raise ConsoleError(self.console, "ticket", "close accepted, but the ticket is not closed")

    # -- steps -----------------------------------------------------------------

    def _url(self, screen: str, **params: str) -> str:
        path = self._locators.url(screen) or ""
        return self._base_url + path.format(**{k: quote(v, safe="") for k, v in params.items()})

    async def _open(self, screen: str, *, ready: Key, **params: str) -> None:
        """Go to the screen's url with ``params`` and wait for ``ready`` (or a refusal)."""
        response = await self._page.goto(
            self._url(screen, **params), wait_until="commit", timeout=self._timeout_ms
        )
        self._check_status(response, screen)
        await self._ready(ready)

    async def _ready(self, ready: Key) -> None:
        """Wait for ``ready``; the login page is SessionExpired, a ticket error ConsoleRefused."""
        found = await self._first(
            ready, ("ticket", "error"), ("main", "session_expired"), ("main", "system_error")
        )
        if found is None:
            raise ConsoleTimeout(self.console, ready[0], self._timeout)
        if found[0] == ("main", "session_expired"):
            raise SessionExpired(self.console)
        if found[0] == ("main", "system_error"):
            raise ConsoleError(self.console, ready[0], await self._message(found[1], "main"))
        if found[0] == ("ticket", "error"):
            raise ConsoleRefused(self.console, await self._message(found[1], "ticket"))

    async def _open_ticket(self, ticket_id: str) -> None:
        await self._open("ticket", ready=("ticket", "ticket_id"), ticket_id=ticket_id)
        await self._settled("ticket")

    async def _read_ticket(self) -> Ticket:
        cells = {key: await self._read("ticket", key) for key in TICKET_FIELDS}
        try:
            return Ticket.from_texts(cells)
        except ValueError as exc:
            raise ConsoleError(self.console, "ticket", f"unreadable ticket: {exc}") from None

    async def _act(self, button: Locator, ticket_id: str) -> None:
        """Submit a ticket form, accepting its confirm(); a refusal is ConsoleRefused."""
        async with self.effect(ticket_id, "ticket") as effect:
            await self._submit(effect, button)

    async def _submit(self, effect: Effect, button: Locator) -> None:
        # An agent's click sends nothing by itself here: only a POST (or close's accepted
        # confirm()) makes a failure InDoubt; the error page must land before the next page.
        await effect.submit(button, in_doubt_after_click=False, await_error_page=True)
        await self._settled("ticket")
