"""``posecoach serve``: refuses unsafe options; serves HTTPS with a token on a public bind."""

from __future__ import annotations

import ssl
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from posecoach.cli.app import app
from web_support import ServerProcess

TOKEN = "serve-test-token-123"


def test_public_bind_without_token_is_refused(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("POSECOACH_TOKEN", raising=False)
    result = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0", "--data-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "binding 0.0.0.0 (not loopback) requires a token" in result.output
    result = CliRunner().invoke(app, ["serve", "--certfile", str(tmp_path / "c.pem")])
    assert result.exit_code == 1 and "expected both --certfile and --keyfile" in result.output
    short = CliRunner().invoke(app, ["serve", "--token", "short", "--data-dir", str(tmp_path)])
    assert short.exit_code == 1 and "at least 8 characters" in short.output
    assert not (tmp_path / "posecoach.db").exists()


@pytest.mark.slow
def test_https_with_token_on_a_public_bind(tmp_path: Path) -> None:
    import httpx

    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    args = ("--host", "0.0.0.0", "--token", TOKEN, "--certfile", str(cert), "--keyfile", str(key))
    with ServerProcess(tmp_path / "data", *args, token=TOKEN) as srv:
        assert srv.url.startswith("https://")
        with httpx.Client(base_url=srv.url, verify=ssl.create_default_context(cafile=cert)) as c:
            assert c.get("/health").status_code == 401
            assert (
                c.get("/live.html", headers={"Authorization": "Bearer nope-nope"}).status_code
                == 403
            )
            ok = c.get(f"/live.html?token={TOKEN}")
            assert ok.status_code == 200 and "getUserMedia" in ok.text
            assert "Secure" in ok.headers["set-cookie"]  # HTTPS: the cookie never goes plain
            assert c.get("/api/references").status_code == 200  # the cookie now carries it
        with pytest.raises(httpx.HTTPError):  # plain HTTP is not served
            httpx.get(srv.url.replace("https", "http") + "/health", timeout=3)
