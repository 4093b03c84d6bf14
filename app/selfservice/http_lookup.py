"""HTTP JSON connector for the IVR lookup node: ask an operator's API, map the answer.

A caller is waiting on the line, so the whole exchange is bounded: the timeout (clamped
to MAX_TIMEOUT_S) is one deadline from name resolution to last byte, the body is capped at
MAX_BODY_BYTES, and every failure becomes one `LookupFailed(reason)` that the flow turns
into its failure route. Menus are written by operators, but a stolen operator session must
not gain the server's network position, so internal addresses are refused (SSRF guard).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import ipaddress
import json
import socket
import threading
import time
from collections.abc import Iterator, Mapping
from http.client import HTTPException
from typing import Any
from urllib.parse import urlencode, urlsplit

import certifi
import urllib3
from flask import current_app, has_app_context

MAX_TIMEOUT_S = 3.0
MIN_TIMEOUT_S = 0.1
MAX_BODY_BYTES = 256 * 1024
CHUNK_BYTES = 16 * 1024
USER_AGENT = "Holdline-lookup/1"
# Metadata services that are reachable at otherwise public-looking addresses.
METADATA = {ipaddress.ip_address("100.100.100.200"), ipaddress.ip_address("fd00:ec2::254")}


# Name resolution runs here so that it can be abandoned at the deadline (it cannot be
# interrupted); a few threads, shared by every lookup of the process.
_RESOLVERS = concurrent.futures.ThreadPoolExecutor(max_workers=4,
                                                   thread_name_prefix="lookup-dns")


class LookupFailed(Exception):
    """The lookup could not produce an answer; `reason` is short and safe to log."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def http_lookup(url: str, method: str = "GET", params: Mapping[str, Any] | None = None, *,
                timeout_s: float = MAX_TIMEOUT_S, mapping: Mapping[str, str] | None = None,
                headers: Mapping[str, str] | None = None,
                allow: str | None = None) -> dict[str, Any]:
    """Call a JSON API and return {variable: value at its dotted path} (None when missing).

    GET sends params as the query string, POST as a JSON body. Without a mapping the
    top-level JSON object is returned as is. `allow` names the hosts and networks at which an
    internal address may be reached (default: the app's HOLDLINE_LOOKUP_ALLOW).
    """
    method = method.upper()
    if method not in ("GET", "POST"):
        raise LookupFailed(f"unsupported method {method}")
    if urlsplit(url).scheme not in ("http", "https"):
        raise LookupFailed("URL must be http or https")
    body = _fetch(url, method, dict(params or {}), _clamp(timeout_s), dict(headers or {}),
                  _configured_allow() if allow is None else allow)
    document = _parse(body)
    if mapping is None:
        if not isinstance(document, dict):
            raise LookupFailed("response is not a JSON object")
        return document
    return {variable: dig(document, path) for variable, path in mapping.items()}


def _configured_allow() -> str:
    return current_app.config.get("LOOKUP_ALLOW", "") if has_app_context() else ""


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
           headers: dict[str, str], allow: str) -> bytes:
    """One exchange within one wall-clock deadline, from resolving the host to the last byte."""
    deadline = time.monotonic() + timeout_s
    target, body, wire_headers = _request(urlsplit(url), method, params, headers)
    with open_guarded(url, deadline, allow, method=method, target=target, body=body,
                      headers=wire_headers) as response:
        if not 200 <= response.status < 300:  # redirects are not followed: no 2nd host
            raise LookupFailed(f"HTTP {response.status}")
        return b"".join(stream_body(response, deadline, MAX_BODY_BYTES))


@contextlib.contextmanager
def open_guarded(url: str, deadline: float, allow: str = "", *, method: str = "GET",
                 target: str | None = None, body: bytes | None = None,
                 headers: Mapping[str, str] | None = None) -> Iterator[urllib3.HTTPResponse]:
    """Send one request to a checked address (the SSRF guard) and yield the response, any
    status, unread; everything until the block ends is cut off at `deadline`. Other
    connectors (podcast feeds) fetch through this too, so one guard serves them all."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise LookupFailed("URL must be http or https")
    if not parts.hostname:
        raise LookupFailed("URL has no host")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise LookupFailed("URL has a bad port") from None
    addresses = checked_addresses(parts.hostname, port, allow, deadline)
    wire_headers = {"Host": parts.netloc.rpartition("@")[2], "User-Agent": USER_AGENT,
                    **(headers or {})}
    connection = _connect(parts.scheme, addresses, parts.hostname, port, deadline)
    try:
        with _cut_at(deadline, connection.sock):
            connection.request(method, target or _target(parts), body=body,
                               headers=wire_headers, preload_content=False)
            yield connection.getresponse()
    except (OSError, HTTPException, urllib3.exceptions.HTTPError) as exc:
        raise _failure(exc, deadline) from None
    finally:
        connection.close()


def _target(parts) -> str:
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _connect(scheme: str, addresses: list[str], host: str, port: int,
             deadline: float) -> urllib3.connection.HTTPConnection:
    """Connect to the first checked address that answers (an IPv6 address may not)."""
    for address in addresses:
        connection = _connection(scheme, address, host, port, deadline)
        try:
            connection.connect()  # bounded by the connection's timeout: what is left
            return connection
        except (OSError, urllib3.exceptions.HTTPError) as exc:
            connection.close()
            failure = _failure(exc, deadline)
            if failure.reason == "timed out" or address == addresses[-1]:
                raise failure from None
    raise LookupFailed("host not found")


@contextlib.contextmanager
def _cut_at(deadline: float, sock: socket.socket) -> Iterator[None]:
    """Shut the socket down at the deadline. A socket timeout bounds each receive; this
    bounds them all, so a server that drips headers or body is cut off in time."""
    watchdog = threading.Timer(_remaining(deadline), _shutdown, (sock,))
    watchdog.daemon = True
    watchdog.start()
    try:
        yield
    finally:
        watchdog.cancel()


def _failure(exc: Exception, deadline: float) -> LookupFailed:
    refused = isinstance(exc, urllib3.exceptions.NewConnectionError)  # a ConnectTimeoutError
    if time.monotonic() >= deadline or not refused and isinstance(
            exc, TimeoutError | urllib3.exceptions.TimeoutError):
        return LookupFailed("timed out")
    return LookupFailed("connection failed")


def checked_addresses(host: str, port: int, allow: str = "",
                      deadline: float | None = None) -> list[str]:
    """Resolve `host` and return the addresses to connect to, refusing internal ones.

    Loopback, private, link-local (cloud metadata lives there), multicast, reserved and
    unspecified addresses are refused unless the allow-list names the host or a network
    holding the address. Every address the name resolves to must pass, and the caller
    connects to these, so a second lookup cannot swap in another (DNS rebinding).
    """
    infos = _resolve(host, port, deadline)
    names, networks = _allow_list(allow)
    addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    if host.lower().rstrip(".") not in names:
        for address in addresses:
            if _internal(address) and not any(address in net for net in networks):
                raise LookupFailed(f"address {address} is not allowed")
    return list(dict.fromkeys(str(address) for address in addresses))


def _resolve(host: str, port: int, deadline: float | None) -> list[tuple]:
    """getaddrinfo within the deadline: a stuck resolver must not hold the caller."""
    lookup = _RESOLVERS.submit(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
    try:
        return lookup.result(timeout=None if deadline is None else _remaining(deadline))
    except concurrent.futures.TimeoutError:
        raise LookupFailed("timed out") from None
    except (OSError, UnicodeError):
        raise LookupFailed("host not found") from None


def _internal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return not address.is_global or address.is_multicast or address in METADATA


def _allow_list(allow: str) -> tuple[set[str], list[ipaddress._BaseNetwork]]:
    names: set[str] = set()
    networks: list[ipaddress._BaseNetwork] = []
    for entry in filter(None, (item.strip() for item in allow.split(","))):
        try:
            networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
        except ValueError:
            names.add(entry.lower().rstrip("."))
    return names, networks


def _request(parts, method: str, params: dict[str, Any],
             headers: dict[str, str]) -> tuple[str, bytes | None, dict[str, str]]:
    """The request line's target, the body and the headers (open_guarded adds Host)."""
    query = parts.query
    body = None
    wire_headers = {"Accept": "application/json", **headers}
    if method == "GET":
        query = "&".join(filter(None, (query, urlencode(params, doseq=True))))
    else:
        body = json.dumps(params).encode()
        wire_headers.setdefault("Content-Type", "application/json")
    return (parts.path or "/") + (f"?{query}" if query else ""), body, wire_headers


def _connection(scheme: str, address: str, host: str, port: int,
                deadline: float) -> urllib3.connection.HTTPConnection:
    """A connection to the checked address; https still verifies the certificate for `host`."""
    if scheme == "https":
        return urllib3.connection.HTTPSConnection(
            address, port, timeout=_remaining(deadline), server_hostname=host,
            ca_certs=certifi.where())
    return urllib3.connection.HTTPConnection(address, port, timeout=_remaining(deadline))


def _remaining(deadline: float) -> float:
    return max(deadline - time.monotonic(), 0.001)


def _shutdown(sock: socket.socket) -> None:
    """Unblock a receive in progress (the base shutdown also works on a TLS socket)."""
    with contextlib.suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


def stream_body(response: urllib3.HTTPResponse, deadline: float,
                max_bytes: int) -> Iterator[bytes]:
    """Yield the body in chunks, refusing it past `max_bytes` (declared or counted) or the
    deadline; a caller writing to disk keeps no more than the cap."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise LookupFailed("response too large")
    received = 0
    for chunk in _chunks(response):
        received += len(chunk)
        if received > max_bytes:
            raise LookupFailed("response too large")
        if time.monotonic() > deadline:
            raise LookupFailed("timed out")
        yield chunk
    if time.monotonic() > deadline:
        raise LookupFailed("timed out")  # the watchdog cut the body short


def _chunks(response: urllib3.HTTPResponse) -> Iterator[bytes]:
    """Yield body bytes as they arrive: read1 returns after one receive."""
    while chunk := response.read1(CHUNK_BYTES, decode_content=True):
        yield chunk


def _parse(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError
        raise LookupFailed("response is not JSON") from None
