"""A real ``tgate sandbox`` process for the client's tests.

``Sandbox`` starts the tgate binary (``$TGATE_BINARY``, default
``build/tgate`` of the repository) in sandbox mode on free loopback ports with
a database in a temporary directory, waits until it has registered its
webhook with the built-in emulator, and stops it (SIGTERM, then SIGKILL) on
``stop()``; it also dies with the test process. ``press_start`` is a Telegram
user pressing Start on a deep link, through the emulator's control API.

With ``$TGATE_API_EXCHANGES_DIR`` set (CTest sets it), ``url`` is a
``RecordingProxy`` in front of the sandbox's site API, so every call a test
makes is written down for api/check_openapi.py, and ``record_event`` writes
down an event a test's events_url received (the format is that script's).
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request
from http.client import HTTPConnection
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Mapping

REPO = Path(__file__).resolve().parents[3]
API_KEY = "py-client-test-key"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _die_with_parent() -> None:
    """In the child: SIGTERM when the test process dies, even by SIGKILL (a
    CTest timeout), so no sandbox outlives its test. Linux's PR_SET_PDEATHSIG."""
    ctypes.CDLL(None).prctl(1, signal.SIGTERM)


def tgate_binary() -> str:
    path = os.environ.get("TGATE_BINARY") or str(REPO / "build" / "tgate")
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"no tgate binary at {path}: build it (scripts/build.sh) or set TGATE_BINARY")
    return path


_record_lock = threading.Lock()


def _record(line: dict[str, Any]) -> None:
    """Appends one line for api/check_openapi.py, if CTest asked for them."""
    directory = os.environ.get("TGATE_API_EXCHANGES_DIR")
    if not directory:
        return
    path = Path(directory) / f"python-{os.getpid()}.jsonl"
    with _record_lock, open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps(line) + "\n")


def record_event(headers: Mapping[str, str], body: bytes) -> None:
    """An event tgate POSTed to a test's events_url, as it arrived."""
    _record({"kind": "event", "headers": {k.lower(): v for k, v in headers.items()},
             "body": body.decode("utf-8", "replace")})


class RecordingProxy:
    """A loopback reverse proxy to tgate's site API that passes each request
    through unchanged and records the exchange (the Authorization header left
    out: no key in the record). Standard library only."""

    def __init__(self, upstream_port: int) -> None:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _forward(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0") or "0"))
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                conn = HTTPConnection("127.0.0.1", proxy.upstream_port, timeout=30)
                try:
                    conn.request(self.command, self.path, body=body or None, headers=headers)
                    resp = conn.getresponse()
                    answer = resp.read()
                    status, resp_headers = resp.status, resp.getheaders()
                finally:
                    conn.close()
                self.send_response_only(status)
                for k, v in resp_headers:
                    if k.lower() not in ("connection", "transfer-encoding", "content-length"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(answer)
                _record({"method": self.command, "target": self.path,
                         "request_headers": {k: v for k, v in headers.items() if k.lower() != "authorization"},
                         "request_body": body.decode("utf-8", "replace"), "status": status,
                         "content_type": dict((k.lower(), v) for k, v in resp_headers).get("content-type", ""),
                         "response_body": answer.decode("utf-8", "replace")})

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _forward  # noqa: N815

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.upstream_port = upstream_port
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class Sandbox:
    def __init__(self, env: dict[str, str] | None = None) -> None:
        self._extra_env = env or {}
        self._dir = tempfile.TemporaryDirectory(prefix="tgate-pyclient-")
        self.port = 0
        self.emulator_port = 0
        self._proc: subprocess.Popen[bytes] | None = None
        self._proxy: RecordingProxy | None = None
        self._log = Path(self._dir.name) / "tgate.log"

    @property
    def url(self) -> str:
        """The site API: through the recording proxy when CTest records."""
        return f"http://127.0.0.1:{self._proxy.port if self._proxy else self.port}"

    @property
    def emulator_url(self) -> str:
        return f"http://127.0.0.1:{self.emulator_port}"

    def start(self, timeout: float = 30.0) -> None:
        # A port taken between free_port() and tgate's bind makes tgate exit:
        # try again with others.
        for _ in range(3):
            self.port, self.emulator_port = free_port(), free_port()
            # Only the test's settings: none of the caller's TGATE_* variables.
            env = {k: v for k, v in os.environ.items() if not k.startswith("TGATE_")}
            env.update({"TGATE_API_KEY": API_KEY, **self._extra_env})
            with open(self._log, "wb") as log:
                self._proc = subprocess.Popen(
                    [
                        tgate_binary(),
                        "sandbox",
                        "--listen",
                        f"127.0.0.1:{self.port}",
                        "--emulator-port",
                        str(self.emulator_port),
                        "--db",
                        str(Path(self._dir.name) / "sandbox.db"),
                    ],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env=env,
                    cwd=self._dir.name,
                    preexec_fn=_die_with_parent,
                )
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and self._proc.poll() is None:
                # The walkthrough is printed once the webhook is registered.
                if b"tgate sandbox is running" in self._log.read_bytes():
                    if os.environ.get("TGATE_API_EXCHANGES_DIR"):
                        self._proxy = RecordingProxy(self.port)
                    return
                time.sleep(0.05)
            self._kill()
        raise RuntimeError("tgate sandbox did not start:\n" + self.log())

    def log(self) -> str:
        return self._log.read_bytes().decode("utf-8", "replace") if self._log.exists() else ""

    def _kill(self) -> None:
        if self._proxy is not None:
            self._proxy.stop()
            self._proxy = None
        if self._proc is None:
            return
        if self._proc.poll() is None:
            self._proc.send_signal(signal.SIGTERM)
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._proc = None

    def stop(self) -> None:
        self._kill()
        self._dir.cleanup()

    def emulator(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.emulator_url + path, data=data, method=method)
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.loads(resp.read())

    def press_start(self, telegram_user: int, token: str) -> None:
        self.emulator("POST", "/control/start", {"user_id": telegram_user, "payload": token})

    def sent_texts(self, chat_id: int) -> list[str]:
        answer = self.emulator("GET", f"/control/sent?chat_id={chat_id}")
        return [str(m["text"]) for m in answer["messages"]]


def wait_until(predicate: Any, timeout: float = 10.0, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())
