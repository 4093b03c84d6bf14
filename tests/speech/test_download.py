"""Model download against a real local HTTP server: verified, atomic, nothing half-done."""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.speech.download import DownloadError, download

NAME = "vosk-model-tiny-xx-0.1"


def make_zip(path: Path, members: dict[str, bytes]) -> bytes:
    """Write a zip and return its bytes."""
    with zipfile.ZipFile(path, "w") as zipped:
        for member, data in members.items():
            zipped.writestr(member, data)
    return path.read_bytes()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A real http.server on 127.0.0.1 serving a folder; yields (base_url, folder)."""
    root = tmp_path / "served"
    root.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", root
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def model_zip(server: tuple[str, Path]) -> bytes:
    """A small zip shaped like a Vosk model, served as <name>.zip (with ~1 MB to chunk)."""
    _, root = server
    members = {
        f"{NAME}/am/final.mdl": b"\x00" * 300_000 + bytes(range(256)) * 3000,
        f"{NAME}/conf/mfcc.conf": b"--allow-upsample=true\n",
        f"{NAME}/README": b"tiny",
    }
    return make_zip(root / f"{NAME}.zip", members)


def test_good_sha256_unpacks_with_progress(server, model_zip: bytes, tmp_path: Path) -> None:
    base_url, _ = server
    dest = tmp_path / "models"
    seen: list[tuple[int, int | None]] = []
    checksum = "sha256:" + hashlib.sha256(model_zip).hexdigest()
    path = download(
        NAME, dest, progress=lambda d, t: seen.append((d, t)), base_url=base_url, checksum=checksum
    )
    assert path == dest / NAME
    assert (path / "conf" / "mfcc.conf").read_text() == "--allow-upsample=true\n"
    assert [p.name for p in dest.iterdir()] == [NAME]  # no temp files left
    assert len(seen) > 1 and seen[-1] == (len(model_zip), len(model_zip))
    assert all(a[0] < b[0] for a, b in zip(seen, seen[1:], strict=False))


def test_bad_checksum_leaves_nothing_behind(server, model_zip: bytes, tmp_path: Path) -> None:
    base_url, _ = server
    dest = tmp_path / "models"
    with pytest.raises(DownloadError, match="mismatch"):
        download(NAME, dest, base_url=base_url, checksum="sha256:" + "0" * 64)
    assert list(dest.iterdir()) == []


def test_md5_from_the_model_list(server, model_zip: bytes, tmp_path: Path) -> None:
    base_url, root = server
    entry = {"name": NAME, "md5": hashlib.md5(model_zip).hexdigest(), "lang": "xx"}
    (root / "model-list.json").write_text(json.dumps([entry]))
    assert download(NAME, tmp_path / "m", base_url=base_url).is_dir()
    with pytest.raises(DownloadError, match="not in"):
        download("vosk-model-unlisted", tmp_path / "m", base_url=base_url)


def test_missing_zip_and_existing_dest(server, model_zip: bytes, tmp_path: Path) -> None:
    base_url, _ = server
    dest = tmp_path / "models"
    with pytest.raises(DownloadError, match="cannot download"):
        download("vosk-model-absent", dest, base_url=base_url, checksum="md5:" + "0" * 32)
    assert list(dest.iterdir()) == []
    (dest / NAME).mkdir()
    with pytest.raises(FileExistsError):
        download(NAME, dest, base_url=base_url, checksum="md5:" + "0" * 32)


def test_zip_slip_and_non_models_are_refused(server, tmp_path: Path) -> None:
    base_url, root = server
    dest = tmp_path / "models"
    evil = make_zip(root / "evil.zip", {"../../escape.txt": b"x", "am/final.mdl": b""})
    with pytest.raises(DownloadError, match="unsafe"):
        download("evil", dest, base_url=base_url, checksum="md5:" + hashlib.md5(evil).hexdigest())
    plain = make_zip(root / "plain.zip", {"plain/readme.txt": b"x"})
    with pytest.raises(DownloadError, match="no am/final.mdl"):
        download("plain", dest, base_url=base_url, checksum="md5:" + hashlib.md5(plain).hexdigest())
    assert list(dest.iterdir()) == [] and not (tmp_path / "escape.txt").exists()


@pytest.mark.parametrize("bad", ["../x", "a/b", "", ".hidden"])
def test_names_that_are_not_model_names(bad: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        download(bad, tmp_path, base_url="http://127.0.0.1:9", checksum="md5:00")
