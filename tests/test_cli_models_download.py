"""`flask models download` from a server that sends no Content-Length (a chunked or
closing response): the progress bar must not crash on the unknown total (mypy found it)."""

from __future__ import annotations

import hashlib
import http.server
import io
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

NAME = "vosk-model-tiny-xx-0.1"


def model_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        zipped.writestr(f"{NAME}/am/final.mdl", b"\x00" * 200_000)
        zipped.writestr(f"{NAME}/conf/mfcc.conf", b"--allow-upsample=true\n")
    return buffer.getvalue()


@pytest.fixture
def lengthless_server() -> Iterator[tuple[str, bytes]]:
    """A real HTTP/1.0 server that ends the body by closing: no Content-Length header."""
    body = model_zip()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/zip")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", body
    httpd.shutdown()
    httpd.server_close()


def test_download_without_content_length_installs_the_model(app, tmp_path: Path,
                                                             lengthless_server) -> None:
    base_url, body = lengthless_server
    app.config["MODELS_DIR"] = str(tmp_path)
    result = app.test_cli_runner().invoke(args=[
        "models", "download", NAME, "--base-url", base_url,
        "--checksum", "sha256:" + hashlib.sha256(body).hexdigest()])
    assert result.exit_code == 0, result.output
    assert "installed" in result.output
    assert (tmp_path / NAME / "conf" / "mfcc.conf").is_file()
