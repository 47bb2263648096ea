"""A run of many items for the Run page's tests, made through the store's own calls:
items loaded, moved along the state machine (one left for review, with evidence of its
failed attempt as the runner keeps it), stages of a case, a report with a signed manifest.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from teller.integrity import write_manifest
from teller.settings import load_settings
from teller.store import NewItem, Store, open_store

ACCOUNT = "6222020200112233445"  # a full account number: never on a page


@dataclass(frozen=True)
class BigRun:
    run_id: str
    review: int  # the item left for review (needs_review), with evidence
    staged: int  # an item with the stages of its case
    evidence: str  # its evidence folder, relative to the run's evidence folder
    report: Path


def png() -> bytes:
    """A real one-pixel PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def new_items(count: int, *, prefix: str = "REF") -> list[NewItem]:
    return [
        NewItem(
            seq=n,
            key=f"{prefix}-{n:06d}",
            amount=Decimal(f"{n}.50"),
            payload={"account_no": ACCOUNT, "name": f"Payee {n}"},
            label=("张三" if n % 10 == 0 else f"Payee {n}"),
        )
        for n in range(1, count + 1)
    ]


def move_along(store: Store, item_id: int, *targets: str, **fields: object) -> None:
    for target in targets:
        store.move(item_id, target, actor="runner", reason=f"to {target}", **fields)


def big_run(project: Path, *, count: int = 120, finished: bool = True) -> BigRun:
    """``count`` items: 1 to 10 done, 11 left for review (with evidence), 12 failed_business,
    13 with the stages of an account-loss case; the rest new."""
    settings = load_settings(project)
    store = open_store(settings)
    try:
        run_id = store.create_run(
            flow="payroll",
            batch_id=f"big-{count}",
            input_file="big.xlsx",
            input_sha256="0" * 64,
            submitted_by="clerk",
            items=new_items(count),
            console="spapay",
        )
        ids = {i.seq: i.id for i in store.items(run_id)}
        for seq in range(1, 11):
            move_along(store, ids[seq], "auto_approved", "in_flight", "done")
        folder = settings.run_folder(run_id) / "evidence" / "00011-a1"
        folder.mkdir(parents=True)
        (folder / "page0.png").write_bytes(png())
        (folder / "page0.top.html").write_text("<p>console page, account ****3445</p>")
        with zipfile.ZipFile(folder / "trace.zip", "w") as trace:
            trace.writestr("trace.trace", "{}")
        # files beside the evidence folder, of kinds it serves: never served
        (settings.run_folder(run_id) / "outside.png").write_bytes(png() + b"not evidence")
        (project / "outside.html").write_text("not evidence")
        (folder / "link.html").symlink_to(project / "outside.html")
        move_along(store, ids[11], "auto_approved", "in_flight")
        store.move(ids[11], "in_doubt", actor="runner", reason="timeout", evidence=str(folder))
        store.move(ids[11], "needs_review", actor="runner", reason=f"inquiry failed {ACCOUNT}")
        move_along(store, ids[12], "auto_approved", "in_flight", "failed_business")
        for stage in ("reported", "identity_checked", "card_frozen"):
            store.stage(ids[13], stage, actor="intake", data={"ref": f"T-{stage}"})
        report = settings.run_folder(run_id) / "report.xlsx"
        report.write_bytes(b"a report")
        write_manifest(report, key=settings.key("audit"))
        store.update_run(
            run_id, status="finished" if finished else "running", report_path=str(report)
        )
    finally:
        store.close()
    return BigRun(run_id, ids[11], ids[13], "00011-a1", report)
