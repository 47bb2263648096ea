"""Audit (auditor, admin): the trail, filtered and paged; its verification with the
anchors and the reports' heads, as ``teller audit verify`` does; the runs' reports, each
downloadable and its signed manifest checked, as ``teller report verify`` does.

Nothing here changes state. A download names a run, never a path: the file served is
the one the store recorded for that run (its report, or that report's manifest).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, Response

from teller._errors import ConfigError, RunNotFound
from teller._masking import mask_text
from teller.desk._core import Desk, Reader, Refused, desk_of
from teller.desk._i18n import ZONE
from teller.integrity import ChainHead, Manifest, manifest_path, public_key, read_anchors
from teller.integrity import read_manifest as read_signed
from teller.people import Person
from teller.store import Run

router = APIRouter()

READERS = ("auditor", "admin")
PAGE = 50  # records on one page of the trail
REPORTS = 100  # the latest runs whose reports are listed


def _reader(person: Person) -> None:
    person.require("read the audit trail", *READERS)


@dataclass(frozen=True)
class Report:
    """A run's report as the auditor sees it: its file, and what its manifest says."""

    run: Run
    name: str
    manifest: Manifest | None
    problem: str  # "" when the manifest holds: signed by the bank, every file unchanged


def _report_file(desk: Desk, run: Run) -> Path | None:
    if not run.report_path:
        return None
    path = Path(run.report_path)
    return path if path.is_absolute() else desk.settings.project / path


def _report(desk: Desk, run: Run, trusted: str) -> Report | None:
    path = _report_file(desk, run)
    if path is None:
        return None
    try:
        manifest = read_signed(path, trusted=trusted)
    except ConfigError as exc:
        return Report(run, path.name, None, str(exc))
    changed = [c.path.name for c in manifest.checks if not c.ok]
    if not manifest.signed:
        problem = f"signature: {manifest.problem}"
    elif changed:
        problem = f"changed since signed: {', '.join(changed)}"
    else:
        problem = ""
    return Report(run, path.name, manifest, problem)


def _day(given: str) -> tuple[datetime | None, datetime | None]:
    """The bank's day ``given`` (YYYY-MM-DD) as UTC bounds, naive as the store keeps time."""
    if not given:
        return None, None
    try:
        day = date.fromisoformat(given)
    except ValueError:
        raise Refused(f"day {given!r}: expected a date as YYYY-MM-DD", 400) from None
    start = datetime.combine(day, time(), ZONE)
    return _utc(start), _utc(start + timedelta(days=1))


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def _before(given: str) -> int | None:
    if not given:
        return None
    if not given.isdigit():
        raise Refused(f"before {given!r}: expected a record number", 400)
    return int(given)


Filter = Annotated[str, Query(max_length=200)]


@router.get("/audit")
def trail(
    request: Request,
    person: Reader,
    actor: Filter = "",
    what: Filter = "",
    run: Filter = "",
    day: Filter = "",
    before: Filter = "",
) -> Response:
    _reader(person)
    desk = desk_of(request)
    since, until = _day(day.strip())
    found = desk.store.audit_page(
        actor=actor.strip(),
        what=what.strip(),
        run_id=run.strip(),
        since=since,
        until=until,
        before=_before(before.strip()),
        limit=PAGE + 1,  # one more: whether an older page exists
    )
    records, older = found[:PAGE], len(found) > PAGE
    filters = {"actor": actor, "what": what, "run": run, "day": day}
    return desk.page(
        request,
        "audit.html",
        person,
        records=records,
        older=records[-1].seq if older and records else None,
        filters=filters,
        filtered={k: v for k, v in filters.items() if v},
        at=datetime.fromisoformat,
        mask=mask_text,
    )


@router.get("/audit/verify")
def verify(request: Request, person: Reader) -> Response:
    """The whole trail walked with the audit key, checked against every anchor of
    ``[audit] anchors`` and the head each signed report names."""
    _reader(person)
    desk = desk_of(request)
    key = desk.settings.key("audit")
    heads: list[tuple[str, ChainHead]] = []
    refused: list[str] = []
    anchors = desk.settings.anchor_file
    for anchor in read_anchors(anchors, key) if anchors is not None and anchors.exists() else []:
        if anchor.problem is not None or anchor.head is None:
            refused.append(f"{anchor.where}: {anchor.problem}")
        else:
            heads.append((f"anchor {anchor.where} ({anchor.at})", anchor.head))
    for report in _reports(desk):
        if report.problem or report.manifest is None:
            refused.append(f"{report.name}: {report.problem}")
        elif report.manifest.head is not None:
            heads.append((f"report {report.name}", report.manifest.head))
    verdict = desk.store.check_trail(heads)
    return desk.page(
        request,
        "audit_verify.html",
        person,
        verdict=verdict,
        refused=refused,
        anchors=anchors,
        anchored=anchors is not None and anchors.exists(),
    )


def _reports(desk: Desk) -> list[Report]:
    trusted = public_key(desk.settings.key("audit"))
    found = (_report(desk, run, trusted) for run in desk.store.runs(limit=REPORTS))
    return [r for r in found if r is not None]


@router.get("/audit/reports")
def reports(request: Request, person: Reader) -> Response:
    _reader(person)
    desk = desk_of(request)
    key = public_key(desk.settings.key("audit"))
    return desk.page(request, "audit_reports.html", person, reports=_reports(desk), key=key)


def _stored_file(request: Request, person: Person, run_id: str) -> Path:
    _reader(person)
    desk = desk_of(request)
    try:
        run = desk.store.run(run_id)
    except RunNotFound:
        raise Refused(f"no run {run_id!r}", 404) from None
    path = _report_file(desk, run)
    if path is None or not path.is_file():
        raise Refused(f"run {run_id} has no report on file", 404)
    return path


@router.get("/audit/reports/{run_id}/report")
def report_file(request: Request, person: Reader, run_id: str) -> Response:
    path = _stored_file(request, person, run_id)
    return FileResponse(path, filename=path.name)


@router.get("/audit/reports/{run_id}/manifest")
def manifest_file(request: Request, person: Reader, run_id: str) -> Response:
    path = manifest_path(_stored_file(request, person, run_id))
    if not path.is_file():
        raise Refused(f"run {run_id}'s report has no manifest", 404)
    return FileResponse(path, filename=path.name, media_type="text/plain; charset=utf-8")
