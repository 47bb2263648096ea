// Teller's actionability checks and the act itself, in the same page call as the finder
// (teller/locators.py). What Playwright checks before it acts, checked here:
//
//   attached        the element is still in its document
//   visible         a non-empty box, not visibility:hidden, not under display:none
//                   (opacity 0 counts as visible, as in Playwright)
//   enabled         not :disabled (a disabled fieldset included), not aria-disabled
//   editable        enabled, a form field or contenteditable, not read-only
//   stable          the same box in two animation frames in a row (not moving)
//   receives events the element (or a descendant, or its <label>) is what a pointer at
//                   its click point hits: not covered by another layer. The click point
//                   is Playwright's: the centre of the element's first client rect with
//                   an area (a link wrapped over two lines is clicked on its first line;
//                   the centre of its whole box may be beside both)
//
// (found, checks, act, arg) => {status: "found", result} | {status: "absent"}
//   | {status: "ambiguous", count} | {status: "not_ready", check}
// `found` is every element the locator matched: several is ambiguous, as in Playwright's
// strict mode. A check that fails answers `not_ready` with its name, and the caller
// waits it out. `act(element, arg)` may be async; it may throw an Error whose `check`
// names a check that failed after acting (a value the page took away: "value kept"),
// which is answered as `not_ready` too.
async (found, checks, act, arg) => {
  if (!found.length) return { status: "absent" };
  if (found.length > 1) return { status: "ambiguous", count: found.length };
  const element = found[0];

  const visible = (e) => {
    const style = getComputedStyle(e);
    if (style.display === "contents") return [...e.children].some(visible);
    if (!e.checkVisibility() || style.visibility !== "visible") return false;
    const box = e.getBoundingClientRect();
    return box.width > 0 && box.height > 0;
  };
  const enabled = (e) => !e.matches(":disabled") && !e.closest('[aria-disabled="true"]');
  const editable = (e) =>
    enabled(e) &&
    (["INPUT", "TEXTAREA", "SELECT"].includes(e.tagName) || e.isContentEditable) &&
    !e.readOnly &&
    !e.closest('[aria-readonly="true"]');
  // A frame not rendered has no animation frames: after 250 ms it counts as moving.
  const nextFrame = () =>
    new Promise((done) => {
      requestAnimationFrame(() => done(true));
      setTimeout(() => done(false), 250);
    });
  const same = (a, b) => a.x === b.x && a.y === b.y && a.width === b.width && a.height === b.height;
  // where a pointer would press it: the centre of its first rect with an area
  const point = (e) => {
    const rect = [...e.getClientRects()].find((r) => r.width > 0.99 && r.height > 0.99)
      || e.getBoundingClientRect();
    return { x: rect.left + rect.width / 2, y: rect.top + rect.height / 2 };
  };
  // the point the hit test asks about is in the window (an edge in view is not enough:
  // elementFromPoint answers nothing outside the window)
  const inView = (e) => {
    const { x, y } = point(e);
    return x >= 0 && y >= 0 && x < innerWidth && y < innerHeight;
  };
  const hits = (e) => {
    const { x, y } = point(e);
    const root = e.getRootNode();
    const at = (root.elementFromPoint ? root : document).elementFromPoint(x, y);
    if (!at) return false;
    if (at === e || e.contains(at)) return true;
    const label = at.closest("label");
    return label !== null && label.control === e;
  };

  if (!element.isConnected) return { status: "not_ready", check: "attached" };
  if (checks.includes("visible") && !visible(element)) return { status: "not_ready", check: "visible" };
  if (checks.includes("enabled") && !enabled(element)) return { status: "not_ready", check: "enabled" };
  if (checks.includes("editable") && !editable(element)) return { status: "not_ready", check: "editable" };
  const pointer = checks.includes("stable") || checks.includes("receives events");
  if (pointer && !inView(element))
    element.scrollIntoView({ block: "center", inline: "center", behavior: "instant" });
  if (checks.includes("stable")) {
    // both boxes read in animation frames, as Playwright does: a transition just started
    // has not moved the box before the next frame
    if (!(await nextFrame())) return { status: "not_ready", check: "stable" };
    const before = element.getBoundingClientRect();
    const drawn = await nextFrame();
    if (!element.isConnected) return { status: "not_ready", check: "attached" };
    if (!drawn || !same(before, element.getBoundingClientRect()))
      return { status: "not_ready", check: "stable" };
  }
  if (checks.includes("receives events") && !hits(element))
    return { status: "not_ready", check: "receives events" };
  try {
    return { status: "found", result: await act(element, arg) };
  } catch (error) {
    if (error && typeof error.check === "string") return { status: "not_ready", check: error.check };
    throw error;
  }
}
