"""``teller desk serve``: the Desk, Teller's web console, until interrupted."""

from __future__ import annotations

from pathlib import Path

import typer

from teller.cli._common import ProjectOption, clear_errors, console, open_project

app = typer.Typer(help="The Desk: Teller's web console.", no_args_is_help=True)


@app.command("serve")
def serve(
    host: str | None = typer.Option(None, help="Bind address (default: [desk] host)."),
    port: int | None = typer.Option(None, help="Port (default: [desk] port, 8700)."),
    project: Path | None = ProjectOption,
) -> None:
    """Serve the Desk (127.0.0.1 by default: the bank's reverse proxy adds TLS in front)."""
    import uvicorn

    from teller.desk import create_app

    with clear_errors():
        settings, _ = open_project(project)
        where = host or settings.desk.host
        listen = port or settings.desk.port
        console.print(f"the Desk on http://{where}:{listen}/ (project {settings.project})")
        uvicorn.run(
            create_app(settings),
            host=where,
            port=listen,
            proxy_headers=True,  # the client's address from X-Forwarded-For, sent by ...
            forwarded_allow_ips="127.0.0.1",  # ... a proxy on this machine only
            server_header=False,
            log_level="warning",
        )
