"""Find a Chromium, launch it light for bots (no pictures, no web fonts), keep evidence of failures."""

from __future__ import annotations

import glob
import os
import re
import sys
from pathlib import Path

from playwright.async_api import Browser, BrowserContext, Page, Playwright

from teller._errors import ConfigError
from teller._masking import mask_text

__all__ = ["LAUNCH_ARGS", "find_chromium", "launch", "new_context", "save_evidence"]

# Root on a closed network: no sandbox, and no background calls home that would be refused.
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    # A bot never looks at pictures or web fonts: Chromium does not even request them. A
    # request filter (context.route) would do the same, but pauses every request for a
    # round trip to Python, documents included.
    "--blink-settings=imagesEnabled=false",
    "--disable-remote-fonts",
]

_DEBIAN = ("/usr/bin/chromium-headless-shell", "/usr/bin/chromium")


def _playwright_own() -> list[str]:
    """Browsers installed by ``playwright install``, lighter headless shell first."""
    root = os.environ.get("PLAYWRIGHT_BROWSERS_PATH") or str(Path.home() / ".cache/ms-playwright")
    patterns = (
        "chromium_headless_shell-*/chrome-*/headless_shell",
        "chromium_headless_shell-*/chrome-*/chrome-headless-shell",
        "chromium-*/chrome-linux*/chrome",
    )
    found: list[str] = []
    for pattern in patterns:
        found += sorted(glob.glob(os.path.join(root, pattern)), reverse=True)
    return found


def find_chromium(configured: str | None = None) -> str:
    """Return a Chromium to drive: the configured one, Playwright's own, then Debian's."""
    if configured:
        if os.access(configured, os.X_OK):
            return configured
        raise ConfigError("settings", f"chromium path {configured!r} is not an executable file")
    tried = [*_playwright_own(), *_DEBIAN]
    for path in tried:
        if os.access(path, os.X_OK):
            return path
    raise ConfigError(
        "settings",
        "no Chromium found (tried Playwright's own browsers and "
        + ", ".join(_DEBIAN)
        + "); install Debian's 'chromium' or set TELLER_CHROMIUM",
    )


async def launch(
    playwright: Playwright, *, executable: str | None = None, headless: bool = True
) -> Browser:
    """Launch Chromium headless with the flags a root, offline robot machine needs."""
    return await playwright.chromium.launch(
        executable_path=find_chromium(executable), headless=headless, args=LAUNCH_ARGS
    )


async def new_context(
    browser: Browser, *, locale: str = "zh-CN", timezone_id: str | None = None
) -> BrowserContext:
    """A fresh, isolated context (one console session) that accepts downloads, in the
    console's locale and (if given) time zone (``[consoles.NAME] locale``, ``timezone``)."""
    return await browser.new_context(accept_downloads=True, locale=locale, timezone_id=timezone_id)


async def save_evidence(
    page: Page, folder: Path, stem: str, *, secrets: tuple[str, ...] = ()
) -> list[Path]:
    """Save a screenshot and the HTML of every frame; numbers and secrets are masked in HTML."""
    folder.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []
    shot = folder / f"{stem}.png"
    try:
        await page.screenshot(path=str(shot), full_page=True, timeout=5000)
        saved.append(shot)
    except Exception:  # a crashed page has no picture; the HTML may still come
        pass
    for index, frame in enumerate(page.frames):
        name = "top" if index == 0 else _frame_file_name(index, frame.name)
        try:
            html = await frame.content()
        except Exception:
            continue
        path = folder / f"{stem}.{name}.html"
        path.write_text(mask_text(html, secrets=secrets), encoding="utf-8")
        saved.append(path)
    return saved


def _frame_file_name(index: int, name: str) -> str:
    """A frame's part of a file name: the page chose its name, so mask it and keep it tame."""
    # a frame name may hold an account number, a path separator or anything else a page sets
    masked = mask_text(name).replace("*", "x")
    tame = re.sub(r"[^0-9A-Za-z_-]+", "_", masked).strip("_")[:40]
    return f"frame{index}-{tame}" if tame else f"frame{index}"


if __name__ == "__main__":
    # `python -m teller.browser --check`: exit 0 and print the path when a Chromium is found.
    try:
        print(find_chromium(os.environ.get("TELLER_CHROMIUM")))
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        sys.exit(1)
