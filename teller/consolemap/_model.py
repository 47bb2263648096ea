"""The ``payments:`` section of a console map, as read and validated.

Elements are named ``screen.key`` (``menu.transfer``), as the ``screens:`` of the same file
define them; values a field takes are templates over the order or the question
(``"{amount}"``, ``"{day:%Y/%m/%d}"``, ``""``), see ``teller/consolemap/__init__.py``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from teller._effect import Key
from teller._errors import ConfigError
from teller.consolemap._spa_model import AppRequest, Draft, Drafts
from teller.locators import LocatorRepository

__all__ = [
    "Confirm",
    "Inquiry",
    "PaymentsMap",
    "SetField",
    "SignIn",
    "StatementFile",
    "StatementMap",
    "TransferMap",
    "payments_of",
]


def _key(value: Any) -> Any:
    if isinstance(value, str):
        screen, dot, key = value.partition(".")
        if not dot or not screen or not key:
            raise ValueError(f"an element is named 'screen.key', not {value!r}")
        return (screen, key)
    return value


ElementKey = Annotated[Key, BeforeValidator(_key)]


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SetField(_Part):
    """How one field is set: its value (a template) and how (typed, chosen, ticked)."""

    value: str
    set: Literal["text", "select", "select_label", "check"] = "text"


def _field(value: Any) -> Any:
    return {"value": value} if isinstance(value, str) else value


Fields = dict[str, Annotated[SetField, BeforeValidator(_field)]]
"""Element key on the step's screen -> its value (a template) or a SetField."""


class Step(_Part):
    """A screen reached by clicking ``open`` (a link or a menu entry loading a page)."""

    open: ElementKey | None = None
    screen: str
    fields: Fields = {}
    # a single-page application (teller/consolemap/_spa_model.py)
    load: bool = True
    """``false``: the step's clicks only change the page (a single-page app): no page
    load is waited for; what shows next, or the app's request, tells the outcome."""
    idle_ms: int | None = Field(None, ge=1)
    """Wait until the app has had no fetch/XHR request in flight for this long: after the
    step's clicks, after its fields are set and before they are read back and sent."""


class CodeStep(_Part):
    """The one-time-code page after the password, if the console has one."""

    screen: str
    field: str
    submit: str


class SignIn(_Part):
    screen: str = "login"
    user: str = "username"
    password: str = "password"
    submit: str = "submit"
    refused: str = "message"
    code: CodeStep | None = None
    load: bool = True
    """``false``: signing in only changes the page (as ``Step.load``)."""
    idle_ms: int | None = Field(None, ge=1)
    """As ``Step.idle_ms``, after each click of the sign-in."""
    ready: list[ElementKey] = Field(min_length=1)
    """What shows that the console let us in, waited for in order (the menu, then the
    frame the work opens in)."""


class Confirm(_Part):
    """A confirmation before the effect: the browser's dialog, or an overlay in the page
    that may ask to enter a field again; its ``button`` then sends the form."""

    dialog: bool = False
    screen: str | None = None
    fields: Fields = {}
    button: str | None = None

    @model_validator(mode="after")
    def _one(self) -> Confirm:
        if self.dialog == (self.button is not None):
            raise ValueError("a confirmation is either 'dialog: true' or an overlay's 'button'")
        return self


class TransferMap(Step):
    again: ElementKey | None = None
    """After a receipt: the shorter way to a new form (its New-transfer link)."""
    verify: bool = True
    """Read every field back before submit, set again what the application changed since,
    and send nothing until the form holds exactly the line. Off only for a static form
    (each field is read back as it is set anyway)."""
    submit: str
    confirm: Confirm | None = None
    receipt: ElementKey
    refusal: ElementKey
    reused: ElementKey | None = None
    request: AppRequest | None = None
    """The app's request the submit sends, and how its answer reads: no page load is
    waited for, and from the moment it may be on its way a failure is in doubt."""
    draft: Draft | None = None
    """A draft saved before the submit (``Draft``); needs ``request``."""

    @model_validator(mode="after")
    def _app(self) -> TransferMap:
        if self.draft is not None and self.request is None:
            raise ValueError("a 'draft' is submitted by the app: give the submit's 'request'")
        if self.request is not None and self.confirm is not None and not self.confirm.dialog:
            raise ValueError("with 'request', a confirmation can only be a dialog")
        return self


class Inquiry(Step):
    search: str
    results: str
    rows: str
    columns: dict[str, str]
    """Transfer field (txn_no, posted_at, reference, credit_account, payee_name, amount,
    memo, debit_account) -> the key of its column header."""
    time_format: str | None = None
    """``strptime`` format of the time column; none: ISO 8601."""
    next: str | None = None
    posted: str | None = None
    """Only rows whose ``status`` column reads this are transfers made (a console that
    lists drafts, rejected or discarded payments beside them)."""
    drafts: Drafts | None = None
    """How our drafts show and are discarded (``Drafts``)."""

    @model_validator(mode="after")
    def _status(self) -> Inquiry:
        if (self.posted is not None or self.drafts is not None) and "status" not in self.columns:
            raise ValueError("'posted' and 'drafts' read a 'status' column: name it in columns")
        return self


class StatementFile(_Part):
    encoding: str = "utf-8-sig"
    header: str
    """The first header of the table: lines before it (a preamble) are skipped."""
    columns: dict[str, str]
    """Transfer field -> header text. ``amount``, or ``debit`` and ``credit`` for a
    statement with one column each way (the account's payments are its debits)."""
    time_format: str | None = None
    """``strptime`` format of ``posted_at``; none: ISO 8601."""
    debit_account: Literal["account"] | None = None
    """``account``: the statement names only the other party; the debit account is the
    statement's own account."""

    @model_validator(mode="after")
    def _amount(self) -> StatementFile:
        has_amount = "amount" in self.columns
        has_sides = "debit" in self.columns and "credit" in self.columns
        if has_amount == has_sides:
            raise ValueError("statement columns need 'amount', or 'debit' and 'credit'")
        return self


class StatementMap(Step):
    export: str
    error: str
    file: StatementFile


class PaymentsMap(_Part):
    zone: str = "local"
    """The console's time zone (IANA name) for its statement days and times; ``local``:
    the machine's."""
    expired: ElementKey
    """What shows that the session ended (the login form, wherever it appears)."""
    error: ElementKey
    """The console's system error page."""
    sign_in: SignIn
    transfer: TransferMap
    inquiry: Inquiry
    statement: StatementMap

    def keys(self) -> list[Key]:
        """Every element the payments name, as (screen, key)."""
        sign_in, transfer = self.sign_in, self.transfer
        inquiry, statement = self.inquiry, self.statement
        found: list[Key | None] = [self.expired, self.error, *sign_in.ready]
        found += [(sign_in.screen, k) for k in (sign_in.user, sign_in.password, sign_in.submit)]
        found.append((sign_in.screen, sign_in.refused))
        if sign_in.code is not None:
            code = sign_in.code
            found += [(code.screen, code.field), (code.screen, code.submit)]
        for step in (transfer, inquiry, statement):
            found.append(step.open)
            found += [(step.screen, k) for k in step.fields]
        found += [transfer.again, transfer.receipt, transfer.refusal, transfer.reused]
        if transfer.draft is not None:
            found.append((transfer.screen, transfer.draft.button))
        if inquiry.drafts is not None:
            found += [(inquiry.screen, k) for k in (inquiry.drafts.select, inquiry.drafts.discard)]
        found.append((transfer.screen, transfer.submit))
        if transfer.confirm is not None and transfer.confirm.button is not None:
            overlay = transfer.confirm.screen or transfer.screen
            found += [(overlay, k) for k in (*transfer.confirm.fields, transfer.confirm.button)]
        keys = (inquiry.search, inquiry.results, inquiry.rows, *inquiry.columns.values())
        found += [(inquiry.screen, k) for k in keys]
        if inquiry.next is not None:
            found.append((inquiry.screen, inquiry.next))
        found += [(statement.screen, k) for k in (statement.export, statement.error)]
        return [k for k in found if k is not None]


def payments_of(locators: LocatorRepository) -> PaymentsMap:
    """The ``payments:`` section of a console's map, validated; ConfigError names the field."""
    where = f"selectors/{locators.console}.yaml"
    raw = locators.sections.get("payments")
    if not raw:
        raise ConfigError(where, "no 'payments:' section: this console cannot be paid into")
    try:
        payments = PaymentsMap.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise ConfigError(where, f"field payments.{field}: {first['msg']}") from None
    for screen, name in payments.keys():
        if screen not in locators.screens or name not in locators.screens[screen].elements:
            raise ConfigError(where, f"payments name {screen}.{name}, which no screen has")
    return payments
