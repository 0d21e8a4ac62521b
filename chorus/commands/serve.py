"""``chorus serve``: the review web UI on one machine."""

from __future__ import annotations

import click

from ..cli import project_option


def register(cli) -> None:
    @cli.command()
    @click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
    @click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
    @project_option
    def serve(host, port, project):
        """Serve the review web UI, a thread per connection (for many volunteers: gunicorn -k gthread
        --threads 32 "webui:create_app()")."""
        from werkzeug.serving import make_server

        from webui import create_app

        from ..users import UserStore

        from .index import _refresh
        from ..index import Index

        _refresh(Index(project))  # a large project's index is built here, not by the first page
        app = create_app(project.root)
        if not UserStore.for_project(project).all():
            click.echo("No accounts yet: create one with 'chorus user add NAME --role coordinator'.", err=True)
        try:
            server = make_server(host, port, app, threaded=True)
        except (OSError, SystemExit) as error:
            from ..errors import ChorusError

            reason = getattr(error, "strerror", None) or "address in use or not available"
            raise ChorusError(f"cannot listen on {host}:{port} ({reason}); try --port") from None
        click.echo(f"Chorus review UI for {project.root} on http://{host}:{port}/  (Ctrl+C stops it)")
        try:
            server.serve_forever()
        finally:
            server.server_close()
