"""A local podcast host on 127.0.0.1: feeds and enclosures as a test sets them, plus the
ways real hosts go wrong (redirect loops, lying lengths, endless bodies, HTML)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape

from tests.hold.media import make_source

TWO_GB = 2 * 1024**3


class FeedHost:
    """routes: path -> (status, headers, body); body may be bytes or an iterator of bytes
    (sent chunked). hits counts the requests per path."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, dict[str, str], object]] = {}
        self.hits: dict[str, int] = {}
        self.base = ""

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    def serve(self, path: str, body, content_type: str = "application/rss+xml",
              status: int = 200, **headers: str) -> str:
        self.routes[path] = (status, {"Content-Type": content_type, **headers}, body)
        return self.url(path)

    def redirect(self, path: str, to: str) -> str:
        self.routes[path] = (302, {"Location": to}, b"")
        return self.url(path)

    def feed(self, path: str, episodes: list[dict], title: str = "Energy Talk") -> str:
        """An RSS 2.0 feed; each episode: title, day (1-28 of Nov 2026), url, type, length."""
        items = "".join(self._item(e) for e in episodes)
        xml = (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
               f"<title>{escape(title)}</title><link>{self.base}</link>"
               f"<description>Tips</description>{items}</channel></rss>")
        return self.serve(path, xml.encode())


    @staticmethod
    def _item(e: dict) -> str:
        length = f' length="{e["length"]}"' if "length" in e else ""
        published = format_datetime(datetime(2026, 11, e["day"], 6, tzinfo=UTC))
        cover = f'<enclosure url="{e["cover"]}" type="image/jpeg"/>' if "cover" in e else ""
        return (f"<item><title>{escape(e['title'])}</title><guid>{escape(e['url'])}</guid>"
                f"<pubDate>{published}</pubDate>{cover}<enclosure url=\"{escape(e['url'])}\" "
                f"type=\"{e.get('type', 'audio/mpeg')}\"{length}/></item>")


class Handler(BaseHTTPRequestHandler):
    host: FeedHost

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        self.host.hits[path] = self.host.hits.get(path, 0) + 1
        status, headers, body = self.host.routes.get(path, (404, {}, b"not here"))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if isinstance(body, bytes):
            if "Content-Length" not in headers:  # a test may make the server lie
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            for chunk in body:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.write(b"0\r\n\r\n")
        except OSError:
            pass  # the client stopped reading: that is the point of the test


@contextmanager
def feed_host() -> Iterator[FeedHost]:
    host = FeedHost()
    handler = type("BoundHandler", (Handler,), {"host": host})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    host.base = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield host
    finally:
        server.shutdown()
        server.server_close()


def endless(chunk_bytes: int = 64 * 1024) -> Iterator[bytes]:
    """A body with no declared length that never ends."""
    while True:
        yield b"\xff" * chunk_bytes


def episode_mp3(folder: Path, name: str, hz: int = 440) -> bytes:
    """25 s of real mp3 (hold segments are at least 20 s)."""
    return make_source(folder / name, f"0.3*sin({hz}*2*PI*t)*(1+0.3*sin(2*PI*t))", 25).read_bytes()
