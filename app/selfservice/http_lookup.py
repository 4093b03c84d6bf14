"""HTTP JSON connector for the IVR lookup node: ask an operator's API, map the answer.

A caller is waiting on the line, so the whole exchange is bounded: the timeout is
clamped to MAX_TIMEOUT_S, the body to MAX_BODY_BYTES, and every failure becomes one
`LookupFailed(reason)` that the flow turns into its failure route.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

import requests

MAX_TIMEOUT_S = 3.0
MIN_TIMEOUT_S = 0.1
MAX_BODY_BYTES = 256 * 1024
CHUNK_BYTES = 16 * 1024
USER_AGENT = "Holdline-lookup/1"


class LookupFailed(Exception):
    """The lookup could not produce an answer; `reason` is short and safe to log."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def http_lookup(url: str, method: str = "GET", params: Mapping[str, Any] | None = None, *,
                timeout_s: float = MAX_TIMEOUT_S, mapping: Mapping[str, str] | None = None,
                headers: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Call a JSON API and return {variable: value at its dotted path} (None when missing).

    GET sends params as the query string, POST as a JSON body. Without a mapping the
    top-level JSON object is returned as is.
    """
    method = method.upper()
    if method not in ("GET", "POST"):
        raise LookupFailed(f"unsupported method {method}")
    if urlsplit(url).scheme not in ("http", "https"):
        raise LookupFailed("URL must be http or https")
    body = _fetch(url, method, dict(params or {}), _clamp(timeout_s), dict(headers or {}))
    document = _parse(body)
    if mapping is None:
        if not isinstance(document, dict):
            raise LookupFailed("response is not a JSON object")
        return document
    return {variable: dig(document, path) for variable, path in mapping.items()}


def dig(document: Any, path: str) -> Any:
    """Follow a dotted path ("account.balance", "items.0.name"); None when it is missing."""
    node = document
    for part in path.split(".") if path else []:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.lstrip("-").isdigit() and -len(node) <= int(
                part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def _clamp(timeout_s: float) -> float:
    return min(max(float(timeout_s), MIN_TIMEOUT_S), MAX_TIMEOUT_S)


def _fetch(url: str, method: str, params: dict[str, Any], timeout_s: float,
           headers: dict[str, str]) -> bytes:
    """Send the request and read a bounded body before the deadline."""
    deadline = time.monotonic() + timeout_s
    request_args: dict[str, Any] = {"params": params} if method == "GET" else {"json": params}
    try:
        # Redirects are not followed: they would spend the caller's time on another host.
        with requests.request(method, url, timeout=(timeout_s, timeout_s), stream=True,
                              allow_redirects=False, headers=_headers(headers),
                              **request_args) as response:
            if not 200 <= response.status_code < 300:
                raise LookupFailed(f"HTTP {response.status_code}")
            return _read(response, deadline)
    except requests.Timeout:
        raise LookupFailed("timed out") from None
    except requests.ConnectionError:
        raise LookupFailed("connection failed") from None
    except requests.RequestException as exc:
        raise LookupFailed(f"request failed: {type(exc).__name__}") from None


def _headers(extra: dict[str, str]) -> dict[str, str]:
    return {"Accept": "application/json", "User-Agent": USER_AGENT, **extra}


def _read(response: requests.Response, deadline: float) -> bytes:
    """Read the body in chunks, stopping at the size cap or the deadline."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise LookupFailed("response too large")
    body = bytearray()
    for chunk in _chunks(response):
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise LookupFailed("response too large")
        if time.monotonic() > deadline:
            raise LookupFailed("timed out")  # a slow drip must not outlast the caller
    return bytes(body)


def _chunks(response: requests.Response) -> Iterator[bytes]:
    """Yield body bytes as they arrive: read1 returns after one receive, so a server that
    drips a byte at a time cannot hold a read open past the deadline (urllib3 2)."""
    read1 = getattr(response.raw, "read1", None)
    if read1 is None:
        yield from response.iter_content(CHUNK_BYTES)
        return
    while chunk := read1(CHUNK_BYTES, decode_content=True):
        yield chunk


def _parse(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError
        raise LookupFailed("response is not JSON") from None
