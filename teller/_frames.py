"""Where a screen's elements live: the page, or a frame named by name, URL or iframe element.

A selector file's ``frame:`` is a frame name (as before), one mapping ``{name: ...}``,
``{url: ...}`` (a glob over the frame's whole URL: ``*`` any run of characters) or
``{selector: ...}`` (CSS of the ``<iframe>``/``<frame>`` element: anonymous and ``srcdoc``
frames too), or a list of these for frames inside frames, outermost first.
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
from typing import Any

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Frame, Page
from pydantic import BaseModel, ConfigDict, model_validator

__all__ = ["FrameRef", "SeveralFrames", "frame_event", "frame_refs", "reach", "resolve"]


class SeveralFrames(Exception):
    """A frame step matched several frames: as ambiguous as a locator that matches two."""

    def __init__(self, ref: FrameRef, count: int) -> None:
        self.count = count
        super().__init__(f"{ref.describe()}: {count} frames")


class FrameRef(BaseModel):
    """One step to a frame; exactly one of name, url, selector, none of them empty."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = None
    url: str | None = None
    selector: str | None = None

    @model_validator(mode="after")
    def _one_way(self) -> FrameRef:
        given = [k for k in ("name", "url", "selector") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"a frame needs exactly one of name, url, selector; got {given}")
        if not str(getattr(self, given[0])).strip():
            raise ValueError(f"a frame's {given[0]} may not be empty")
        return self

    def describe(self) -> str:
        kind = next(k for k in ("name", "url", "selector") if getattr(self, k) is not None)
        return f"{kind}={getattr(self, kind)!r}"


FrameSpec = str | FrameRef | list[str | FrameRef] | None


def frame_refs(spec: Any) -> list[FrameRef]:
    """The steps to a frame from a selector file's ``frame:`` value (validated)."""
    if spec is None:
        return []
    steps = spec if isinstance(spec, list) else [spec]
    if not steps:
        raise ValueError("a frame list may not be empty")
    return [FrameRef(name=s) if isinstance(s, str) else FrameRef.model_validate(s) for s in steps]


async def resolve(page: Page, refs: list[FrameRef]) -> Frame | None:
    """The frame the steps lead to now, or None while one of them is not there (yet)."""
    frame, _ = await reach(page, refs)
    return frame


async def reach(page: Page, refs: list[FrameRef]) -> tuple[Frame | None, int]:
    """(the frame the steps lead to, or None; how many steps were found), in order: a step
    is looked for only inside the frame the one before it found, never on the top page."""
    frame = page.main_frame
    for depth, ref in enumerate(refs):
        child = await _step(page, frame, ref, top=depth == 0)
        if child is None or child.is_detached():
            return None, depth
        frame = child
    return frame, len(refs)


async def frame_event(page: Page, seconds: float) -> None:
    """Return when the page next attaches or navigates a frame, or after ``seconds``: a
    frame that is not there yet is waited for, not polled."""
    changed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def on_frame(_: Frame) -> None:
        if not changed.done():
            changed.set_result(None)

    page.on("frameattached", on_frame)
    page.on("framenavigated", on_frame)
    try:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(changed, seconds)
    finally:
        page.remove_listener("frameattached", on_frame)
        page.remove_listener("framenavigated", on_frame)


async def _step(page: Page, frame: Frame, ref: FrameRef, *, top: bool) -> Frame | None:
    if ref.name is not None:
        # A lone name is looked for at any depth, as before frames could be nested.
        frames = page.frames if top else frame.child_frames
        return next((f for f in frames if f.name == ref.name and f is not page.main_frame), None)
    if ref.url is not None:
        pattern = ref.url
        matched = [f for f in frame.child_frames if fnmatch.fnmatchcase(f.url, pattern)]
        if len(matched) > 1:
            raise SeveralFrames(ref, len(matched))
        return matched[0] if matched else None
    assert ref.selector is not None
    try:
        handles = await frame.query_selector_all(ref.selector)
        if not handles:
            return None  # not yet
        if len(handles) > 1:
            raise SeveralFrames(ref, len(handles))
        return await handles[0].content_frame()
    except PlaywrightError:  # the frame navigated while being asked
        return None
