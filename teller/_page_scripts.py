"""The page-side scripts of PageObject's helpers (teller/pages.py), each ``(element, arg) => ...``.

They run after teller/act.js has checked the element; an Error whose ``check`` is set
names a check that failed after acting, and the action is tried again until its timeout.
"""

from __future__ import annotations

__all__ = [
    "CHECK",
    "CHECKED",
    "CLICK",
    "FIELD_TAG",
    "HEADER_INDEX",
    "IS_CHECKED",
    "KEPT",
    "OPTION_INDEX",
    "OPTION_THERE",
    "ROW_CELLS",
    "SELECT",
    "SELECTED",
    "SET_VALUE",
    "TEXT",
    "VISIBLE",
    "WANTED",
]

# Whether the field holds ``value`` once the page's own handlers have run (a select: the
# option chosen by its value or its label, as Playwright's select_option matches).
_HOLDS = """(field, value) => field.tagName === "SELECT"
    ? [...field.selectedOptions].some(o => o.value === value || o.label === value)
    : field.value === value"""

# ``input: simulate``: the value goes in as a person's paste would, with the events a page
# listens to; a field that would cut the value short (maxlength, a select without that
# option) is refused before anything is set. Read back after the page's handlers ran: a
# value the page took away (a form reset under a layer) is set again, or an error.
# A select without the option yet (a list filled late): waited for, then named.
_OPTION = """(field, value) => {
    const option = [...field.options].find(o => o.value === value)
        ?? [...field.options].find(o => o.label === value);
    if (!option) throw Object.assign(new Error("has the option"), {check: "has the option"});
    return option;
}"""

SET_VALUE = f"""async (field, value) => {{
    if (!["INPUT", "TEXTAREA", "SELECT"].includes(field.tagName))
        throw new Error(`not a form field: ${{field.tagName}}`);
    const holds = {_HOLDS};
    if (field.tagName === "SELECT") {{
        const option = ({_OPTION})(field, value);
        field.focus();
        field.value = option.value;
    }} else {{
        if (field.maxLength >= 0 && value.length > field.maxLength)
            throw new Error(`the field takes at most ${{field.maxLength}} characters`);
        field.focus();
        field.value = value;
        if (field.value !== value) throw new Error("the field did not take the value");
    }}
    field.dispatchEvent(new Event("input", {{bubbles: true}}));
    field.dispatchEvent(new Event("change", {{bubbles: true}}));
    await new Promise(done => setTimeout(done, 0));
    if (!holds(field, value)) throw Object.assign(new Error("value kept"), {{check: "value kept"}});
}}"""

# ``input: fill``, before Playwright's fill: the field's tag; a select must have the option.
FIELD_TAG = f"""(field, value) => {{
    if (field.tagName === "SELECT") ({_OPTION})(field, value);
    return field.tagName;
}}"""

# ``input: fill``: after Playwright's fill, whether the value stayed (handlers ran first).
KEPT = f"""async (field, value) => {{
    await new Promise(done => setTimeout(done, 0));
    return ({_HOLDS})(field, value);
}}"""

# ``_select``: the first option asked for, by its value exactly, or by its label as
# written or with white space folded (as Playwright's select_option matches a label); none
# yet: "has the option", a disabled one: "option enabled" (both waited out, then named).
_CHOSEN = """(option, want) => want.value !== undefined ? option.value === want.value
    : option.label === want.label || fold(option.label) === fold(want.label)"""
_FOLD = """text => text.replace(/[\\u200b\\u00ad]/g, "").trim().replace(/\\s+/g, " ")"""
OPTION_THERE = f"""(field, want) => {{
    if (field.tagName !== "SELECT") throw new Error(`not a select: ${{field.tagName}}`);
    const fold = {_FOLD};
    const option = [...field.options].find(o => ({_CHOSEN})(o, want));
    if (!option) throw Object.assign(new Error("has the option"), {{check: "has the option"}});
    if (option.disabled || option.parentElement?.closest("optgroup[disabled]"))
        throw Object.assign(new Error("option enabled"), {{check: "option enabled"}});
    return option;
}}"""
# ``_select`` in ``input: fill``: the index of that option, for Playwright's select_option.
OPTION_INDEX = f"""(field, want) => ({OPTION_THERE})(field, want).index"""
# ``_select``, after the choice: whether the option asked for is the one selected.
SELECTED = f"""async (field, want) => {{
    await new Promise(done => setTimeout(done, 0));
    const fold = {_FOLD};
    return [...field.selectedOptions].some(o => ({_CHOSEN})(o, want));
}}"""
# ``_select`` in ``input: simulate``: the option chosen in one call, with the events.
SELECT = f"""async (field, want) => {{
    const option = ({OPTION_THERE})(field, want);
    field.focus();
    for (const other of field.options) other.selected = other === option;
    field.dispatchEvent(new Event("input", {{bubbles: true}}));
    field.dispatchEvent(new Event("change", {{bubbles: true}}));
    if (!await ({SELECTED})(field, want))
        throw Object.assign(new Error("value kept"), {{check: "value kept"}});
}}"""

# ``_check``: a checkbox's or radio button's state, as Playwright's check() reads it (a
# <label> stands for its control; an ARIA checkbox by aria-checked).
CHECKED = """element => {
    const box = element.tagName === "LABEL" && element.control ? element.control : element;
    if (box.tagName === "INPUT" && ["checkbox", "radio"].includes(box.type))
        return {checked: box.checked, radio: box.type === "radio"};
    const role = box.getAttribute("role") ?? "";
    if (["checkbox", "radio", "switch", "menuitemcheckbox", "menuitemradio"].includes(role))
        return {checked: box.getAttribute("aria-checked") === "true", radio: role.endsWith("radio")};
    throw new Error("not a checkbox or radio button");
}"""
# ``_check`` in ``input: simulate``: the element's click() unless it is as asked already;
# read back after the page's handlers ran.
CHECK = f"""async (element, on) => {{
    if (({CHECKED})(element).checked === on) return;
    element.click();
    await new Promise(done => setTimeout(done, 0));
    if (({CHECKED})(element).checked !== on)
        throw Object.assign(new Error("value kept"), {{check: "value kept"}});
}}"""

# ``_check`` in ``input: fill``: after Playwright's set_checked, whether it is as asked.
IS_CHECKED = f"""async (element, on) => {{
    await new Promise(done => setTimeout(done, 0));
    return ({CHECKED})(element).checked === on;
}}"""

# ``input: simulate``: the element's own click(); whether it started a navigation of its
# own document (a link, a form), so the caller waits for the new document.
CLICK = """async element => {
    let navigating = false;
    const started = () => { navigating = true; };
    const history = window.navigation;
    if (history) history.addEventListener("navigate", started);
    try {
        if (typeof element.click === "function") element.click();
        else element.dispatchEvent(  // an SVG element has no click()
            new MouseEvent("click", {bubbles: true, cancelable: true, view: window}));
        await new Promise(done => setTimeout(done, 0));  // a form's submission is queued
    } finally {
        if (history) history.removeEventListener("navigate", started);
    }
    return navigating;
}"""

# What ``_read`` gives: a field's value, else the text as the DOM holds it (textContent,
# white space folded), never innerText, which CSS transforms (text-transform: uppercase).
TEXT = """element => ["INPUT", "TEXTAREA", "SELECT"].includes(element.tagName)
    ? element.value : (element.textContent ?? "").replace(/\\s+/g, " ").trim()"""

# Playwright's isVisible: a non-empty box, not visibility:hidden, not under display:none.
VISIBLE = """element => {
    const visible = e => {
        const style = getComputedStyle(e);
        if (style.display === "contents") return [...e.children].some(visible);
        if (!e.checkVisibility() || style.visibility !== "visible") return false;
        const box = e.getBoundingClientRect();
        return box.width > 0 && box.height > 0;
    };
    return visible(element);
}"""

# The cells of HTML table rows and of ARIA rows (role=row with cell, gridcell, columnheader
# or rowheader children) alike; with ``withIndex`` a header cell's [index, row's width].
_CELLS = """row => row.cells ? [...row.cells]
    : [...row.querySelectorAll("[role=cell], [role=gridcell], [role=columnheader], [role=rowheader]")]
        .filter(cell => cell.closest("[role=row]") === row)"""
ROW_CELLS = f"""rows => rows.map(row => ({_CELLS})(row).map(cell => cell.textContent.trim()))"""
HEADER_INDEX = f"""cell => {{
    const row = cell.closest("tr, [role=row]");
    if (!row) throw new Error("the header is in no table row");
    const cells = ({_CELLS})(row);
    return [cells.indexOf(cell), cells.length];
}}"""

# ``_wait_for``: whether what a locator matched (every element) is as wanted: a count, or
# one element with a text, value or attribute. Several where one is meant: {ambiguous: n}.
WANTED = """(found, want) => {
    if (want.count !== undefined) return found.length === want.count;
    if (found.length > 1) return {ambiguous: found.length};
    if (!found.length) return false;
    const e = found[0];
    const plain = t => (t ?? "").replace(/\\s+/g, " ").trim();
    if (want.text !== undefined && plain(e.textContent) !== plain(want.text))
        return false;
    if (want.value !== undefined && e.value !== want.value) return false;
    if (want.attribute !== undefined && e.getAttribute(want.attribute[0]) !== want.attribute[1])
        return false;
    return true;
}"""
