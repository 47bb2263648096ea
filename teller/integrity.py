"""What proves the trail outside the database: signed manifests and anchors of the chain's head.

**Manifests.** A manifest sits beside its report as ``<report>.sha256`` in the format of
``sha256sum`` (one ``<hex>  <path>`` line per file), so ``sha256sum -c`` reads it as well
as ``teller report verify``. It lists the sources first (the input file, the statements
downloaded from the console) and the report last; paths inside the report's folder are
written relative to it, others in full. Comment lines (``#``, which ``sha256sum -c``
skips) carry the audit chain's head the report saw (``# audit-head SEQ MAC``) and, last,
an Ed25519 signature over every byte before it (``# ed25519 PUBLIC SIGNATURE``).

Why Ed25519 and not an HMAC: a report travels (to auditors, a regulator, an archive) and
is checked months later by people who must not be able to forge one. An HMAC is checked
with the key that makes it; an Ed25519 signature is checked with a public key that makes
nothing. The signing key is derived from the audit key (``keys.audit``), so there is no
second secret to keep; ``teller audit public-key`` prints the public half to hand out.

**Anchors.** ``teller audit anchor`` appends one JSON line per anchor to a file the bank
keeps elsewhere (or to syslog): the chain's head (seq, MAC), the time, and an HMAC over
them with a key derived from the audit key. ``teller audit verify --anchors FILE`` checks
that every head anchored is still in the chain, with the same MAC.

Every key here is derived from the audit key for one purpose (``derive``), so a MAC made
for one purpose can never be passed off as one made for another.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import syslog
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from teller._errors import ConfigError

__all__ = [
    "Anchor",
    "anchor",
    "ChainHead",
    "FileCheck",
    "Manifest",
    "anchor_line",
    "append_anchor",
    "check_manifest",
    "derive",
    "file_sha256",
    "manifest_path",
    "public_key",
    "read_anchors",
    "read_manifest",
    "write_manifest",
]

HEAD_TAG = "# audit-head "
SIGNATURE_TAG = "# ed25519 "
ANCHOR_VERSION = 1


def derive(key: bytes, purpose: str) -> bytes:
    """A key for one purpose only (``audit-chain``, ``audit-anchor``, ``manifest``)."""
    return hmac.new(key, f"teller/{purpose}/1".encode(), hashlib.sha256).digest()


@dataclass(frozen=True)
class ChainHead:
    """The audit chain's last record as someone saw it: its sequence number and MAC."""

    seq: int
    mac: str

    def __str__(self) -> str:
        return f"record {self.seq} (MAC {self.mac[:16]}…)"


# -- manifests --------------------------------------------------------------------------


@dataclass(frozen=True)
class FileCheck:
    """One file of a manifest: what it should hash to, what it does now."""

    path: Path
    expected: str
    found: str | None  # None: the file is gone

    @property
    def ok(self) -> bool:
        return self.found == self.expected

    def __str__(self) -> str:
        if self.found is None:
            return f"{self.path}: MISSING"
        return f"{self.path}: {'OK' if self.ok else 'CHANGED (SHA-256 differs)'}"


@dataclass(frozen=True)
class Manifest:
    """A manifest as read: its files checked, the head it names, whether its signature holds."""

    path: Path
    checks: list[FileCheck]
    head: ChainHead | None
    signer: str | None  # the public key (hex) the manifest says signed it; None: unsigned
    signed: bool  # the signature verifies with the public key it was checked against
    problem: str | None  # why the signature does not hold, in words

    @property
    def ok(self) -> bool:
        return self.signed and all(c.ok for c in self.checks)


def file_sha256(path: Path) -> str:
    """Return the hex SHA-256 of the file at ``path``."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def manifest_path(report: Path) -> Path:
    """The manifest of a report: ``<report>.sha256`` (a manifest is its own manifest path)."""
    return report if report.name.endswith(".sha256") else report.with_name(report.name + ".sha256")


def _signing_key(key: bytes) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(derive(key, "manifest"))


def public_key(key: bytes) -> str:
    """The public half (hex) of the manifest signing key derived from the audit key."""
    return _signing_key(key).public_key().public_bytes_raw().hex()


def write_manifest(
    report: Path,
    *,
    sources: Sequence[Path] = (),
    head: ChainHead | None = None,
    key: bytes | None = None,
) -> Path:
    """Write the manifest of ``report`` and ``sources`` atomically; return its path.

    ``head``: the audit chain's head the report saw. ``key``: the audit key; the manifest
    is then signed (Ed25519, the key derived from it).
    """
    target = manifest_path(report)
    lines = []
    if head is not None or key is not None:
        lines.append(
            "# teller manifest: sha256sum -c checks the files, teller report verify the rest\n"
        )
    if head is not None:
        lines.append(f"{HEAD_TAG}{head.seq} {head.mac}\n")
    lines += [f"{file_sha256(p)}  {_shown(p, target.parent)}\n" for p in (*sources, report)]
    body = "".join(lines)
    if key is not None:
        signer = _signing_key(key)
        signature = signer.sign(body.encode("utf-8")).hex()
        body += f"{SIGNATURE_TAG}{public_key(key)} {signature}\n"
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(body, encoding="utf-8")
    os.replace(tmp, target)
    return target


def check_manifest(report_or_manifest: Path) -> list[FileCheck]:
    """Hash every file the manifest lists again; ConfigError if there is no readable manifest."""
    return read_manifest(report_or_manifest).checks


def read_manifest(report_or_manifest: Path, *, trusted: str | None = None) -> Manifest:
    """Read a manifest, hash its files again and check its signature against ``trusted``.

    ``trusted`` is the public key (hex) the signature must verify with: the bank's own, from
    its audit key or handed to the auditor. Without one the signature is checked against the
    key the manifest names, which proves the file unchanged since signed but not by whom.
    """
    path = manifest_path(report_or_manifest)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(str(path), f"no manifest to check against ({exc.strerror})") from None
    checks: list[FileCheck] = []
    head: ChainHead | None = None
    signer = signature = None
    signed_part = ""
    offset = 0
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        content = line.rstrip("\n")
        if signature is not None:
            raise ConfigError(str(path), "a line after the signature", line=number)
        if content.startswith(SIGNATURE_TAG):
            parts = content.removeprefix(SIGNATURE_TAG).split()
            if len(parts) != 2:
                raise ConfigError(str(path), "not a signature line", line=number)
            signer, signature = parts
            signed_part = text[:offset]
        elif content.startswith(HEAD_TAG):
            head = _head(content.removeprefix(HEAD_TAG), path, number)
        elif not content.startswith("#"):
            checks.append(_file_check(content, path, number))
        offset += len(line)
    if signature is None or signer is None:
        return Manifest(path, checks, head, None, False, "not signed")
    problem = _signature_problem(signed_part, signer, signature, trusted)
    return Manifest(path, checks, head, signer, problem is None, problem)


def _head(text: str, path: Path, number: int) -> ChainHead:
    seq, _, mac = text.partition(" ")
    if not seq.isdigit() or len(mac) != 64:
        raise ConfigError(str(path), "not an audit-head line (# audit-head SEQ MAC)", line=number)
    return ChainHead(int(seq), mac)


def _file_check(line: str, path: Path, number: int) -> FileCheck:
    expected, sep, name = line.partition("  ")
    if not sep or len(expected) != 64:
        raise ConfigError(str(path), "not a sha256sum line", line=number)
    listed = Path(name)
    file = listed if listed.is_absolute() else path.parent / listed
    found = file_sha256(file) if file.is_file() else None
    return FileCheck(file, expected, found)


def _signature_problem(body: str, signer: str, signature: str, trusted: str | None) -> str | None:
    if trusted is not None and signer != trusted:
        return f"signed with another key ({signer[:16]}…) than the bank's ({trusted[:16]}…)"
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(signer)).verify(
            bytes.fromhex(signature), body.encode("utf-8")
        )
    except (ValueError, InvalidSignature):
        return "the signature does not verify: the manifest was changed after it was signed"
    return None


def _shown(path: Path, folder: Path) -> str:
    path = path.resolve()
    try:
        return str(path.relative_to(folder.resolve()))
    except ValueError:
        return str(path)


# -- anchors ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Anchor:
    """One line of an anchor file: the head it saw, and whether its MAC holds."""

    where: str  # file:line
    head: ChainHead | None  # None: the line is not an anchor at all
    at: str
    problem: str | None  # why the line cannot be trusted; None: its MAC verifies


def _anchor_mac(key: bytes, seq: int, mac: str, at: str) -> str:
    message = json.dumps(["teller-anchor", ANCHOR_VERSION, seq, mac, at], separators=(",", ":"))
    return hmac.new(derive(key, "audit-anchor"), message.encode(), hashlib.sha256).hexdigest()


def anchor_line(key: bytes, head: ChainHead, at: datetime | None = None) -> str:
    """The signed line that anchors ``head``: JSON, one line, no newline."""
    stamp = (at or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="microseconds")
    fields = {
        "anchor": ANCHOR_VERSION,
        "seq": head.seq,
        "mac": head.mac,
        "at": stamp,
        "sig": _anchor_mac(key, head.seq, head.mac, stamp),
    }
    return json.dumps(fields, separators=(",", ":"))


def append_anchor(path: Path, line: str) -> None:
    """Append ``line`` to the anchor file in one write, on disk before this returns.

    Teller only ever appends (``O_APPEND``); that nobody else rewrites the file is the
    bank's to ensure (``chattr +a``, a WORM share, a log host): README, "For auditors".
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(descriptor, (line + "\n").encode("utf-8"))
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def anchor(key: bytes, head: ChainHead, file: Path | None, to_syslog: bool = False) -> str:
    """Sign ``head`` and append the line to ``file`` and/or syslog (LOG_AUTH); return it."""
    line = anchor_line(key, head)
    if file is not None:
        append_anchor(file, line)
    if to_syslog:
        syslog.openlog("teller", syslog.LOG_PID, syslog.LOG_AUTH)
        syslog.syslog(syslog.LOG_NOTICE, f"audit anchor {line}")
    return line


def read_anchors(path: Path, key: bytes) -> list[Anchor]:
    """Every anchor line of ``path`` (a syslog extract too: text before the JSON is skipped)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(str(path), f"cannot read the anchor file ({exc.strerror})") from None
    anchors = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            anchors.append(_anchor(line, f"{path}:{number}", key))
    return anchors


def _anchor(line: str, where: str, key: bytes) -> Anchor:
    start = line.find("{")
    try:
        fields = json.loads(line[start:]) if start >= 0 else {}
        seq, mac, at, sig = fields["seq"], fields["mac"], fields["at"], fields["sig"]
        if not (isinstance(seq, int) and all(isinstance(v, str) for v in (mac, at, sig))):
            raise TypeError
    except (ValueError, TypeError, KeyError):
        return Anchor(where, None, "", "not an anchor line written by teller audit anchor")
    head = ChainHead(seq, mac)
    if not hmac.compare_digest(sig, _anchor_mac(key, seq, mac, at)):
        why = "its MAC does not verify: the line was changed, or not written with this audit key"
        return Anchor(where, head, at, why)
    return Anchor(where, head, at, None)
