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

  // The anchors beside and below, by the rules of teller/_anchors.py (its docstring says
  // them), which builds the XPath Playwright answers them with.
  const MAX_COLUMN = 40; // _anchors.MAX_COLUMN
  const HTML = "http://www.w3.org/1999/xhtml";
  const isA = (e, ...names) => e.namespaceURI === HTML && names.includes(e.localName);
  const asciiLower = (text) => text.replace(/[A-Z]/g, (c) => c.toLowerCase());
  const NOT_FIELDS = ["hidden", "button", "submit", "reset", "image"];
  const isField = (e) =>
    isA(e, "select", "textarea") ||
    (isA(e, "input") && !NOT_FIELDS.includes(asciiLower(e.getAttribute("type") ?? "")));
  const fieldsIn = (e) => [...e.querySelectorAll("select, textarea, input")].filter(isField);
  const INERT = ["script", "style", "noscript", "title", "select", "textarea", "option", "optgroup", "datalist"];
  const LINE = ["label", "span", "b", "strong", "i", "em", "u", "font", "small", "big", "nobr", "p", "div"];
  const above = (node) => {
    const found = [];
    for (let e = node.parentElement; e; e = e.parentElement) found.push(e);
    return found;
  };
  const inBody = (node) => above(node).some((e) => isA(e, "body"));
  const inert = (node) => above(node).some((e) => isA(e, ...INERT));
  // wanted: normalized already (and ASCII letters made small unless exact)
  const anchorText = (text, wanted, exact) => {
    const n = normalize(text);
    if (exact) return ["", ":", "：", " :", " ："].some((colon) => n === wanted + colon);
    return asciiLower(n).includes(wanted);
  };
  const anchors = (names, wanted, exact) =>
    all.filter(
      (e) => isA(e, ...names) && anchorText(e.textContent, wanted, exact) && inBody(e) && !fieldsIn(e).length
    );
  const fieldsOrItself = (cell) => {
    const fields = fieldsIn(cell);
    return fields.length ? fields : [cell];
  };
  const laterSiblings = (e) => {
    const found = [];
    for (let n = e.nextElementSibling; n; n = n.nextElementSibling) found.push(n);
    return found;
  };
  // colspan as XPath's number() reads it: UNSUPPORTED where the two could read it apart
  const span = (cell) => {
    const value = cell.getAttribute("colspan");
    if (value === null) return 1;
    return /^[ \t\n\r]*[0-9]+[ \t\n\r]*$/.test(value) ? parseInt(value.trim(), 10) : UNSUPPORTED;
  };
  const column = (cell) => {
    let at = 0;
    for (let e = cell.previousElementSibling; e; e = e.previousElementSibling) {
      if (!isA(e, "td", "th")) continue;
      const width = span(e);
      if (width === UNSUPPORTED) return UNSUPPORTED;
      at += width;
    }
    return at;
  };
  // The next row of the same table: the next <tr> in document order (not inside this one)
  // when a later row of this section, or a later section with rows, says there is one.
  const nextRow = (row) => {
    const section = row.parentElement;
    const more =
      laterSiblings(row).some((e) => isA(e, "tr")) ||
      (section !== null &&
        isA(section, "thead", "tbody", "tfoot") &&
        laterSiblings(section).some((e) => isA(e, "thead", "tbody", "tfoot") && [...e.children].some((r) => isA(r, "tr"))));
    if (!more) return null;
    let start = null;
    for (let n = row; n && !start; n = n.parentNode) start = n.nextSibling;
    const walker = document.createTreeWalker(document, NodeFilter.SHOW_ELEMENT);
    walker.currentNode = start;
    for (let n = start.nodeType === Node.ELEMENT_NODE ? start : walker.nextNode(); n; n = walker.nextNode())
      if (isA(n, "tr")) return n;
    return null;
  };
  // Text in a line: a text node, or a line element holding no field, whose text matches.
  const lineAnchors = (wanted, exact) => {
    const found = [];
    const walker = document.createTreeWalker(document, NodeFilter.SHOW_TEXT);
    for (let t = walker.nextNode(); t; t = walker.nextNode())
      if (anchorText(t.nodeValue, wanted, exact) && inBody(t) && !inert(t)) found.push(t);
    for (const e of anchors(LINE, wanted, exact)) if (!inert(e)) found.push(e);
    return found;
  };
  // The first field after the anchor, if it is inside the anchor's parent.
  const fieldAfter = (anchor) => {
    for (let n = anchor.nextSibling; n; n = n.nextSibling) {
      if (n.nodeType !== Node.ELEMENT_NODE) continue;
      if (isField(n)) return n;
      const inside = fieldsIn(n);
      if (inside.length) return inside[0];
    }
    return null;
  };
  const anchored = (s) => {
    const text = normalize(s.beside ?? s.below);
    const wanted = s.exact ? text : asciiLower(text);
    const found = new Set();
    const add = (elements) => elements.forEach((e) => found.add(e));
    for (const cell of anchors(["td", "th"], wanted, s.exact)) {
      if (s.beside !== undefined) {
        const next = cell.nextElementSibling;
        if (next && isA(next, "td", "th")) add(fieldsOrItself(next));
        continue;
      }
      const row = cell.parentElement;
      if (!row || !isA(row, "tr")) continue;
      const at = column(cell);
      if (at === UNSUPPORTED || at >= MAX_COLUMN) return UNSUPPORTED;
      const next = nextRow(row);
      for (const other of next ? next.children : []) {
        if (!isA(other, "td", "th")) continue;
        const there = column(other);
        if (there === UNSUPPORTED) return UNSUPPORTED;
        if (there === at) add(fieldsOrItself(other));
      }
    }
    for (const term of anchors(["dt"], wanted, s.exact)) {
      const next = term.nextElementSibling;
      if (next && isA(next, "dd")) add(fieldsOrItself(next));
    }
    for (const anchor of lineAnchors(wanted, s.exact)) {
      const field = fieldAfter(anchor);
      if (field) found.add(field);
    }
    return all.filter((e) => found.has(e));
  };

  const find = (s) => {
    if (s.beside !== undefined || s.below !== undefined) return anchored(s);
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

  // Playwright's filter({visible: true}): a box of some size, not hidden by style; an
  // element with display: contents is visible by its text nodes too, which this does not
  // measure.
  const visible = (e) => {
    const style = getComputedStyle(e);
    if (!e.checkVisibility() || style.visibility !== "visible") return false;
    const box = e.getBoundingClientRect();
    return box.width > 0 && box.height > 0;
  };
  const shown = (found, wanted) => {
    if (!wanted || found === UNSUPPORTED) return found;
    if (found.some((e) => getComputedStyle(e).display === "contents")) return UNSUPPORTED;
    return found.filter(visible);
  };

  for (let index = 0; index < strategies.length; index++) {
    const found = shown(find(strategies[index]), strategies[index].visible);
    if (found === UNSUPPORTED) return { status: "unsupported" };
    const picked = pick(found, strategies[index].nth);
    if (picked.length) return { status: "found", index, found: picked };
  }
  return { status: "absent" };
}
