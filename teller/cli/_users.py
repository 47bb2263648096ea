"""``teller login|logout|whoami`` and ``teller users ...``: people, roles, sessions."""

from __future__ import annotations

import socket
from pathlib import Path

import typer
from rich.table import Table

from teller.cli._common import ProjectOption, clear_errors, console, open_project
from teller.cli._signin import ask, forget_token, keep_token, os_user, signed_in
from teller.people import ROLES, Enrolment, People

app = typer.Typer(help="People and their roles (admins).", no_args_is_help=True)

Name = typer.Argument(..., metavar="USER", help="The user name.")
RolesOption = typer.Option(
    ..., "--role", "-r", help=f"A role ({', '.join(ROLES)}); repeat for several."
)


def _told(enrolment: Enrolment) -> None:
    """What the account's holder is told, once."""
    if enrolment.password:
        console.print(
            f"{enrolment.username}: temporary password {enrolment.password}\n"
            "Hand it over in person; at the first `teller login --enrol` its holder chooses "
            "a password and enrols a second factor of their own."
        )
    if enrolment.seed:
        console.print(
            f"{enrolment.username}: add this key to your authenticator app (TOTP, 30 s):\n"
            f"  key {enrolment.seed}\n  {enrolment.uri}"
        )


def login(
    username: str = typer.Argument(..., metavar="USER"),
    enrol: bool = typer.Option(
        False, "--enrol", help="First login: replace the temporary password, enrol a code."
    ),
    project: Path | None = ProjectOption,
) -> None:
    """Sign in (password, then one-time code) for a short-lived session."""
    with clear_errors():
        settings, store = open_project(project)
        people = People(store)
        password = ask("Password")
        if enrol:
            new = ask("New password")
            if ask("New password again") != new:
                raise typer.BadParameter("the two new passwords differ")
            _told(
                people.enrol(username, password, new, os_user=os_user(), host=socket.gethostname())
            )
            console.print("Enrolled. Now `teller login` with a code from the app.")
            return
        code = ask("One-time code") if people.needs_code(username) else ""
        minutes = settings.session_minutes
        person, token = people.login(
            username, password, code, os_user=os_user(), host=socket.gethostname(), minutes=minutes
        )
        keep_token(settings, token)
        console.print(
            f"signed in as {person.username} ({', '.join(sorted(person.roles))}) "
            f"for {minutes:g} minutes; session {person.session}"
        )


def logout(project: Path | None = ProjectOption) -> None:
    """End this OS user's session for the project's store."""
    with clear_errors():
        settings, store = open_project(project)
        token = forget_token(settings)
        name = People(store).logout(token) if token else None
        console.print(f"signed out {name}" if name else "no session was open")


def whoami(project: Path | None = ProjectOption) -> None:
    """The signed-in user, their roles and session."""
    with clear_errors():
        settings, store = open_project(project)
        person = signed_in(settings, store, "see who is signed in")
        console.print(
            f"{person.username} ({', '.join(sorted(person.roles))}), session {person.session}"
        )


@app.command("bootstrap")
def bootstrap(
    username: str = Name,
    full_name: str = typer.Option("", "--full-name", help="The person's name, for people."),
    project: Path | None = ProjectOption,
) -> None:
    """Create the first admin of an empty store (refused once any admin exists)."""
    with clear_errors():
        _, store = open_project(project)
        password = ask("Password for the first admin")
        if ask("Password again") != password:
            raise typer.BadParameter("the two passwords differ")
        _told(People(store).bootstrap(username, password=password, full_name=full_name))
        console.print("Now `teller login` with that password and a code from the app.")


@app.command("add")
def add(
    username: str = Name,
    roles: list[str] = RolesOption,
    full_name: str = typer.Option("", "--full-name", help="The person's name, for people."),
    project: Path | None = ProjectOption,
) -> None:
    """Add a user with roles; they get a temporary password to replace at the first login."""
    with clear_errors():
        settings, store = open_project(project)
        admin = signed_in(settings, store, "add users", "admin")
        _told(People(store).add(admin, username, roles=roles, full_name=full_name))


@app.command("list")
def list_users(project: Path | None = ProjectOption) -> None:
    """Every user, their roles and state."""
    with clear_errors():
        settings, store = open_project(project)
        signed_in(settings, store, "list users", "admin", "auditor")
        table = Table("user", "name", "roles", "state", "created", "by")
        for user in People(store).users():
            state = "disabled" if user.disabled else "enrolling" if user.must_change else "active"
            if user.locked_until is not None and not user.disabled:
                state += f", locked to {user.locked_until:%H:%M} UTC"
            table.add_row(
                user.username,
                user.full_name,
                ", ".join(user.roles),
                state,
                f"{user.created_at:%Y-%m-%d}",
                user.created_by,
            )
        console.print(table)


@app.command("roles")
def roles(
    username: str = Name,
    chosen: list[str] = RolesOption,
    project: Path | None = ProjectOption,
) -> None:
    """Set a user's roles (the whole set)."""
    with clear_errors():
        settings, store = open_project(project)
        admin = signed_in(settings, store, "change roles", "admin")
        now_held = People(store).set_roles(admin, username, chosen)
        console.print(f"{username}: {', '.join(now_held)}")


@app.command("disable")
def disable(
    username: str = Name,
    reason: str = typer.Option(..., "--reason", help="Why (kept in the audit trail)."),
    project: Path | None = ProjectOption,
) -> None:
    """Disable a user: no more logins, and their sessions end now."""
    with clear_errors():
        settings, store = open_project(project)
        admin = signed_in(settings, store, "disable users", "admin")
        People(store).disable(admin, username, reason=reason)
        console.print(f"{username}: disabled")


@app.command("enable")
def enable(
    username: str = Name,
    reason: str = typer.Option(..., "--reason", help="Why (kept in the audit trail)."),
    project: Path | None = ProjectOption,
) -> None:
    """Enable a disabled user again."""
    with clear_errors():
        settings, store = open_project(project)
        admin = signed_in(settings, store, "enable users", "admin")
        People(store).enable(admin, username, reason=reason)
        console.print(f"{username}: enabled")


@app.command("reset-password")
def reset_password(username: str = Name, project: Path | None = ProjectOption) -> None:
    """A temporary password for a user; they enrol anew (password and second factor)."""
    with clear_errors():
        settings, store = open_project(project)
        admin = signed_in(settings, store, "reset passwords", "admin")
        _told(People(store).reset_password(admin, username))


@app.command("seal")
def seal(project: Path | None = ProjectOption) -> None:
    """Once, after upgrading a store from before sealed accounts: seal every account as it
    stands (look at `teller users list` first). Needs the audit key; refused once done."""
    with clear_errors():
        _, store = open_project(project)
        sealed = People(store).seal_unsealed()
        console.print(f"sealed {len(sealed)} account(s): {', '.join(sealed) or 'none'}")


@app.command("reseal")
def reseal(
    username: str = Name,
    reason: str = typer.Option(..., "--reason", help="What was looked at (kept in the trail)."),
    project: Path | None = ProjectOption,
) -> None:
    """Accept an account refused as changed outside Teller, as it stands, after looking at
    it (another admin than its holder)."""
    with clear_errors():
        settings, store = open_project(project)
        admin = signed_in(settings, store, "reseal accounts", "admin")
        row = People(store).reseal(admin, username, reason=reason)
        console.print(f"{row.username}: resealed with roles {', '.join(sorted(row.roles))}")
