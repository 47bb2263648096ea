"""What the Run page shows of a run's items, evidence and report: masked, and only files
inside the run's own folder."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from teller._masking import mask_text
from teller.desk._held import shown_account
from teller.integrity import manifest_path, public_key, read_manifest
from teller.store import Event, Item

__all__ = [
    "EVIDENCE_KINDS",
    "ItemLine",
    "Moment",
    "ReportCheck",
    "check_report",
    "evidence_files",
    "inside",
    "moments",
]

# the evidence files the Desk serves, and how: a picture shown, the rest downloaded
EVIDENCE_KINDS = {".png": "image/png", ".html": "text/html", ".zip": "application/zip"}


@dataclass(frozen=True)
class ItemLine:
    """One item as the Run page lists it: no full account or ID number anywhere."""

    id: int
    seq: int
    reference: str
    label: str
    account: str
    amount: Decimal | None
    state: str
    attempts: int
    receipt: str
    error: str

    @classmethod
    def of(cls, item: Item) -> ItemLine:
        return cls(
            id=item.id,
            seq=item.seq,
            reference=mask_text(item.key),
            label=mask_text(item.label or ""),
            account=shown_account(item),
            amount=item.amount,
            state=item.state,
            attempts=item.attempts,
            receipt=mask_text(item.receipt or ""),
            error=mask_text(item.error or ""),
        )


@dataclass(frozen=True)
class Moment:
    """One event of an item's timeline: a move between states, or a stage of its case."""

    at: object
    actor: str
    what: str
    stage: bool
    reason: str
    data: str


def moments(events: list[Event]) -> list[Moment]:
    return [
        Moment(
            at=e.at,
            actor=e.actor,
            what=e.target if e.kind == "stage" else f"{e.source or ''} → {e.target}",
            stage=e.kind == "stage",
            reason=mask_text(e.reason or ""),
            data=mask_text(", ".join(f"{k}: {v}" for k, v in sorted((e.data or {}).items()))),
        )
        for e in events
    ]


def inside(folder: Path, relative: str) -> Path | None:
    """The file ``relative`` names under ``folder``, if it is one and stays inside it
    (no ``..``, no absolute path, no link out); None otherwise."""
    if not relative or relative.startswith(("/", "\\")) or "\\" in relative or "\x00" in relative:
        return None
    base = folder.resolve()
    try:
        target = (base / relative).resolve()
    except (OSError, RuntimeError):
        return None
    if not target.is_relative_to(base) or not target.is_file():
        return None
    return target


def evidence_files(run_folder: Path, item: Item) -> list[str]:
    """The item's evidence files (screenshots, frames' HTML, trace), relative to the
    run's evidence folder: only those the runner kept inside it."""
    if not item.evidence:
        return []
    base = (run_folder / "evidence").resolve()
    folder = Path(item.evidence).resolve()
    if not folder.is_relative_to(base) or not folder.is_dir():
        return []
    named = (str(f.relative_to(base)) for f in folder.iterdir())
    return sorted(  # only what the evidence route serves: no link out of the folder
        n for n in named if Path(n).suffix.lower() in EVIDENCE_KINDS and inside(base, n)
    )


@dataclass(frozen=True)
class ReportCheck:
    """A run's report against its signed manifest: verified, or the reasons not."""

    report: str
    manifest: str
    verified: bool
    reasons: tuple[str, ...]


def check_report(report_path: str, audit_key: bytes) -> ReportCheck:
    """What ``teller report verify`` says of the report, with the project's public key."""
    report = Path(report_path)
    manifest = manifest_path(report)
    if not report.is_file():
        return ReportCheck(report.name, manifest.name, False, ("the report file is missing",))
    if not manifest.is_file():
        return ReportCheck(report.name, manifest.name, False, ("the report has no manifest",))
    read = read_manifest(report, trusted=public_key(audit_key))
    reasons = [str(c) for c in read.checks if not c.ok]
    if not read.signed:
        reasons.append(f"manifest signature: {read.problem}")
    return ReportCheck(report.name, manifest.name, read.ok, tuple(map(mask_text, reasons)))
