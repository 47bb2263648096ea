"""Evidence of failed attempts: a screenshot and the HTML of every frame, and a Playwright trace.

Tracing runs in chunks, one per attempt, started after the console login; a chunk is
written only when its attempt fails. Every text file of a saved trace is scrubbed of
the given secrets (passwords, full account numbers), as are the saved HTML pages.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from playwright.async_api import BrowserContext

from teller import browser
from teller._masking import mask_account

__all__ = ["Tracer", "collect", "scrub_zip"]

_TEXT_SUFFIXES = (".trace", ".network", ".html", ".json", ".txt", ".css", ".js", ".xml", "")


class Tracer:
    """Playwright tracing of one browser context, one chunk per attempt."""

    def __init__(self, context: BrowserContext, *, enabled: bool = True) -> None:
        self.context = context
        self.enabled = enabled
        self._open = False

    async def start(self) -> None:
        """Start recording; call it after logging in, so no login is ever in a chunk."""
        if self.enabled:
            await self.context.tracing.start(screenshots=True, snapshots=True, sources=False)
            await self.context.tracing.stop_chunk()  # drop whatever start() caught

    async def begin(self) -> None:
        if self.enabled:
            await self.context.tracing.start_chunk()
            self._open = True

    async def drop(self) -> None:
        if self._open:
            self._open = False
            await self.context.tracing.stop_chunk()

    async def keep(self, path: Path) -> Path | None:
        if not self._open:
            return None
        self._open = False
        await self.context.tracing.stop_chunk(path=str(path))
        return path


def scrub_zip(path: Path, secrets: tuple[str, ...]) -> None:
    """Rewrite a zip with every secret replaced in its text entries (binary entries are kept)."""
    replacements = [(s, _masked(s)) for s in secrets if s]
    if not replacements:
        return
    scrubbed = path.with_suffix(".scrubbing")
    with (
        zipfile.ZipFile(path) as source,
        zipfile.ZipFile(scrubbed, "w", zipfile.ZIP_DEFLATED) as out,
    ):
        for entry in source.infolist():
            data = source.read(entry)
            if Path(entry.filename).suffix in _TEXT_SUFFIXES:
                try:
                    text = data.decode("utf-8")
                except UnicodeDecodeError:
                    pass
                else:
                    for secret, mask in replacements:
                        text = text.replace(secret, mask)
                    data = text.encode("utf-8")
            out.writestr(entry, data)
    scrubbed.replace(path)


def _masked(secret: str) -> str:
    return mask_account(secret) if secret.isdigit() else "******"


async def collect(
    context: BrowserContext, folder: Path, *, tracer: Tracer | None, secrets: tuple[str, ...]
) -> Path:
    """Save what every page of the context shows, and the attempt's trace, into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for index, page in enumerate(context.pages):
        try:
            await browser.save_evidence(page, folder, f"page{index}", secrets=secrets)
        except Exception:  # a crashed page has nothing to show; the trace may still tell
            pass
    if tracer is not None:
        try:
            trace = await tracer.keep(folder / "trace.zip")
        except Exception:
            trace = None
        if trace is not None and trace.exists():
            scrub_zip(trace, secrets)
    return folder
