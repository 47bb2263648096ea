"""Evidence of failed attempts: a screenshot and the HTML of every frame, and a Playwright trace.

Tracing runs in chunks, one per attempt, started after the console login; a chunk is
written only when its attempt fails. It records the actions, their timing and the network
(requests, responses, bodies), without DOM snapshots or screencast pictures: those cost
about 40% of all CPU per transfer (bench/README.md), and the screenshot and frames' HTML
saved at the failure show what the page held. Every entry of a saved trace but pictures is
scrubbed of the given secrets (passwords, the item's account numbers) and of every long
number (other lines' accounts and ID numbers, 18-character IDs ending in X included, in
ASCII, fullwidth, GBK or URL-encoded form; ``teller._masking``), as are the saved HTML pages.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from playwright.async_api import BrowserContext

from teller import browser
from teller._masking import mask_bytes

__all__ = ["Tracer", "collect", "scrub_zip"]

_PICTURES = frozenset({".png", ".jpeg", ".jpg", ".webp"})


class Tracer:
    """Playwright tracing of one browser context, one chunk per attempt."""

    def __init__(self, context: BrowserContext, *, enabled: bool = True) -> None:
        self.context = context
        self.enabled = enabled
        self._open = False

    async def start(self) -> None:
        """Start recording; call it after logging in, so no login is ever in a chunk."""
        if self.enabled:
            # no snapshots, no screenshots: see the module's docstring
            await self.context.tracing.start(screenshots=False, snapshots=False, sources=False)
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
    """Rewrite a zip with every secret and long number masked in every entry but pictures.

    Bytes, not text: a trace's network bodies may be GBK or form-encoded, and
    :func:`teller._masking.mask_bytes` finds the numbers in all of them.
    """
    scrubbed = path.with_suffix(".scrubbing")
    with (
        zipfile.ZipFile(path) as source,
        zipfile.ZipFile(scrubbed, "w", zipfile.ZIP_DEFLATED) as out,
    ):
        for entry in source.infolist():
            data = source.read(entry)
            if Path(entry.filename).suffix.lower() not in _PICTURES:
                data = mask_bytes(data, secrets=secrets)
            out.writestr(entry, data)
    scrubbed.replace(path)


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
