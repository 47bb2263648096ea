// PayHub, the spapay sandbox console: one page, every screen drawn here from JSON.
//
// Routes (History API, never a reload): /app/login, /app (home), /app/new (a payment),
// /app/payments (inquiry), /app/statement. Traits a robot must survive, on purpose:
// defaults that arrive late and overwrite what was typed, an amount field redrawn as a
// new element, a hidden copy of the memo field and of the Submit button, a payment made
// in two steps (Save draft, then Submit), answers shown in the page and in the JSON.
"use strict";
(() => {
  const root = document.getElementById("root");
  const FIELDS = [
    ["debit_account", "Pay from account"],
    ["credit_account", "Payee account"],
    ["payee_name", "Payee name"],
    ["amount", "Amount"],
    ["reference", "Reference"],
    ["memo", "Memo"],
  ];
  const STATUS = { draft: "Draft", posted: "Posted", rejected: "Rejected", discarded: "Discarded" };
  let csrf = null;
  let user = null;
  let formSerial = 0; // each payment form opened; late answers for an older one are dropped

  const esc = (text) =>
    String(text ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const uid = () => "f" + Math.random().toString(36).slice(2, 9);
  const grouped = (amount) => {
    const [whole, cents] = String(amount).split(".");
    return whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",") + (cents !== undefined ? "." + cents : "");
  };

  // -- talking to the server -------------------------------------------------------------

  async function api(method, url, body) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (method !== "GET" && csrf) headers["X-CSRF-Token"] = csrf;
    let response;
    try {
      response = await fetch(url, {
        method,
        headers,
        credentials: "same-origin",
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      toast("Network error: the server did not answer", "error");
      return { status: 0, data: { error: "network", message: "Network error: no answer" } };
    }
    let data = {};
    try {
      data = await response.json();
    } catch (error) {
      data = {};
    }
    if (response.status === 401 && url !== "/api/login") {
      showLogin(data.message || "Session expired, please sign in again");
    }
    return { status: response.status, data };
  }

  // -- routing ------------------------------------------------------------------------

  function go(path) {
    history.pushState(null, "", path);
    render(path);
  }

  function render(path) {
    if (path === "/login" || path.startsWith("/app/login")) return showLogin("");
    shell();
    if (path.startsWith("/app/new")) return openForm();
    if (path.startsWith("/app/payments")) return openPayments();
    if (path.startsWith("/app/statement")) return openStatement();
    view().innerHTML = `<h2>Welcome, ${esc(user)}</h2><p>Choose a task above.</p>`;
  }

  window.addEventListener("popstate", () => render(location.pathname));

  function view() {
    return document.getElementById("view");
  }

  function shell() {
    if (document.getElementById("view")) return;
    root.innerHTML = `
      <header class="topbar">
        <span class="brand">PayHub</span>
        <nav class="menu">
          <button type="button" data-route="/app/new">New payment</button>
          <button type="button" data-route="/app/payments">Payments</button>
          <button type="button" data-route="/app/statement">Statement</button>
          <button type="button" data-route="/app/login" class="sign-out">Sign out</button>
        </nav>
        <span class="user">${esc(user)}</span>
      </header>
      <section id="view"></section>
      <div id="toasts" aria-live="polite"></div>`;
    for (const button of root.querySelectorAll("nav button")) {
      button.addEventListener("click", () => {
        if (button.classList.contains("sign-out")) api("POST", "/api/logout", {});
        go(button.dataset.route);
      });
    }
  }

  function fatal(status) {
    view().innerHTML = `<div id="app-error" class="fatal">System error (HTTP ${status}): contact IT support</div>`;
  }

  function toast(text, kind = "ok") {
    const box = document.getElementById("toasts");
    if (!box) return;
    const note = document.createElement("div");
    note.className = `toast ${kind}`;
    note.textContent = text;
    box.append(note);
    setTimeout(() => note.remove(), 4000);
  }

  // -- sign-in ------------------------------------------------------------------------

  function showLogin(message) {
    csrf = null;
    formSerial += 1; // whatever form was open is gone
    if (!location.pathname.startsWith("/app/login") && location.pathname !== "/login") {
      history.replaceState(null, "", "/app/login");
    }
    root.innerHTML = `
      <main id="login-view" class="login">
        <h1>PayHub</h1>
        <form id="login-form" autocomplete="off" novalidate>
          <label for="login-user">User name</label>
          <input id="login-user" name="username">
          <label for="login-password">Password</label>
          <input id="login-password" name="password" type="password">
          <button type="submit">Sign in</button>
          ${message ? `<p id="login-message" class="banner error">${esc(message)}</p>` : ""}
        </form>
      </main>`;
    const form = document.getElementById("login-form");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const body = { username: form.username.value, password: form.password.value };
      const { status, data } = await api("POST", "/api/login", body);
      if (status !== 200) return showLogin(data.message || `Sign-in failed (HTTP ${status})`);
      csrf = data.csrf;
      user = data.user;
      root.innerHTML = "";
      go("/app");
    });
  }

  // -- a payment: Save draft, then Submit ----------------------------------------------

  const field = (form, name) => form.querySelector(`input[name="${name}"]:not([hidden])`);

  function openForm() {
    const serial = ++formSerial;
    const inputs = FIELDS.map(([name, label]) => {
      const id = uid();
      return `<div class="field"><label for="${id}">${label}</label><input id="${id}" name="${name}" autocomplete="off"></div>`;
    }).join("");
    view().innerHTML = `
      <h2>New payment</h2>
      <form id="payment-form" class="payment-form" novalidate>
        ${inputs}
        <input name="memo" aria-label="Memo" hidden>
        <div class="actions">
          <button type="button" class="save-draft">Save draft</button>
          <button type="button" class="submit" disabled>Submit</button>
          <button type="button" class="submit" hidden>Submit</button>
        </div>
        <div id="form-message"></div>
      </form>`;
    const form = document.getElementById("payment-form");
    let draft = null;
    loadDefaults(serial, "");
    let payee = "";
    let timer = null;
    field(form, "credit_account").addEventListener("input", (event) => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        const typed = event.target.value.trim();
        if (typed.length >= 8 && typed !== payee) {
          payee = typed;
          loadDefaults(serial, typed);
        }
      }, 150);
    });
    const save = form.querySelector("button.save-draft");
    const submit = form.querySelector(".actions button.submit:not([hidden])");
    save.addEventListener("click", async () => {
      message("");
      save.disabled = true;
      const body = Object.fromEntries(FIELDS.map(([name]) => [name, field(form, name).value]));
      const { status, data } = await api("POST", "/api/drafts", body);
      if (status !== 201) {
        save.disabled = false;
        return message(data.message || `Not saved (HTTP ${status})`, data.error, "error");
      }
      draft = data;
      form.dataset.locked = "1";
      for (const input of form.querySelectorAll("input")) input.readOnly = true;
      submit.disabled = false;
      message(
        `Draft <strong id="draft-no">${esc(data.draft_no)}</strong> saved for reference ` +
          `${esc(data.reference)}. Submit it to pay.`,
        "draft",
        "draft"
      );
    });
    submit.addEventListener("click", async () => {
      submit.disabled = true;
      const { status, data } = await api("POST", `/api/drafts/${draft.id}/submit`, {});
      if (status !== 200) {
        if (status >= 500 || status === 0) submit.disabled = false;
        return message(data.message || `Not posted (HTTP ${status})`, data.error, "error");
      }
      message(
        `Payment posted. Transaction no <output id="txn-no">${esc(data.txn_no)}</output>`,
        "posted",
        "result"
      );
      toast(`Payment posted: ${data.txn_no}`);
    });
  }

  function message(html, code = "", kind = "error") {
    const box = document.getElementById("form-message");
    if (!box) return;
    box.innerHTML = html
      ? `<div id="form-${kind}" class="banner ${kind}" data-code="${esc(code)}">${
          kind === "error" ? esc(html) : html
        }</div>`
      : "";
  }

  // The form's defaults answer late; some overwrite what was typed, some redraw the amount.
  async function loadDefaults(serial, payee) {
    const url = "/api/defaults" + (payee ? `?payee=${encodeURIComponent(payee)}` : "");
    const { status, data } = await api("GET", url);
    const form = document.getElementById("payment-form");
    if (status !== 200 || serial !== formSerial || !form || form.dataset.locked) return;
    for (const name of ["memo", "amount"]) {
      const old = field(form, name);
      const take = data.overwrite || !old.value;
      if ((data.redraw || []).includes(name)) {
        const fresh = document.createElement("input");
        fresh.id = uid();
        fresh.name = name;
        fresh.autocomplete = "off";
        fresh.value = take ? data[name] : old.value;
        form.querySelector(`label[for="${old.id}"]`).htmlFor = fresh.id;
        old.replaceWith(fresh);
      } else if (take) {
        old.value = data[name];
      }
    }
  }

  // -- inquiry: search by reference, a grid of payments, drafts discarded in bulk -------

  function openPayments() {
    const [ref, state] = [uid(), uid()];
    const options = [["", "All"], ...Object.entries(STATUS)]
      .map(([value, label]) => `<option value="${value}">${label}</option>`)
      .join("");
    view().innerHTML = `
      <h2>Payments</h2>
      <form id="search-form" class="search" novalidate>
        <label for="${ref}">Reference</label><input id="${ref}" name="reference" autocomplete="off">
        <label for="${state}">Status</label><select id="${state}" name="status">${options}</select>
        <button type="submit">Search</button>
      </form>
      <div id="results-area"></div>`;
    const form = document.getElementById("search-form");
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      search(form, 1);
    });
  }

  async function search(form, page) {
    const query = new URLSearchParams({
      reference: form.reference.value.trim(),
      status: form.status.value,
      page: String(page),
    });
    const { status, data } = await api("GET", `/api/payments?${query}`);
    if (status === 401 || status === 0) return;
    if (status !== 200) return fatal(status);
    const columns = [
      ["txn_no", "Txn no"],
      ["posted_at", "Posted at"],
      ["reference", "Reference"],
      ["debit_account", "Pay from"],
      ["credit_account", "Payee account"],
      ["payee_name", "Payee"],
      ["amount", "Amount"],
      ["memo", "Memo"],
      ["status", "Status"],
    ];
    const head = columns
      .map(([key, label]) => `<div role="columnheader" data-col="${key}">${label}</div>`)
      .join("");
    const cell = (row, key) => {
      if (key === "status") return STATUS[row.status] || row.status;
      if (key === "amount") return grouped(row.amount);
      if (key === "posted_at") return (row.posted_at || "").replace("T", " ");
      return row[key] ?? "";
    };
    const rows = data.rows
      .map((row) => {
        const tick =
          row.status === "draft"
            ? `<input type="checkbox" class="pick" data-id="${row.id}" aria-label="Select draft ${esc(row.draft_no)}">`
            : "";
        const cells = columns
          .map(([key]) => `<div role="gridcell" data-col="${key}">${esc(cell(row, key))}</div>`)
          .join("");
        return `<div role="row" class="row data" data-id="${row.id}"><div role="gridcell">${tick}</div>${cells}</div>`;
      })
      .join("");
    const empty = data.rows.length
      ? ""
      : `<div role="row" class="row empty"><div role="gridcell">No payments found</div></div>`;
    const next = data.page < data.pages ? `<button type="button" class="next-page">Next</button>` : "";
    document.getElementById("results-area").innerHTML = `
      <div id="payments-grid" class="grid" role="grid">
        <div role="row" class="row head">
          <div role="columnheader" data-col="pick"><input type="checkbox" class="pick-all" aria-label="Select all drafts"></div>
          ${head}
        </div>
        ${rows}${empty}
      </div>
      <div class="grid-actions">
        <span class="page-info">Page ${data.page} of ${data.pages} · ${data.total} payments</span>
        ${next}
        <button type="button" class="discard" disabled>Discard selected drafts</button>
      </div>`;
    const area = document.getElementById("results-area");
    const picks = [...area.querySelectorAll("input.pick")];
    const discard = area.querySelector("button.discard");
    const update = () => {
      discard.disabled = !picks.some((p) => p.checked);
    };
    area.querySelector("input.pick-all").addEventListener("change", (event) => {
      for (const pick of picks) pick.checked = event.target.checked;
      update();
    });
    for (const pick of picks) pick.addEventListener("change", update);
    if (next) area.querySelector("button.next-page").addEventListener("click", () => search(form, page + 1));
    discard.addEventListener("click", async () => {
      const ids = picks.filter((p) => p.checked).map((p) => Number(p.dataset.id));
      discard.disabled = true;
      const { status: answered, data: result } = await api("POST", "/api/drafts/discard", { ids });
      if (answered !== 200) return toast(result.message || `Not discarded (HTTP ${answered})`, "error");
      toast(`${result.discarded} draft(s) discarded`);
      search(form, page);
    });
  }

  // -- statement: one account, one day, as CSV -----------------------------------------

  function openStatement() {
    const [account, day] = [uid(), uid()];
    view().innerHTML = `
      <h2>Statement</h2>
      <form id="statement-form" novalidate>
        <label for="${account}">Account</label><input id="${account}" name="account" autocomplete="off">
        <label for="${day}">Date (YYYY-MM-DD)</label><input id="${day}" name="day" autocomplete="off">
        <button type="submit">Download CSV</button>
      </form>
      <div id="statement-message"></div>`;
    const form = document.getElementById("statement-form");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      document.getElementById("statement-message").innerHTML = "";
      const query = new URLSearchParams({ account: form.account.value.trim(), day: form.day.value.trim() });
      let response;
      try {
        response = await fetch(`/api/statement.csv?${query}`, { credentials: "same-origin" });
      } catch (error) {
        return toast("Network error: the server did not answer", "error");
      }
      if (response.status === 401) return showLogin("Session expired, please sign in again");
      if (!response.ok) {
        let data = {};
        try {
          data = await response.json();
        } catch (error) {
          data = {};
        }
        const box = document.getElementById("statement-message");
        box.innerHTML = `<div id="statement-error" class="banner error">${esc(data.message || `HTTP ${response.status}`)}</div>`;
        return;
      }
      const blob = await response.blob();
      const link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = `statement-${query.get("account")}-${query.get("day")}.csv`;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 10000);
    });
  }

  // -- start ----------------------------------------------------------------------------

  async function boot() {
    const path = location.pathname;
    if (path === "/login" || path.startsWith("/app/login")) return showLogin("");
    const { status, data } = await api("GET", "/api/session");
    if (status !== 200) return status === 401 ? undefined : showLogin("");
    csrf = data.csrf;
    user = data.user;
    render(path);
  }

  boot();
})();
