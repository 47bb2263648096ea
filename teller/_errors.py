"""Teller's errors: the family of an error decides what happens to a work item.

TellerError
├── BusinessError            the data or the console says no; never retried
│   └── ConsoleRefused       a console refused the work and showed why
│       └── PaymentRefused   ... a payment (funds, closed account, name)
├── TellerSystemError        the machinery failed; retried with backoff, bounded
│   ├── ConsoleError         the console answered with a failure page or an HTTP error
│   ├── SessionExpired       the console logged the bot out; log in again and go on
│   ├── SelectorNotFound     no strategy of a locator matched on the screen
│   └── ConsoleTimeout       the console did not answer in time (before any effect)
├── InDoubt                  the effect may have happened: resolved by lookup(), never retried blind
│   └── ReferenceAlreadyUsed the console refused a reused reference: confirm by lookup
├── OtherFigures             a lookup found our reference with another amount or account:
│                            the money moved, not as the line said; a person reviews it
├── InputError               a bad input file; lists every problem by file, sheet, row, column
├── ConfigError              a bad settings, policy, selector or schedule file
└── StateError               the store cannot do what was asked
    ├── RunNotFound          no run of that id
    ├── ItemNotFound         no item of that id
    ├── TransitionRefused    the state machine forbids the move (or the item is not where
    │                        the caller thought)
    ├── LostLease            a stale owner: another worker claimed the item since (a lost race)
    ├── BatchAlreadyLoaded   the batch (or one of its keys) is already in a run
    ├── ApprovalRefused      maker-checker says no (own batch, same approver twice, changed line)
    ├── TrailUnkeyed         the store was opened without the audit key: it cannot append
    └── TrailBroken          the chain's head does not verify: it is not anchored
AccessDenied                 (a TellerError) who is asking may not do this
├── NotSignedIn              no session, or it expired, was ended, or belongs to another OS user
├── LoginRefused             wrong name, password or code, a locked or disabled account (one
│                            message for all: a guesser learns nothing)
├── RoleRequired             signed in, without the role the action needs
└── UsernameRefused          a user name with invisible, mixed-script or look-alike characters
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "AccessDenied",
    "ApprovalRefused",
    "BatchAlreadyLoaded",
    "BusinessError",
    "ConfigError",
    "ConsoleError",
    "ConsoleRefused",
    "ConsoleTimeout",
    "InDoubt",
    "InputError",
    "InputProblem",
    "ItemNotFound",
    "LoginRefused",
    "LostLease",
    "NotSignedIn",
    "OtherFigures",
    "PaymentRefused",
    "ReferenceAlreadyUsed",
    "RoleRequired",
    "RunNotFound",
    "SelectorNotFound",
    "SessionExpired",
    "StateError",
    "TellerError",
    "TellerSystemError",
    "TrailBroken",
    "TrailUnkeyed",
    "TransitionRefused",
    "UsernameRefused",
]


class TellerError(Exception):
    """Root of every error Teller raises on purpose."""


class BusinessError(TellerError):
    """The data or the console says no: the item fails and is not retried."""


class ConsoleRefused(BusinessError):
    """A console refused the work and showed why (its own words are kept)."""

    what = "the request"

    def __init__(self, console: str, reason: str) -> None:
        self.console = console
        self.reason = reason
        super().__init__(f"{console} refused {self.what}: {reason}")


class PaymentRefused(ConsoleRefused):
    """A console refused a payment (insufficient funds, closed account, name mismatch)."""

    what = "the payment"


class TellerSystemError(TellerError):
    """The machinery failed before any effect: safe to retry."""


class ConsoleError(TellerSystemError):
    """A console answered with an error page or HTTP failure."""

    def __init__(self, console: str, screen: str, detail: str) -> None:
        self.console = console
        self.screen = screen
        self.detail = detail
        super().__init__(f"{console}/{screen}: {detail}")


class SessionExpired(TellerSystemError):
    """The console ended the session; the bot logs in again."""

    def __init__(self, console: str) -> None:
        self.console = console
        super().__init__(f"{console}: session expired")


class SelectorNotFound(TellerSystemError):
    """No strategy of a locator matched an element on the screen."""

    def __init__(self, console: str, screen: str, key: str, *, tried: int = 0) -> None:
        self.console = console
        self.screen = screen
        self.key = key
        super().__init__(f"{console}/{screen}/{key}: no element matched ({tried} strategies tried)")


class AmbiguousElement(TellerSystemError):
    """A locator matched several elements where it must name one (Playwright's strict mode).

    A key that means one of several on purpose says which with ``nth``.
    """

    def __init__(self, console: str, screen: str, key: str, count: int) -> None:
        self.console = console
        self.screen = screen
        self.key = key
        self.count = count
        super().__init__(
            f"{console}/{screen}/{key}: {count} elements matched where one was expected"
            " (give the strategy an nth, or a narrower locator)"
        )


class NotActionable(TellerSystemError):
    """The element was there but failed a check before acting, until the timeout.

    ``check`` names it: visible, stable, enabled, editable, receives events, value kept.
    """

    def __init__(self, console: str, screen: str, key: str, check: str, seconds: float) -> None:
        self.console = console
        self.screen = screen
        self.key = key
        self.check = check
        super().__init__(
            f"{console}/{screen}/{key}: check '{check}' still failing after {seconds:g}s"
        )


class ConsoleTimeout(TellerSystemError):
    """The console did not answer in time, before any effect could have happened."""

    def __init__(self, console: str, screen: str, seconds: float) -> None:
        self.console = console
        self.screen = screen
        super().__init__(f"{console}/{screen}: no answer within {seconds:g}s")


class InDoubt(TellerError):
    """The effect may or may not have happened; only a lookup may decide."""

    def __init__(self, console: str, reference: str, detail: str) -> None:
        self.console = console
        self.reference = reference
        self.detail = detail
        super().__init__(f"{console}: outcome of {reference} unknown: {detail}")


class ReferenceAlreadyUsed(InDoubt):
    """The console refused a reference it had already seen: a second guard, not a failure."""

    def __init__(self, console: str, reference: str) -> None:
        super().__init__(console, reference, "the console says this reference was already used")


class OtherFigures(TellerError):
    """A lookup found the item's reference on the console with other figures than the line.

    ``differences`` are (what, on the console, in the line) with account numbers already
    masked to their last four digits; ``receipt`` is the console's transaction.
    """

    def __init__(
        self, console: str, reference: str, receipt: str, differences: list[tuple[str, str, str]]
    ) -> None:
        self.console = console
        self.reference = reference
        self.receipt = receipt
        self.differences = differences
        said = "; ".join(
            f"{what} {theirs} on the console, {ours} in the line"
            for what, theirs, ours in differences
        )
        super().__init__(f"{console} has {reference} as {receipt} with other figures: {said}")


@dataclass(frozen=True)
class InputProblem:
    """One problem in an input file, located precisely enough for a clerk to fix it."""

    file: str
    sheet: str | None
    row: int | None
    column: str | None
    expected: str
    found: str | None = None

    def __str__(self) -> str:
        where = [self.file]
        if self.sheet is not None:
            where.append(f"sheet {self.sheet!r}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        found = f" (found {self.found!r})" if self.found is not None else ""
        return f"{', '.join(where)}: expected {self.expected}{found}"


class InputError(TellerError):
    """A bad input file: the whole batch is rejected, every problem listed."""

    def __init__(self, problems: list[InputProblem]) -> None:
        self.problems = list(problems)
        self.moves_money = True
        """Whether the batch would have moved money (the flow's ``moves_money``): how a
        command words "nothing was paid" / "nothing was done"."""
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"input rejected, {len(self.problems)} problem(s):\n{lines}")


class ConfigError(TellerError):
    """A bad configuration file: names the file, the line where known, and the field."""

    def __init__(self, file: str, detail: str, *, line: int | None = None) -> None:
        self.file = file
        self.line = line
        where = f"{file}:{line}" if line is not None else file
        super().__init__(f"{where}: {detail}")


class StateError(TellerError):
    """The store cannot do what was asked; its subclasses say why, in fields."""


class RunNotFound(StateError):
    """No run has this id."""

    def __init__(self, run_id: str) -> None:
        self.run_id = run_id
        super().__init__(f"no run {run_id!r}")


class ItemNotFound(StateError):
    """No item has this id."""

    def __init__(self, item_id: int) -> None:
        self.item_id = item_id
        super().__init__(f"no item {item_id}")


class TransitionRefused(StateError):
    """The item is not in a state from which ``target`` may be reached."""

    def __init__(self, item_id: int, key: str, source: str, target: str, *, why: str = "") -> None:
        self.item_id = item_id
        self.key = key
        self.source = source
        self.target = target
        why = why or "is not allowed"
        super().__init__(f"item {item_id} ({key}): {source} -> {target} {why}")


class LostLease(StateError):
    """A stale owner: another worker claimed the item since this one did (a lost race).

    Harmless by design: the move was not made, and the item's new owner settles it.
    """

    def __init__(self, item_id: int, key: str, owner: str, fence: int) -> None:
        self.item_id = item_id
        self.key = key
        self.owner = owner
        self.fence = fence
        super().__init__(f"item {item_id} ({key}): lease {fence} of {owner} was lost")


class BatchAlreadyLoaded(StateError):
    """The batch was loaded before (``run_id``), or one of its keys belongs to another run."""

    def __init__(self, batch_id: str, run_id: str | None) -> None:
        self.batch_id = batch_id
        self.run_id = run_id
        if run_id is None:
            detail = (
                "an item key is already used by another run "
                "(idempotency keys are unique across the store)"
            )
        else:
            detail = f"was already loaded as run {run_id}; use `teller resume {run_id}`"
        super().__init__(f"batch {batch_id!r}: {detail}")


class ApprovalRefused(StateError):
    """Maker-checker refuses a person's decision on an item, and says why."""

    def __init__(self, item_id: int | None, why: str) -> None:
        self.item_id = item_id
        self.why = why
        super().__init__(why if item_id is None else f"item {item_id}: {why}")


class TrailUnkeyed(StateError):
    """The store was opened without the audit key: it reads the trail but cannot extend it."""

    def __init__(self, what: str) -> None:
        self.what = what
        super().__init__(
            f"cannot {what}: the store was opened without the audit key (keys.audit in "
            "teller.toml); open it with teller.store.open_store(settings)"
        )


class TrailBroken(StateError):
    """The audit chain's head does not verify, so it is not signed as an anchor."""

    def __init__(self, seq: int, why: str) -> None:
        self.seq = seq
        self.why = why
        super().__init__(
            f"audit record {seq}: {why}; nothing was anchored (run teller audit verify)"
        )


class AccessDenied(TellerError):
    """Who is asking may not do this: not signed in, a refused login, a missing role."""


class RecordChanged(AccessDenied):
    """A user or session row whose seal does not verify: written or changed outside Teller."""

    def __init__(self, what: str) -> None:
        self.what = what
        super().__init__(
            f"{what} was changed outside Teller (its seal does not verify): it may not act; "
            "an admin looks into it (the audit trail says when it was refused)"
        )


class NotSignedIn(AccessDenied):
    """No valid session: never signed in, signed out, expired, or another OS user's."""

    def __init__(self, why: str) -> None:
        self.why = why
        super().__init__(f"not signed in ({why}): run `teller login`")


class LoginRefused(AccessDenied):
    """A refused login. The message is the same for a wrong name, password or code and for
    a locked or disabled account, so a guesser learns nothing; the audit trail says which."""

    def __init__(self, username: str, *, locked_for: float | None = None) -> None:
        self.username = username
        self.locked_for = locked_for
        super().__init__(
            f"login refused for {username!r}: wrong name, password or one-time code, "
            "or the account is locked or disabled (ask an admin)"
        )


class RoleRequired(AccessDenied):
    """Signed in, without the role (one of ``roles``) the action needs."""

    def __init__(self, username: str, action: str, roles: tuple[str, ...]) -> None:
        self.username = username
        self.action = action
        self.roles = roles
        needed = " or ".join(roles)
        super().__init__(f"{username} may not {action}: it needs the role {needed}")


class UsernameRefused(AccessDenied):
    """A user name that could pass for another: invisible, mixed-script or look-alike."""

    def __init__(self, name: str, why: str) -> None:
        self.name = name
        self.why = why
        super().__init__(f"user name {name!r} refused: {why}")
