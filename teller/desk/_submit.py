"""Submit: an operator uploads an input workbook for a flow, sees every problem in it by
sheet, row and column, or else the gate's decisions line by line (a dry run), and submits.

The run is loaded and gated as ``teller run`` does (the operator is its maker) and queued
for the scheduler process (``teller.schedule.queue_run``): the Desk never opens a browser.
The upload is kept under ``var/desk/uploads/`` named by its SHA-256, never by the name it
came with; the Submit button carries a token binding that file, the flow and the session,
so what is submitted is what was checked.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from teller._errors import BatchAlreadyLoaded, InputError, RunNotFound, TellerError
from teller._masking import mask_account, mask_text
from teller.desk._core import Desk, Reader, Refused, changing, desk_of
from teller.desk._guard import same_token
from teller.flow import Batch, Flow, load_flow
from teller.people import Person
from teller.runs import gate_for, gate_lines, submit
from teller.schedule import queue_run
from teller.settings import Settings

router = APIRouter()

_UPLOAD = re.compile(r"[0-9a-f]{64}(\.[a-z0-9]{1,8})?")
_SUFFIX = re.compile(r"\.[a-z0-9]{1,8}")
_FORM_SLACK = 64 * 1024  # the multipart form's own bytes around the file
_ACTION = "submit work"


@dataclass(frozen=True)
class Line:
    """One line of the dry run, as an operator reads it: no full account number."""

    seq: int
    reference: str
    label: str
    account: str
    amount: Decimal | None
    outcome: str
    why: str
    suggestion: str


def file_flows(desk: Desk) -> list[str]:
    """The flows of this project that take an input file (not a console's queue)."""
    return [name for name, flow in desk.flows.items() if not flow.takes_intake]


def uploads(settings: Settings) -> Path:
    return settings.var / "desk" / "uploads"


def token_for(desk: Desk, person: Person, flow: str, upload: str) -> str:
    """The Submit button's token: this session may submit this file to this flow."""
    bound = f"desk-submit:{person.session}:{flow}:{upload}"
    return hmac.new(desk.key, bound.encode(), hashlib.sha256).hexdigest()


def _store_upload(settings: Settings, data: bytes, filename: str | None) -> str:
    """Keep an upload by its content hash (its name's suffix only, if plain); its name."""
    suffix = Path(filename or "").suffix.lower()
    name = hashlib.sha256(data).hexdigest() + (suffix if _SUFFIX.fullmatch(suffix) else "")
    folder = uploads(settings)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    if not target.exists():
        partial = folder / f".{name}.{os.getpid()}.part"
        partial.write_bytes(data)
        partial.chmod(0o600)
        os.replace(partial, target)
    return name


def _flow(desk: Desk, name: str) -> Flow:
    if name not in file_flows(desk):
        raise Refused("choose one of the flows that take an input file", 400)
    return load_flow(name, settings=desk.settings)


def _dry_run(desk: Desk, flow: Flow, batch: Batch) -> list[Line]:
    decisions = gate_for(desk.settings, desk.store, flow).decide(gate_lines(flow, batch))
    lines = []
    for item, gated, decision in zip(batch.items, gate_lines(flow, batch), decisions, strict=True):
        lines.append(
            Line(
                seq=item.seq,
                reference=mask_text(item.key),
                label=mask_text(item.label or ""),
                account=mask_account(gated.account) if gated.account else "",
                amount=item.amount,
                outcome=decision.outcome,
                why=mask_text("; ".join(r.detail for r in decision.rules)),
                suggestion=mask_text(decision.suggestion or ""),
            )
        )
    return lines


def _check(
    desk: Desk, person: Person, flow_name: str, data: bytes, filename: str | None
) -> dict[str, object]:
    flow = _flow(desk, flow_name)
    upload = _store_upload(desk.settings, data, filename)
    try:
        batch = flow.load(uploads(desk.settings) / upload)
    except InputError as bad:  # nothing to submit: the rejected file is not kept
        (uploads(desk.settings) / upload).unlink(missing_ok=True)
        return {"flow": flow_name, "problems": bad.problems}
    except TellerError as bad:
        raise Refused(mask_text(str(bad)), 400) from None
    lines = _dry_run(desk, flow, batch)
    return {
        "flow": flow_name,
        "upload": upload,
        "token": token_for(desk, person, flow_name, upload),
        "batch": batch,
        "lines": lines,
        "passing": sum(1 for line in lines if line.outcome == "auto_approved"),
        "total": sum((line.amount or Decimal(0) for line in lines), Decimal(0)),
    }


@router.get("/submit")
def submit_page(request: Request, person: Reader) -> Response:
    desk = desk_of(request)
    return _page(request, desk, person)


def _page(
    request: Request, desk: Desk, person: Person, status: int = 200, **more: object
) -> Response:
    cap = desk.settings.input.max_file_mb
    flows = file_flows(desk)
    can_submit = person.has("operator")
    return desk.page(
        request, "submit.html", person, status, flows=flows, can_submit=can_submit, cap=cap, **more
    )


@router.post("/submit/check")
async def check(request: Request, person: Reader) -> Response:
    """Validate an upload: its problems, or the gate's decisions; nothing is recorded."""
    desk = desk_of(request)
    person.require(_ACTION, "operator")
    cap = desk.settings.input.max_file_bytes
    length = request.headers.get("content-length", "")
    if not length.isdigit():
        raise Refused("the upload must say its length", 411)
    too_big = f"the workbook is larger than the {desk.settings.input.max_file_mb:g} MB allowed"
    if int(length) > cap + _FORM_SLACK:  # refused before a byte of it is read
        raise Refused(too_big, 413)
    async with request.form(max_files=1, max_fields=4) as form:
        changing(request, person, str(form.get("csrf") or ""))
        workbook = form.get("workbook")
        if not isinstance(workbook, UploadFile) or not workbook.filename:
            raise Refused("choose a workbook to upload", 400)
        data = await workbook.read(cap + 1)
        flow_name, filename = str(form.get("flow") or ""), workbook.filename
    if len(data) > cap:
        raise Refused(too_big, 413)
    found = await run_in_threadpool(_check, desk, person, flow_name, data, filename)
    status = 422 if "problems" in found else 200
    return _page(request, desk, person, status, **found)


@router.post("/submit/queue")
def queue(
    request: Request,
    person: Reader,
    flow: Annotated[str, Form()] = "",
    upload: Annotated[str, Form()] = "",
    token: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """Submit a checked upload: load and gate it as ``teller run`` does, and queue the run."""
    changing(request, person, csrf)
    person.require(_ACTION, "operator")
    desk = desk_of(request)
    if not _UPLOAD.fullmatch(upload) or not same_token(
        token, token_for(desk, person, flow, upload)
    ):
        raise Refused("this upload was not checked in this session: upload it again")
    path = uploads(desk.settings) / upload
    if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != upload[:64]:
        raise Refused("the checked upload is gone or changed: upload it again", 409)
    chosen = _flow(desk, flow)
    try:
        batch = chosen.load(path)
        run_id = submit(desk.settings, desk.store, chosen, batch, submitted_by=person.username)
    except BatchAlreadyLoaded as loaded:
        raise Refused(mask_text(str(loaded)), 409) from None
    except TellerError as bad:
        raise Refused(mask_text(str(bad)), 400) from None
    queue_run(desk.store, run_id, by=person)
    return RedirectResponse(f"/submit/runs/{run_id}", status_code=303)


@router.get("/submit/runs/{run_id}")
def progress(request: Request, person: Reader, run_id: str) -> Response:
    """A queued run's progress, as the store says (the page asks again until it ends)."""
    desk = desk_of(request)
    try:
        run = desk.store.run(run_id)
    except RunNotFound:
        raise Refused("no such run", 404) from None
    states: dict[str, int] = {}
    for item in desk.store.items(run_id):
        states[item.state] = states.get(item.state, 0) + 1
    going = run.status in ("loaded", "queued", "taken", "running")
    return desk.page(request, "submitted.html", person, run=run, states=states, going=going)
