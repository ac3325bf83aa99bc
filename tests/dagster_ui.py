"""The Dagster web server on a free port of 127.0.0.1, for tests that look at
what the UI shows of an instance (the operator's `servicenorms ui` without the
daemon: no schedule or sensor ticks while a test looks)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from orchestration.dbt_runner import PROJECT_DIR


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def graphql(url: str, query: str) -> dict:
    request = urllib.request.Request(
        f"{url}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"content-type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)["data"]


@contextmanager
def dagster_webserver(env: dict[str, str], log: Path, timeout: float = 300) -> Iterator[str]:
    """`dagster-webserver -m orchestration.defs.definitions` with `env` added to this
    environment (DAGSTER_HOME, SERVICENORMS_*), until its code location has loaded;
    yields the base URL."""
    port = _free_port()
    executable = Path(sys.executable).parent / "dagster-webserver"
    full_env = {**os.environ, **env}
    full_env["PATH"] = os.pathsep.join([str(executable.parent), full_env.get("PATH", "")])
    with log.open("w") as out:
        server = subprocess.Popen(
            [str(executable), "-m", "orchestration.defs.definitions", "-h", "127.0.0.1",
             "-p", str(port)],
            cwd=PROJECT_DIR, env=full_env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,  # its code server is its child: stopped with it
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"dagster-webserver exited: {log.read_text()[-2000:]}")
            try:
                nodes = graphql(url, "{ assetNodes { id } }")["assetNodes"]
                if nodes:
                    break
            except (OSError, KeyError, TypeError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"dagster-webserver did not load: {log.read_text()[-2000:]}")
            time.sleep(1)
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
