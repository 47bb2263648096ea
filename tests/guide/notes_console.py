"""A customer-notes console Teller has never seen: the stand-in for the README's guide.

A clerk logs in, adds a note to an account (賬號 Account, 備注 Note, 參考號 Reference)
and gets a note number back; a search page finds a note by its reference. Like a real
legacy console it renders new input ids on every page load, answers in words on a
status line, and refuses a reference it has already seen. Its SQLite file is the
ground truth the guide's test checks.

Practise on it: ``.venv/bin/python -m tests.guide.notes_console`` serves it on
http://127.0.0.1:8610 (user ``clerk07``, password ``notes-demo``, notes in var/notes.db).
"""

from __future__ import annotations

import re
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from flask import Flask, redirect, render_template_string, request, session
from werkzeug.serving import make_server
from werkzeug.wrappers import Response

__all__ = ["USER", "create_app", "notes", "serving"]

USER = "clerk07"
_ACCOUNT = re.compile(r"\d{12}")

_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>客戶備注 Customer Notes</title></head><body>
<h1>{{ title }}</h1>
{% if answer %}<p class="result" role="status">{{ answer }}</p>{% endif %}
{% if fields %}
<form method="{{ method }}">
  {% for label, name, kind in fields %}{% set id = 'f' ~ token() %}
  <div><label for="{{ id }}">{{ label }}</label>
  {% if kind == 'textarea' %}<textarea id="{{ id }}" name="{{ name }}"></textarea>
  {% else %}<input id="{{ id }}" name="{{ name }}" type="{{ kind }}">{% endif %}</div>
  {% endfor %}
  <button type="submit">{{ button }}</button>
</form>
{% endif %}
{% if hits is not none %}
<div id="hits">
  {% if hits %}<table><tr><th>備注編號 No.</th><th>賬號 Account</th><th>備注 Note</th></tr>
  {% for no, account, text in hits %}
  <tr><td class="note-no">{{ no }}</td><td class="account">{{ account }}</td>
      <td class="text">{{ text }}</td></tr>{% endfor %}</table>
  {% else %}查無記錄 No records{% endif %}
</div>
{% endif %}
</body></html>"""

_NOTE_FIELDS = [
    ("賬號 Account", "acct", "text"),
    ("備注 Note", "memo_txt", "textarea"),
    ("參考號 Reference", "ref_no", "text"),
]


def _render(title: str, **page: object) -> str:
    page.setdefault("answer", None)
    page.setdefault("fields", None)
    page.setdefault("hits", None)
    page.setdefault("method", "post")
    return render_template_string(_PAGE, title=title, token=lambda: secrets.token_hex(3), **page)


def _connect(db_path: Path) -> closing[sqlite3.Connection]:
    return closing(sqlite3.connect(db_path, isolation_level=None))


def _init(db_path: Path) -> None:
    with _connect(db_path) as db:
        db.execute(
            "CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY AUTOINCREMENT,"
            " account TEXT NOT NULL, text TEXT NOT NULL, reference TEXT NOT NULL UNIQUE)"
        )


def notes(db_path: Path) -> list[tuple[str, str, str, str]]:
    """Every note the console holds: (note number, account, text, reference)."""
    with _connect(db_path) as db:
        rows = db.execute("SELECT id, account, text, reference FROM notes ORDER BY id").fetchall()
    return [(f"N{i:06d}", account, text, reference) for i, account, text, reference in rows]


def create_app(*, db_path: Path, password: str) -> Flask:
    """The console on its own SQLite file; ``password`` is the clerk's."""
    _init(db_path)
    app = Flask(__name__)
    app.secret_key = secrets.token_hex(16)

    @app.before_request
    def _logged_in() -> Response | None:
        if request.endpoint != "login" and session.get("user") != USER:
            return redirect("/login", code=303)
        return None

    @app.route("/login", methods=["GET", "POST"])
    def login() -> str | Response:
        fields = [("用戶名 User", "uid", "text"), ("密碼 Password", "pwd", "password")]
        if request.method == "POST":
            if request.form.get("uid") == USER and request.form.get("pwd") == password:
                session["user"] = USER
                return redirect("/notes/new", code=303)
            answer = "登錄失敗 Login failed"
            return _render("登錄 Log in", fields=fields, button="登錄 Log in", answer=answer)
        return _render("登錄 Log in", fields=fields, button="登錄 Log in")

    @app.route("/notes/new", methods=["GET", "POST"])
    def new_note() -> str | Response:
        form = {"fields": _NOTE_FIELDS, "button": "提交 Submit"}
        if request.method == "GET":
            return _render("新增備注 New note", **form)
        account = request.form.get("acct", "").strip()
        text = request.form.get("memo_txt", "").strip()
        reference = request.form.get("ref_no", "").strip()
        if not _ACCOUNT.fullmatch(account):
            return _render(
                "新增備注 New note", answer="錯誤 Error: 賬號不存在 No such account", **form
            )
        if not text or not reference:
            return _render("新增備注 New note", answer="錯誤 Error: 資料不全 Incomplete", **form)
        try:
            with _connect(db_path) as db:
                cursor = db.execute(
                    "INSERT INTO notes (account, text, reference) VALUES (?, ?, ?)",
                    (account, text, reference),
                )
        except sqlite3.IntegrityError:
            answer = "錯誤 Error: 參考號已使用 Reference already used"
            return _render("新增備注 New note", answer=answer, **form)
        return redirect(f"/notes/{cursor.lastrowid}", code=303)

    @app.route("/notes/<int:number>")
    def saved(number: int) -> str:
        return _render("新增備注 New note", answer=f"已保存 Saved. 備注編號 Note No. N{number:06d}")

    @app.route("/notes/search")
    def search() -> str:
        fields = [("參考號 Reference", "ref", "text")]
        page = {"fields": fields, "button": "查詢 Search", "method": "get"}
        reference = request.args.get("ref")
        if reference is None:
            return _render("備注查詢 Find a note", **page)
        with _connect(db_path) as db:
            rows = db.execute(
                "SELECT id, account, text FROM notes WHERE reference = ?", (reference.strip(),)
            ).fetchall()
        hits = [(f"N{i:06d}", account, text) for i, account, text in rows]
        return _render("備注查詢 Find a note", hits=hits, **page)

    return app


@contextmanager
def serving(*, db_path: Path, password: str, port: int = 0) -> Iterator[str]:
    """Serve the console on 127.0.0.1 in a thread; yield its base URL."""
    server = make_server("127.0.0.1", port, create_app(db_path=db_path, password=password))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


if __name__ == "__main__":
    folder = Path("var")
    folder.mkdir(exist_ok=True)
    with serving(db_path=folder / "notes.db", password="notes-demo", port=8610) as url:
        print(f"notes console on {url}/ (user {USER}, password notes-demo)", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
