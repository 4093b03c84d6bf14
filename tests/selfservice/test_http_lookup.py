"""The HTTP lookup connector against a real local HTTP server."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from app.selfservice.http_lookup import (
    MAX_BODY_BYTES,
    LookupFailed,
    checked_addresses,
    dig,
    http_lookup,
)

ACCOUNT = {"account": {"name": "Ada Lovelace", "balance": 42.5, "due": None},
           "items": [{"name": "first"}, {"name": "second"}]}


class Handler(BaseHTTPRequestHandler):
    """Routes by path; each one misbehaves in a different way."""

    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:
        route = urlsplit(self.path).path.strip("/").replace("-", "_")
        getattr(self, f"route_{route}", self.route_missing)()

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        received = json.loads(self.rfile.read(length) or b"null")
        self.send_json({"received": received, "type": self.headers.get("Content-Type")})

    def send_json(self, document: object, status: int = 200) -> None:
        self.send_body(json.dumps(document).encode(), status)

    def send_body(self, body: bytes, status: int = 200, *, length: bool = True) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        if length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def route_account(self) -> None:
        query = {key: values[0] for key, values in parse_qs(urlsplit(self.path).query).items()}
        self.send_json({**ACCOUNT, "query": query, "accept": self.headers.get("Accept")})

    def route_list(self) -> None:
        self.send_json([1, 2, 3])

    def route_slow(self) -> None:
        time.sleep(5)
        self.send_json({"too": "late"})

    def route_drip(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "1000")
        self.end_headers()
        for _ in range(1000):
            self.wfile.write(b" ")
            self.wfile.flush()
            time.sleep(0.2)

    def route_error(self) -> None:
        self.send_json({"error": "boom"}, status=500)

    def route_missing(self) -> None:
        self.send_json({"error": "not found"}, status=404)

    def route_redirect(self) -> None:
        self.send_response(302)
        self.send_header("Location", "/account")
        self.end_headers()

    def route_garbage(self) -> None:
        self.send_body(b"<html><body>Service Unavailable</body></html>")

    def route_binary(self) -> None:
        self.send_body(b"\xff\xfe\x00garbage")

    def route_huge(self) -> None:
        self.send_body(_huge_json())

    def route_huge_unsized(self) -> None:
        self.close_connection = True
        self.send_body(_huge_json(), length=False)


    def route_late_headers_then_drip(self) -> None:
        """Headers just inside the timeout, then a byte every 0.9 s (each read is 'in time')."""
        time.sleep(0.9)
        self.send_response(200)
        self.send_header("Content-Length", "100")
        self.end_headers()
        self.wfile.flush()
        for _ in range(100):
            time.sleep(0.9)
            self.wfile.write(b" ")
            self.wfile.flush()

    def route_header_drip(self) -> None:
        """A header line every 0.3 s: no single receive ever waits long."""
        self.wfile.write(b"HTTP/1.1 200 OK\r\n")
        for n in range(60):
            self.wfile.write(f"X-Pad-{n}: 1\r\n".encode())
            self.wfile.flush()
            time.sleep(0.3)

    def route_who(self) -> None:
        self.send_json({"server": self.server.server_address[0],
                        "host": self.headers.get("Host")})


LOCAL = "127.0.0.1"  # the allow-list entry the tests' loopback servers need


def lookup(url: str, *args, **kwargs):
    """The connector with the test servers' loopback address allowed."""
    return http_lookup(url, *args, allow=kwargs.pop("allow", LOCAL), **kwargs)


def _huge_json() -> bytes:
    return json.dumps({"padding": "x" * (MAX_BODY_BYTES + 1024)}).encode()


def _serve(address: str, port: int = 0) -> ThreadingHTTPServer:
    httpd = ThreadingHTTPServer((address, port), Handler)
    httpd.daemon_threads = True
    httpd.block_on_close = False  # slow handlers must not hold up teardown
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = _serve("127.0.0.1")
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_get_maps_dotted_paths(server: str) -> None:
    result = lookup(f"{server}/account", "GET", {"account": "1042"}, mapping={
        "name": "account.name", "balance": "account.balance", "second": "items.1.name",
        "last": "items.-1.name", "sent": "query.account", "missing": "account.nope.deeper",
        "due": "account.due", "out_of_range": "items.5.name"})
    assert result == {"name": "Ada Lovelace", "balance": 42.5, "second": "second",
                      "last": "second", "sent": "1042", "missing": None, "due": None,
                      "out_of_range": None}


def test_get_without_mapping_returns_the_object(server: str) -> None:
    result = lookup(f"{server}/account", params={"zip": "90210"})
    assert result["query"] == {"zip": "90210"}
    assert result["accept"] == "application/json"


def test_post_sends_params_as_json(server: str) -> None:
    result = lookup(f"{server}/echo", "post", {"account": "1042", "n": 3},
                         mapping={"account": "received.account", "n": "received.n",
                                  "type": "type"})
    assert result == {"account": "1042", "n": 3, "type": "application/json"}


def test_slow_endpoint_times_out_within_bound(server: str) -> None:
    started = time.monotonic()
    with pytest.raises(LookupFailed) as failed:
        lookup(f"{server}/slow", timeout_s=0.5)
    assert failed.value.reason == "timed out"
    assert time.monotonic() - started < 1.5


def test_timeout_is_clamped_to_three_seconds(server: str) -> None:
    started = time.monotonic()
    with pytest.raises(LookupFailed, match="timed out"):
        lookup(f"{server}/slow", timeout_s=60)
    assert time.monotonic() - started < 4


def test_dripping_body_stops_at_the_deadline(server: str) -> None:
    started = time.monotonic()
    with pytest.raises(LookupFailed, match="timed out"):
        lookup(f"{server}/drip", timeout_s=0.5)
    assert time.monotonic() - started < 1.5


@pytest.mark.parametrize(("path", "reason"), [
    ("/error", "HTTP 500"),
    ("/nowhere", "HTTP 404"),
    ("/redirect", "HTTP 302"),
    ("/garbage", "response is not JSON"),
    ("/binary", "response is not JSON"),
    ("/huge", "response too large"),
    ("/huge-unsized", "response too large"),
    ("/list", "response is not a JSON object"),
])
def test_bad_responses_fail(server: str, path: str, reason: str) -> None:
    with pytest.raises(LookupFailed) as failed:
        lookup(server + path)
    assert failed.value.reason == reason


def test_list_body_can_be_mapped(server: str) -> None:
    assert lookup(f"{server}/list", mapping={"first": "0"}) == {"first": 1}


def test_connection_refused() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(LookupFailed, match="connection failed"):
        lookup(f"http://127.0.0.1:{port}/account", timeout_s=1)


@pytest.mark.parametrize(("url", "method"), [
    ("ftp://127.0.0.1/x", "GET"), ("file:///etc/passwd", "GET"), ("/relative", "GET"),
    ("http://127.0.0.1/x", "DELETE"),
])
def test_refuses_bad_requests_without_sending(url: str, method: str) -> None:
    with pytest.raises(LookupFailed):
        lookup(url, method)


def test_lookup_failed_is_one_exception_with_a_reason() -> None:
    error = LookupFailed("timed out")
    assert error.reason == "timed out" and str(error) == "timed out"


@pytest.mark.parametrize(("path", "value"), [
    ("a.b", 1), ("a", {"b": 1}), ("list.0", "x"), ("list.x", None), ("a.b.c", None),
    ("", {"a": {"b": 1}, "list": ["x"]}), ("nope", None),
])
def test_dig(path: str, value: object) -> None:
    assert dig({"a": {"b": 1}, "list": ["x"]}, path) == value


# --- the deadline is one wall clock, connect to last byte ------------------------------


@pytest.mark.parametrize("path", ["/late-headers-then-drip", "/header-drip"])
def test_a_slow_drip_ends_at_the_deadline(server: str, path: str) -> None:
    started = time.monotonic()
    with pytest.raises(LookupFailed, match="timed out"):
        lookup(server + path, timeout_s=1.0)
    assert time.monotonic() - started < 1.4


# --- SSRF guard -------------------------------------------------------------------------


def test_loopback_is_refused_without_the_allow_list(server: str) -> None:
    with pytest.raises(LookupFailed, match="address 127.0.0.1 is not allowed"):
        http_lookup(f"{server}/account")
    with pytest.raises(LookupFailed, match="not allowed"):
        http_lookup(f"{server}/account", allow="10.0.0.0/8,billing.example")


@pytest.mark.parametrize("address", [
    "127.0.0.1", "10.1.2.3", "172.16.0.9", "192.168.1.1", "169.254.169.254", "100.64.0.1",
    "100.100.100.200", "0.0.0.0", "224.0.0.251", "255.255.255.255", "::1", "::",
    "::ffff:127.0.0.1", "fe80::1", "fc00::1", "fd00:ec2::254", "ff02::1"])
def test_internal_addresses_are_refused(address: str) -> None:
    with pytest.raises(LookupFailed, match="not allowed"):
        checked_addresses(address, 80)


def test_public_and_allowed_addresses_pass() -> None:
    assert checked_addresses("8.8.8.8", 443) == ["8.8.8.8"]  # a literal: nothing is sent
    assert checked_addresses("10.1.2.3", 80, "10.0.0.0/8") == ["10.1.2.3"]
    assert checked_addresses("::1", 80, "[::1]") == ["::1"]
    assert "127.0.0.1" in checked_addresses("localhost", 80, "LOCALHOST")


def test_an_allowed_host_name_is_reached_with_its_own_host_header(server: str) -> None:
    port = server.rsplit(":", 1)[1]
    with_name = http_lookup(f"http://localhost:{port}/who", allow="localhost")
    assert with_name["host"] == f"localhost:{port}"


def test_the_checked_address_is_the_one_connected_to(monkeypatch) -> None:
    """DNS rebinding: a name that answers an allowed address first and an internal one
    after must not reach the internal one on a second resolution."""
    internal = _serve("127.0.0.1")
    port = internal.server_address[1]
    allowed = _serve("127.0.0.2", port)
    answers = iter(["127.0.0.2"] + ["127.0.0.1"] * 10)
    real = socket.getaddrinfo

    def rebinding(host, *args, **kwargs):
        if host == "rebind.test":
            return real(next(answers), *args, **kwargs)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    try:
        reached = http_lookup(f"http://rebind.test:{port}/who", allow="127.0.0.2")
    finally:
        for httpd in (internal, allowed):
            httpd.shutdown()
            httpd.server_close()
    assert reached == {"server": "127.0.0.2", "host": f"rebind.test:{port}"}


def test_a_stuck_resolver_ends_at_the_deadline(monkeypatch) -> None:
    real = socket.getaddrinfo

    def stuck(host, *args, **kwargs):
        if host == "stuck.test":
            time.sleep(3)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", stuck)
    started = time.monotonic()
    with pytest.raises(LookupFailed, match="timed out"):
        http_lookup("http://stuck.test/x", timeout_s=0.5)
    assert time.monotonic() - started < 1.0


# --- https to the checked address still verifies the certificate for the URL's host -----


@pytest.fixture
def tls_server(tmp_path, monkeypatch) -> Iterator[int]:
    """A local https server with a certificate for "localhost" from a test CA that the
    connector trusts (in place of the public CA bundle)."""
    import ssl

    import certifi
    import trustme

    ca = trustme.CA()
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    monkeypatch.setattr(certifi, "where", lambda: str(tmp_path / "ca.pem"))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost").configure_cert(context)
    httpd = _serve("127.0.0.1")
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def test_https_verifies_the_urls_host_while_connecting_to_its_address(tls_server) -> None:
    reached = http_lookup(f"https://localhost:{tls_server}/who", allow="localhost")
    assert reached == {"server": "127.0.0.1", "host": f"localhost:{tls_server}"}
    with pytest.raises(LookupFailed, match="connection failed"):  # the cert is not for it
        http_lookup(f"https://127.0.0.1:{tls_server}/who", allow="127.0.0.1")
