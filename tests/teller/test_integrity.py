"""Signed manifests and anchor lines: what proves a report and the trail's head outside the store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from teller._errors import ConfigError
from teller.integrity import (
    ChainHead,
    anchor_line,
    file_sha256,
    public_key,
    read_anchors,
    read_manifest,
    write_manifest,
)

KEY = b"integrity-test-audit-key-0123456789"
HEAD = ChainHead(1042, "9f" * 32)


def _report(tmp_path: Path) -> tuple[Path, Path]:
    report, source = tmp_path / "r.xlsx", tmp_path / "in.xlsx"
    report.write_bytes(b"a workbook")
    source.write_bytes(b"input")
    write_manifest(report, sources=[source], head=HEAD, key=KEY)
    return report, report.with_name("r.xlsx.sha256")


def test_a_signed_manifest_names_the_head_and_verifies_with_the_banks_key(tmp_path: Path) -> None:
    report, manifest = _report(tmp_path)
    lines = manifest.read_text().splitlines()
    assert lines[1] == f"# audit-head 1042 {'9f' * 32}"
    assert lines[-1].startswith(f"# ed25519 {public_key(KEY)} ")
    read = read_manifest(report, trusted=public_key(KEY))
    assert (
        read.ok
        and read.head == HEAD
        and [c.path.name for c in read.checks]
        == [
            "in.xlsx",
            "r.xlsx",
        ]
    )
    assert public_key(KEY) != public_key(b"another-audit-key-0123456789")


def test_any_signed_line_changed_breaks_the_signature(tmp_path: Path) -> None:
    report, manifest = _report(tmp_path)
    text = manifest.read_text()
    # the head moved back to an earlier record, as a cut tail would need it
    manifest.write_text(text.replace("# audit-head 1042", "# audit-head 1041"))
    read = read_manifest(report, trusted=public_key(KEY))
    assert not read.signed and not read.ok
    assert read.problem is not None and "changed after it was signed" in read.problem
    # a file's hash rewritten to match a changed report
    report.write_bytes(b"another workbook")
    lines = text.splitlines(keepends=True)
    lines[-2] = f"{file_sha256(report)}  r.xlsx\n"
    manifest.write_text("".join(lines))
    assert not read_manifest(report, trusted=public_key(KEY)).signed


def test_a_manifest_signed_with_another_key_or_unsigned_is_not_trusted(tmp_path: Path) -> None:
    report, manifest = _report(tmp_path)
    write_manifest(report, head=HEAD, key=b"someone-elses-key-0123456789")
    other = read_manifest(report, trusted=public_key(KEY))
    assert not other.ok and "signed with another key" in str(other.problem)
    write_manifest(report, head=HEAD)
    unsigned = read_manifest(report, trusted=public_key(KEY))
    assert not unsigned.ok and unsigned.problem == "not signed"
    write_manifest(report, key=KEY)
    manifest.write_text(manifest.read_text() + "# audit-head 9 " + "ab" * 32 + "\n")
    with pytest.raises(ConfigError, match=r"r.xlsx.sha256:4: a line after the signature"):
        read_manifest(report)


def test_an_anchor_line_is_one_signed_json_line(tmp_path: Path) -> None:
    line = anchor_line(KEY, HEAD)
    fields = json.loads(line)
    assert "\n" not in line and (fields["seq"], fields["mac"]) == (1042, "9f" * 32)
    anchors = tmp_path / "a.log"
    # a syslog extract: the host's prefix before the JSON is skipped
    anchors.write_text(f"Dec  7 12:00:01 host teller[42]: audit anchor {line}\n\n")
    (read,) = read_anchors(anchors, KEY)
    assert read.problem is None and read.head == HEAD and read.where == f"{anchors}:1"
    (wrong_key,) = read_anchors(anchors, b"another-audit-key-0123456789")
    assert wrong_key.problem is not None and "MAC does not verify" in wrong_key.problem
