"""Download a Vosk model zip, verify its checksum and unpack it atomically into the models dir."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import tempfile
import urllib.request
import zipfile
from collections.abc import Callable
from pathlib import Path

DEFAULT_BASE_URL = "https://alphacephei.com/vosk/models"
MODEL_LIST = "model-list.json"  # the official list; each entry carries an md5 of the zip
CHUNK_BYTES = 1 << 16
_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")

Progress = Callable[[int, int | None], None]  # (bytes so far, total bytes or None)


class DownloadError(RuntimeError):
    """The model could not be fetched, verified or unpacked; nothing was left behind."""


def parse_checksum(checksum: str) -> tuple[str, str]:
    """Split "sha256:<hex>" or "md5:<hex>" into (algorithm, lower-case hex)."""
    algorithm, _, digest = checksum.partition(":")
    algorithm = algorithm.lower()
    if algorithm not in ("sha256", "md5") or not re.fullmatch(r"[0-9a-fA-F]+", digest):
        raise ValueError(f"checksum must be 'sha256:<hex>' or 'md5:<hex>', got {checksum!r}")
    return algorithm, digest.lower()


def listed_checksum(name: str, base_url: str, timeout: float) -> str:
    """Look the model up in <base_url>/model-list.json and return "md5:<hex>"."""
    url = f"{base_url.rstrip('/')}/{MODEL_LIST}"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            entries = json.load(response)
    except (OSError, ValueError) as exc:
        raise DownloadError(f"cannot read the model list at {url}: {exc}") from exc
    for entry in entries:
        if entry.get("name") == name and entry.get("md5"):
            return f"md5:{entry['md5']}"
    raise DownloadError(f"{name} is not in {url} (or has no checksum); pass checksum=")


def fetch(url: str, target: Path, algorithm: str, progress: Progress | None, timeout: float) -> str:
    """Stream url into target, calling progress per chunk; returns the hex digest."""
    digest = hashlib.new(algorithm)
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, target.open("wb") as out:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            done = 0
            while chunk := response.read(CHUNK_BYTES):
                out.write(chunk)
                digest.update(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(done, total)
    except OSError as exc:
        raise DownloadError(f"cannot download {url}: {exc}") from exc
    return digest.hexdigest()


def safe_extract(archive: Path, target: Path) -> None:
    """Unzip, refusing members that would land outside target (zip slip)."""
    root = target.resolve()
    try:
        with zipfile.ZipFile(archive) as zipped:
            for member in zipped.namelist():
                if not (root / member).resolve().is_relative_to(root):
                    raise DownloadError(f"unsafe path in model zip: {member!r}")
            zipped.extractall(root)
    except zipfile.BadZipFile as exc:
        raise DownloadError(f"not a zip file: {exc}") from exc


def model_root(unpacked: Path) -> Path:
    """The model dir inside an unpacked zip: its single top-level folder, or the top itself."""
    entries = [p for p in unpacked.iterdir() if not p.name.startswith("__MACOSX")]
    root = entries[0] if len(entries) == 1 and entries[0].is_dir() else unpacked
    if not ((root / "am" / "final.mdl").is_file() or (root / "final.mdl").is_file()):
        raise DownloadError("the zip does not hold a Vosk model (no am/final.mdl)")
    return root


def download(
    name: str,
    dest_dir: Path | str,
    progress: Progress | None = None,
    base_url: str = DEFAULT_BASE_URL,
    checksum: str | None = None,
    timeout: float = 30.0,
) -> Path:
    """Fetch <base_url>/<name>.zip into dest_dir/<name>; all or nothing.

    checksum is "sha256:<hex>" or "md5:<hex>"; without it the md5 published in the official
    model-list.json next to the zips is used, and a model missing from that list is refused.
    """
    if not _SAFE_NAME.fullmatch(name):
        raise ValueError(f"not a model name: {name!r}")
    dest_dir = Path(dest_dir)
    final = dest_dir / name
    if final.exists():
        raise FileExistsError(f"{final} already exists")
    algorithm, expected = parse_checksum(checksum or listed_checksum(name, base_url, timeout))
    dest_dir.mkdir(parents=True, exist_ok=True)
    # Work inside dest_dir so the last step is a rename on the same filesystem.
    work = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=dest_dir))
    try:
        archive = work / f"{name}.zip"
        url = f"{base_url.rstrip('/')}/{name}.zip"
        actual = fetch(url, archive, algorithm, progress, timeout)
        if actual != expected:
            raise DownloadError(f"{algorithm} mismatch for {url}: got {actual}, want {expected}")
        unpacked = work / "unpacked"
        unpacked.mkdir()
        safe_extract(archive, unpacked)
        model_root(unpacked).rename(final)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return final
