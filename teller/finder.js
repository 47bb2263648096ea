// Teller's quick finder: the strategies of a selector file, answered in the page's own
// JavaScript (teller/locators.py). It only finds; teller/act.js checks and acts.
//
// Playwright answers a locator with its helper script, about 300 KB that it sends into
// every new document before the first question there: two new documents per transfer, a
// fifth of a transfer's CPU. This finder answers css, xpath, label and the roles button
// and link with the same elements as Playwright's engines on plain pages. Whatever it
// cannot answer exactly (another kind or role, shadow DOM, SVG, file and image inputs,
// labelled buttons, ARIA attributes that change names or visibility, CSS generated
// content, nested markup in a name) it calls unsupported, and Teller asks Playwright.
//
// strategies => {status: "found", index, found: [elements]} | {status: "absent"}
//             | {status: "unsupported"}
// `found` holds every element the first matching strategy matches (its `nth` applied),
// so the caller can refuse an ambiguous one as Playwright's strict mode does.
(strategies) => {
  const UNSUPPORTED = null;
  const all = [...document.querySelectorAll("*")];
  if (all.some((e) => e.shadowRoot)) return { status: "unsupported" };
  // ARIA that Playwright's label and role engines follow and this finder does not
  const ariaTricks = document.querySelector("[role], [aria-labelledby], [aria-hidden], [aria-owns]");
  // elements whose role or name Playwright computes by rules this finder does not follow
  const roleTricks = document.querySelector(
    "svg, math, summary, details, input[type=file], input[type=image], [contenteditable]"
  );

  const normalize = (text) => (text || "").replace(/[\u200b\u00ad]/g, "").trim().replace(/\s+/g, " ");
  const skipped = (e) =>
    ["SCRIPT", "NOSCRIPT", "STYLE"].includes(e.nodeName) || (document.head && document.head.contains(e));

  // Playwright's elementText: the text nodes below, a button-like input's value
  const elementText = (root) => {
    if (skipped(root)) return "";
    if (root instanceof HTMLInputElement && ["submit", "button", "reset"].includes(root.type)) return root.value;
    let text = "";
    for (let child = root.firstChild; child; child = child.nextSibling) {
      if (child.nodeType === Node.TEXT_NODE) text += child.nodeValue || "";
      else if (child.nodeType === Node.ELEMENT_NODE) text += elementText(child);
    }
    return text;
  };

  // Playwright's getElementLabels, without aria-labelledby (unsupported above)
  const labelsOf = (e) => {
    const ariaLabel = e.getAttribute("aria-label");
    if (ariaLabel !== null && ariaLabel.trim()) return [ariaLabel];
    const input = e.nodeName === "INPUT" && e.type !== "hidden";
    if (input || ["BUTTON", "METER", "OUTPUT", "PROGRESS", "SELECT", "TEXTAREA"].includes(e.nodeName))
      return [...(e.labels || [])].map(elementText);
    return [];
  };

  const roleOf = (e) => {
    if (e.nodeName === "BUTTON") return "button";
    if (e.nodeName === "INPUT" && ["button", "image", "reset", "submit"].includes(e.type)) return "button";
    if ((e.nodeName === "A" || e.nodeName === "AREA") && e.hasAttribute("href")) return "link";
    return "";
  };

  const hidden = (e) => !e.checkVisibility() || getComputedStyle(e).visibility !== "visible";
  const generated = (e) =>
    ["::before", "::after"].some((p) => !["none", "normal"].includes(getComputedStyle(e, p).content));

  // The accessible name of a button or link on a plain page; UNSUPPORTED where
  // Playwright's computation could differ (images, nested markup, generated content).
  const nameOf = (e) => {
    const ariaLabel = e.getAttribute("aria-label");
    if (ariaLabel !== null && ariaLabel.trim()) return ariaLabel;
    if (e.nodeName === "INPUT") {
      if (e.type === "image") return UNSUPPORTED;
      if (e.value.trim()) return e.value;
      if (e.type === "submit") return "Submit";
      if (e.type === "reset") return "Reset";
      return e.getAttribute("title") || "";
    }
    if (e.labels && e.labels.length) return UNSUPPORTED; // <label for> names a button
    if (e.children.length || generated(e)) return UNSUPPORTED;
    return normalize(e.textContent) || e.getAttribute("title") || "";
  };

  const textMatches = (text, wanted, exact) =>
    exact ? normalize(text) === normalize(wanted) : normalize(text).toLowerCase().includes(normalize(wanted).toLowerCase());
  const nameMatches = (name, wanted, exact) =>
    exact ? normalize(name) === normalize(wanted) : normalize(name).toUpperCase().includes(normalize(wanted).toUpperCase());

  const find = (s) => {
    if (s.css !== undefined) {
      try {
        return [...document.querySelectorAll(s.css)];
      } catch {
        return UNSUPPORTED; // Playwright's own CSS (:has-text, :visible, >>)
      }
    }
    if (s.xpath !== undefined) {
      try {
        const found = document.evaluate(s.xpath, document, null, XPathResult.ORDERED_NODE_SNAPSHOT_TYPE, null);
        const elements = [];
        for (let i = 0; i < found.snapshotLength; i++) {
          const node = found.snapshotItem(i);
          if (node.nodeType === Node.ELEMENT_NODE) elements.push(node);
        }
        return elements;
      } catch {
        return UNSUPPORTED;
      }
    }
    if (ariaTricks) return UNSUPPORTED;
    if (s.label !== undefined)
      return all.filter((e) => labelsOf(e).some((text) => textMatches(text, s.label, s.exact)));
    if ((s.role === "button" || s.role === "link") && !roleTricks) {
      const found = [];
      for (const e of all) {
        if (roleOf(e) !== s.role) continue;
        if (getComputedStyle(e).display === "contents") return UNSUPPORTED;
        if (hidden(e)) continue;
        if (s.name === undefined) {
          found.push(e);
          continue;
        }
        const name = nameOf(e);
        if (name === UNSUPPORTED) return UNSUPPORTED;
        if (nameMatches(name, s.name, s.exact)) found.push(e);
      }
      return found;
    }
    return UNSUPPORTED; // text, placeholder, test_id and other roles: Playwright's engines
  };

  // A position asked for explicitly (Playwright's nth; -1 is the last).
  const pick = (found, nth) => {
    if (nth === undefined) return found;
    const at = nth < 0 ? found.length + nth : nth;
    return at >= 0 && at < found.length ? [found[at]] : [];
  };

  for (let index = 0; index < strategies.length; index++) {
    const found = find(strategies[index]);
    if (found === UNSUPPORTED) return { status: "unsupported" };
    const picked = pick(found, strategies[index].nth);
    if (picked.length) return { status: "found", index, found: picked };
  }
  return { status: "absent" };
}
