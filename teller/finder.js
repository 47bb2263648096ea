// Teller's quick finder: the strategies of a selector file, answered in the page's own
// JavaScript (teller/locators.py, LocatorRepository.run and find_now).
//
// Playwright answers a locator with its helper script, about 300 KB that it sends into
// every new document before the first question there: two new documents per transfer, a
// fifth of a transfer's CPU. This finder answers css, xpath, label and the roles button
// and link with the same results as Playwright's engines on plain pages. Whatever it
// cannot answer exactly (another kind or role, shadow DOM, ARIA attributes that change
// names or visibility, CSS generated content, nested markup in a name) it calls
// unsupported, and Teller asks Playwright instead.
//
// (strategies, act, arg) => {status: "found", index, result} | {status: "absent"}
//                           | {status: "unsupported"}
// `act(element, arg)` runs on the first element of the first strategy that matches.
(strategies, act, arg) => {
  const UNSUPPORTED = null;
  const all = [...document.querySelectorAll("*")];
  if (all.some((e) => e.shadowRoot)) return { status: "unsupported" };
  // ARIA that Playwright's label and role engines follow and this finder does not
  const ariaTricks = document.querySelector("[role], [aria-labelledby], [aria-hidden], [aria-owns]");

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
    if (s.role === "button" || s.role === "link") {
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

  for (let index = 0; index < strategies.length; index++) {
    const found = find(strategies[index]);
    if (found === UNSUPPORTED) return { status: "unsupported" };
    if (found.length) return { status: "found", index, result: act(found[0], arg) };
  }
  return { status: "absent" };
}
