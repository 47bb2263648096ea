"""Saved traces are scrubbed of secrets in every entry, whatever its encoding."""

from __future__ import annotations

import zipfile
from pathlib import Path

from teller.evidence import scrub_zip


def test_scrub_zip_replaces_secrets_in_text_and_binary_bodies(tmp_path: Path) -> None:
    path = tmp_path / "trace.zip"
    png = b"\x89PNG\r\n6222021234567890123"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("trace.trace", '{"value": "6222021234567890123"}')
        archive.writestr("resources/a.dat", "賬號 6222021234567890123 pw s3cret!".encode("gbk"))
        archive.writestr("resources/b.dat", b"password=s3cret%21&x=1")
        archive.writestr("resources/shot.png", png)
        archive.writestr("other.trace", '{"wallTime": 1764367200123.5, "v": "6222029999888877776"}')
    scrub_zip(path, ("6222021234567890123", "s3cret!"))
    with zipfile.ZipFile(path) as archive:
        assert archive.read("trace.trace") == b'{"value": "****0123"}'
        assert archive.read("resources/a.dat").decode("gbk") == "賬號 ****0123 pw ******"
        assert archive.read("resources/b.dat") == b"password=******&x=1"
        assert archive.read("resources/shot.png") == png  # pictures are left whole
        # another line's account is masked too; timestamps are not
        assert archive.read("other.trace") == b'{"wallTime": 1764367200123.5, "v": "****7776"}'
