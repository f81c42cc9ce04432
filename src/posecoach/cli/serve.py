"""``posecoach serve``: run the web app with uvicorn."""

from __future__ import annotations

from pathlib import Path

import typer

from posecoach.cli.common import user_errors


def register(app: typer.Typer) -> None:
    """Add the ``serve`` command."""

    @app.command()
    def serve(
        host: str = typer.Option("127.0.0.1", help="Address to bind; non-loopback needs --token."),
        port: int = typer.Option(8000, help="TCP port."),
        data_dir: Path = typer.Option(
            None,
            help="Folder for the database and files [default: POSECOACH_DATA_DIR or "
            "~/.local/share/posecoach].",
        ),
        token: str = typer.Option(
            None, envvar="POSECOACH_TOKEN", help="Access token every request must carry."
        ),
        certfile: Path = typer.Option(None, help="TLS certificate (PEM) for HTTPS."),
        keyfile: Path = typer.Option(None, help="TLS private key (PEM) for HTTPS."),
        max_upload_mb: float = typer.Option(
            None, help="Upload size limit in MB [default: POSECOACH_MAX_UPLOAD_MB or 200]."
        ),
        workers: int = typer.Option(1, help="Background job workers (one process each)."),
        render: bool = typer.Option(
            True, help="Render overlay/side-by-side videos, plots and report for each compare."
        ),
        database_url: str = typer.Option(
            None, envvar="POSECOACH_DATABASE_URL", help="SQLAlchemy URL, e.g. PostgreSQL."
        ),
    ) -> None:
        """Serve the web app: reference library, compare, people & history, live coaching."""
        with user_errors():
            from posecoach.errors import InputError, require
            from posecoach.web import Settings, create_app

            if (certfile is None) != (keyfile is None):
                raise InputError("expected both --certfile and --keyfile for HTTPS, got one")
            for path in (certfile, keyfile):
                if path is not None and not path.is_file():
                    raise InputError(f"{path}: no such file")
            settings = Settings.from_env(
                data_dir=data_dir,
                host=host,
                token=token,
                database_url=database_url,
                max_upload_mb=max_upload_mb,
                workers=workers,
                render=render,
                job_processes=True,
                tls=certfile is not None,
            )
            uvicorn = require("uvicorn", "web")
            scheme = "https" if certfile else "http"
            typer.echo(f"posecoach serving {scheme}://{host}:{port}/ (data: {settings.data_dir})")
            uvicorn.run(  # type: ignore[attr-defined]
                create_app(settings),
                host=host,
                port=port,
                ssl_certfile=str(certfile) if certfile else None,
                ssl_keyfile=str(keyfile) if keyfile else None,
                log_level="warning",
                ws_max_size=8 * 1024 * 1024,
            )
