"""Runs: the recent runs, and one run's summary, its items by state (filtered, searched,
a page at a time from the store), each item's timeline and evidence, the report with its
manifest check, live counts (server-sent events), and settling an item left for review
as ``teller items settle`` does (``teller.settle``: approver, a reason, not the maker)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import FileResponse, RedirectResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from teller import settle
from teller._errors import (
    ApprovalRefused,
    ConfigError,
    ItemNotFound,
    NotSignedIn,
    RunNotFound,
    TransitionRefused,
)
from teller.desk._core import Reader, Refused, changing, desk_of
from teller.desk._guard import OS_USER, SESSION_COOKIE
from teller.desk._run_view import (
    EVIDENCE_KINDS,
    ItemLine,
    ReportCheck,
    check_report,
    evidence_files,
    inside,
    moments,
)
from teller.integrity import manifest_path
from teller.store import TRANSITIONS, Item, Run

router = APIRouter()

PAGE = 50  # items on a page
RUNS_PAGE = 30  # runs on a page
LIVE_EVERY = 1.5  # seconds between two counts sent to an open run page
STATES = sorted({*TRANSITIONS, *(t for ts in TRANSITIONS.values() for t in ts)})


def _run(request: Request, run_id: str) -> Run:
    try:
        return desk_of(request).store.run(run_id)
    except RunNotFound:
        raise Refused(f"no run {run_id}", 404) from None


def _item(request: Request, run_id: str, item_id: int) -> Item:
    try:
        item = desk_of(request).store.item(item_id)
    except ItemNotFound:
        item = None
    if item is None or item.run_id != run_id:
        raise Refused(f"run {run_id} has no item {item_id}", 404)
    return item


def _report_check(request: Request, report_path: str) -> ReportCheck:
    try:
        key = desk_of(request).settings.key("audit")
    except ConfigError as missing:  # the page still opens, saying why it cannot tell
        name = Path(report_path).name
        return ReportCheck(name, manifest_path(Path(name)).name, False, (str(missing),))
    return check_report(report_path, key)


@router.get("/runs")
def runs(request: Request, person: Reader, page: Annotated[int, Query(ge=1)] = 1) -> Response:
    desk = desk_of(request)
    shown = desk.store.runs(limit=RUNS_PAGE + 1, offset=(page - 1) * RUNS_PAGE)
    more, shown = len(shown) > RUNS_PAGE, shown[:RUNS_PAGE]
    counts = desk.store.count_states([r.id for r in shown])
    return desk.page(request, "runs.html", person, runs=shown, counts=counts, page=page, more=more)


@router.get("/runs/{run_id}")
def run_page(
    request: Request,
    person: Reader,
    run_id: str,
    state: str = "",
    q: Annotated[str, Query(max_length=80)] = "",
    page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    desk = desk_of(request)
    run = _run(request, run_id)
    if state and state not in STATES:
        raise Refused(f"state: one of {', '.join(STATES)}, not {state!r}", 400)
    counts = desk.store.count_states([run_id]).get(run_id, {})
    text = q.strip()
    known = None if text else counts.get(state, 0) if state else sum(counts.values())
    items, matching = desk.store.item_page(
        run_id,
        states=[state] if state else None,
        text=text,
        limit=PAGE,
        offset=(page - 1) * PAGE,
        matching=known,  # the counts by state say it already, unless searched
    )
    report = _report_check(request, run.report_path) if run.report_path else None
    return desk.page(
        request,
        "run.html",
        person,
        run=run,
        counts=counts,
        live=run.status != "finished",
        states=STATES,
        state=state,
        q=q,
        page=page,
        pages=max(1, -(-matching // PAGE)),
        matching=matching,
        lines=[ItemLine.of(i) for i in items],
        report=report,
    )


@router.get("/runs/{run_id}/items/{item_id}")
def item_page(request: Request, person: Reader, run_id: str, item_id: int) -> Response:
    desk = desk_of(request)
    run = _run(request, run_id)
    item = _item(request, run_id, item_id)
    return desk.page(
        request,
        "run_item.html",
        person,
        run=run,
        line=ItemLine.of(item),
        timeline=moments(desk.store.events(run_id, item_id=item_id)),
        evidence=evidence_files(desk.settings.run_folder(run_id), item),
        can_settle=item.state == "needs_review" and person.has("approver"),
    )


@router.post("/runs/{run_id}/items/{item_id}/settle")
def settle_item(
    request: Request,
    person: Reader,
    run_id: str,
    item_id: int,
    outcome: Annotated[str, Form()] = "",
    receipt: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    changing(request, person, csrf)
    person.require("settle items", "approver")
    desk = desk_of(request)
    _item(request, run_id, item_id)
    try:
        if outcome == "paid":
            settle.settle_paid(desk.store, item_id, receipt=receipt, by=person, reason=reason)
        elif outcome == "not_paid":
            settle.settle_not_paid(desk.store, item_id, by=person, reason=reason)
        else:
            raise Refused("outcome: paid or not_paid", 400)
    except (ApprovalRefused, TransitionRefused) as refused:
        raise Refused(str(refused), 409) from None
    return RedirectResponse(f"/runs/{run_id}/items/{item_id}", status_code=303)


@router.get("/runs/{run_id}/evidence/{relative:path}")
def evidence(request: Request, _person: Reader, run_id: str, relative: str) -> Response:
    """A file of the run's evidence folder, and nothing outside it: a screenshot shown,
    frames' HTML and traces as downloads (never rendered as the Desk's own page)."""
    desk = desk_of(request)
    _run(request, run_id)
    found = inside(desk.settings.run_folder(run_id) / "evidence", relative)
    if found is None or found.suffix.lower() not in EVIDENCE_KINDS:
        raise Refused("no such evidence file of this run", 404)
    if found.suffix.lower() == ".png":
        return FileResponse(found, media_type="image/png")
    return FileResponse(
        found,
        media_type="application/octet-stream",
        filename=found.name,
        content_disposition_type="attachment",
    )


@router.get("/runs/{run_id}/report")
def report(request: Request, _person: Reader, run_id: str, manifest: bool = False) -> Response:
    """The run's report (or its signed manifest) as the store names it, to download."""
    run = _run(request, run_id)
    if not run.report_path:
        raise Refused(f"run {run_id} has no report yet", 404)
    path = Path(run.report_path)
    path = manifest_path(path) if manifest else path
    if not path.is_file():
        raise Refused(f"the file {path.name} is missing", 404)
    return FileResponse(path, filename=path.name, content_disposition_type="attachment")


@router.get("/runs/{run_id}/live")
async def live(request: Request, _person: Reader, run_id: str) -> Response:
    """The run's counts by state, as server-sent events, every LIVE_EVERY seconds until
    the run is finished, the session ends or the page goes."""
    desk = desk_of(request)
    await run_in_threadpool(_run, request, run_id)
    token = request.cookies.get(SESSION_COOKIE, "")
    lang = desk.language(request)
    fragment = desk.templates.get_template("run_counts.html")

    def counts() -> tuple[str, bool]:
        desk.people.person(token, os_user=OS_USER)  # NotSignedIn once the session ended
        finished = desk.store.run(run_id).status == "finished"
        counted = desk.store.count_states([run_id]).get(run_id, {})
        html = fragment.render(_=lang.gettext, counts=counted, run_id=run_id)
        return " ".join(html.split()), finished

    async def stream() -> AsyncIterator[str]:
        while not await request.is_disconnected():
            try:
                html, finished = await run_in_threadpool(counts)
            except NotSignedIn:
                yield "event: finished\ndata: session ended\n\n"
                return
            yield f"event: counts\ndata: {html}\n\n"
            if finished:
                yield f"event: finished\ndata: {json.dumps(run_id)}\n\n"
                return
            await asyncio.sleep(LIVE_EVERY)

    # X-Accel-Buffering: a reverse proxy (nginx, README) passes each event on at once
    headers = {"X-Accel-Buffering": "no"}
    return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)
