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
