"""A Starlette app served by uvicorn on a free port of 127.0.0.1, for tests that
talk to it over a real socket, and a small HTTP client for them."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import uvicorn


@contextmanager
def serve(app) -> Iterator[str]:
    """Serve `app` on 127.0.0.1 (a port the system picks) until the block ends;
    yields the base URL."""
    sock = socket.create_server(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        sock.close()


@dataclass
class Reply:
    status: int
    content_type: str
    text: str

    def json(self):
        return json.loads(self.text)


def request(base_url: str, path: str, headers: dict | None = None, method: str = "GET") -> Reply:
    host, port = base_url.removeprefix("http://").split(":")
    con = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        con.request(method, path, headers=headers or {})
        response = con.getresponse()
        return Reply(
            response.status,
            response.getheader("content-type", ""),
            response.read().decode("utf-8"),
        )
    finally:
        con.close()


class SmtpSink:
    """An aiosmtpd handler keeping every message it accepts, or refusing them all."""

    def __init__(self, refuse: bool = False):
        self.refuse = refuse
        self.messages: list[bytes] = []
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.refuse:
            return "554 5.7.1 refused by the test server"
        self.messages.append(envelope.original_content or envelope.content)
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 OK"


@contextmanager
def smtp_server(sink: SmtpSink) -> Iterator[int]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1, on a port the system picks,
    until the block ends; yields the port. Its event loop lives in its own
    thread: the test's thread may already run one (Playwright's sync API does)."""
    import asyncio

    from aiosmtpd.smtp import SMTP

    sock = socket.create_server(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    servers = []

    def serve_forever() -> None:
        asyncio.set_event_loop(loop)
        servers.append(
            loop.run_until_complete(
                loop.create_server(
                    lambda: SMTP(sink, hostname="test.invalid", loop=loop), sock=sock
                )
            )
        )
        ready.set()
        loop.run_forever()
        servers[0].close()
        loop.run_until_complete(servers[0].wait_closed())
        loop.close()

    thread = threading.Thread(target=serve_forever, daemon=True)
    thread.start()
    if not ready.wait(timeout=20):
        raise RuntimeError("the test SMTP server did not start")
    try:
        yield port
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=20)
