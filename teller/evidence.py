"""Evidence of failed attempts: a screenshot and the HTML of every frame, and a Playwright trace.

Tracing runs in chunks, one per attempt, started after the console login; a chunk is
written only when its attempt fails. It records the actions, their timing and the network
(requests, responses, bodies), without DOM snapshots or screencast pictures: those cost
about 40% of all CPU per transfer (bench/README.md), and the screenshot and frames' HTML
saved at the failure show what the page held. Every text file of a saved trace is scrubbed of
the given secrets (passwords, full account numbers), as are the saved HTML pages.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from urllib.parse import quote_plus

from playwright.async_api import BrowserContext

from teller import browser
from teller._masking import mask_account

__all__ = ["Tracer", "collect", "scrub_zip"]

_PICTURES = frozenset({".png", ".jpeg", ".jpg", ".webp"})
# Other lines' account and ID numbers show on pages too (a receipt left from the line
# before): any run of 15-19 digits is masked. Shorter runs are left: a trace is full of
# 13-digit timestamps, and the item's own shorter numbers are among ``secrets``.
_LONG_NUMBER = re.compile(rb"(?<![0-9A-Za-z.])[0-9]{15,19}(?![0-9A-Za-z])")


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

    Bytes, not text: a trace's network bodies may be GBK or form-encoded, and the
    secrets worth scrubbing (digits, passwords) look the same in all of them.
    """
    replacements: list[tuple[bytes, bytes]] = []
    for secret in filter(None, secrets):
        mask = _masked(secret).encode()
        for form in {secret, quote_plus(secret)}:
            replacements.append((form.encode("utf-8"), mask))
    scrubbed = path.with_suffix(".scrubbing")
    with (
        zipfile.ZipFile(path) as source,
        zipfile.ZipFile(scrubbed, "w", zipfile.ZIP_DEFLATED) as out,
    ):
        for entry in source.infolist():
            data = source.read(entry)
            if Path(entry.filename).suffix.lower() not in _PICTURES:
                for plain, masked in replacements:
                    data = data.replace(plain, masked)
                data = _LONG_NUMBER.sub(lambda m: b"****" + m.group(0)[-4:], data)
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
