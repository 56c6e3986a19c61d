"""``repeatly unsubscribe-server``: a small web server that answers unsubscribe links.

A face over :func:`repeatly.campaigns.answer_unsubscribe`: it reads the request, hands
it over, and writes the answer. Put it behind the shop's web server (a reverse proxy
sending ``/unsubscribe`` and ``/u/`` here, over HTTPS) so that the links in the e-mails
and the short links in text messages reach it.
"""

from __future__ import annotations

import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Annotated
from urllib.parse import urlsplit

import typer

from repeatly.cli._app import EXIT_INPUT, _fail, app, err, out
from repeatly.cli._campaign import DbOpt

if TYPE_CHECKING:
    from repeatly.store import Store

#: The largest request body read; a one-click POST is 26 bytes.
MAX_BODY = 64 * 1024


class _Handler(BaseHTTPRequestHandler):
    """Hands every request to :func:`repeatly.campaigns.answer_unsubscribe`."""

    store: Store
    server_version = "repeatly"

    def version_string(self) -> str:
        return self.server_version

    def do_GET(self) -> None:
        self._answer()

    def do_HEAD(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def do_PUT(self) -> None:
        self._answer()

    def do_DELETE(self) -> None:
        self._answer()

    def _answer(self) -> None:
        from repeatly.campaigns import answer_unsubscribe

        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY:
            self.send_error(413 if length > MAX_BODY else 400)
            return
        body = self.rfile.read(length) if length else b""
        try:
            answer = answer_unsubscribe(
                self.store,
                self.command,
                self.path,
                body=body,
                content_type=self.headers.get("Content-Type", ""),
            )
        except Exception as exc:  # the database is down, say: no traceback to the visitor
            self.log_error("%s: %s", type(exc).__name__, exc)
            self.send_error(500)
            return
        page = answer.html.encode()
        self.send_response(answer.status)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(page)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # the path only, without a short link's token: they hold the signatures
        path = urlsplit(self.path).path
        if "/u/" in path:
            path = path.rsplit("/", 1)[0] + "/..."
        self.log_message("%s %s %s", self.command, path, str(code))

    def log_message(self, format: str, *args: object) -> None:
        sys.stderr.write(f"{self.address_string()} {format % args}\n")


def make_server(store: Store, host: str = "127.0.0.1", port: int = 8025) -> ThreadingHTTPServer:
    """A server (not yet serving) that answers unsubscribe links from ``store``."""
    handler = type("UnsubscribeHandler", (_Handler,), {"store": store})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


@app.command("unsubscribe-server")
def unsubscribe_server(
    db: DbOpt = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on (0: any free one).")] = 8025,
) -> None:
    """Answer the unsubscribe links of the e-mails: one-click POST, and a confirm page.

    A POST of List-Unsubscribe=One-Click to a signed link (RFC 8058) records the
    opt-out at once; opening the link shows a page whose button does the same. A link
    that was changed gets 400 and records nothing. Ctrl-C stops it.
    """
    from repeatly.store import open_store

    with open_store(db) as store:
        try:
            server = make_server(store, host, port)
        except OSError as exc:
            raise _fail(
                f"--host {host} --port {port}: cannot listen there ({exc})", EXIT_INPUT
            ) from None
        where = f"http://{host}:{server.server_address[1]}/"
        try:  # Ctrl-C, whenever it comes, closes the socket and ends with code 0
            out.print(
                f"answering unsubscribe links on {where} (Ctrl-C stops)",
                markup=False,
                soft_wrap=True,
            )
            server.serve_forever()
        except KeyboardInterrupt:
            err.print("stopped", markup=False)
        finally:
            server.server_close()
