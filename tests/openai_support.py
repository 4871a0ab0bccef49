"""Real local servers for the openai engine's tests.

``serve_model`` runs ``transformers serve`` (transformers' own OpenAI-compatible
FastAPI server) on a free loopback port; ``FaultServer`` is a small standard
library HTTP server that answers chat completions the way failing servers do,
chosen by the first segment of the URL path: ``http://127.0.0.1:PORT/SCENARIO/v1``.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ANSWER = "Russia and Ukraine held talks in Istanbul on Friday. No ceasefire was agreed."


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServeUnavailable(RuntimeError):
    """``transformers serve`` cannot run here; the message says why."""


@contextlib.contextmanager
def serve_model(model_dir: Path, timeout_s: float = 120.0):
    """Run ``transformers serve MODEL_DIR`` on 127.0.0.1; yields its base URL (``.../v1``).

    Waits for ``GET /health``; raises ServeUnavailable when the server exits
    or is not ready within ``timeout_s``. The server is stopped on exit.
    """
    for module in ("fastapi", "uvicorn", "accelerate"):
        try:
            __import__(module)
        except ImportError:
            raise ServeUnavailable(f"transformers serve needs {module}: pip install -e '.[dev]'") from None
    port = free_port()
    command = [str(Path(sys.executable).with_name("transformers")), "serve", str(model_dir),
               "--host", "127.0.0.1", "--port", str(port), "--device", "cpu", "--log-level", "warning"]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}
    log = open(Path(model_dir).parent / f"serve-{port}.log", "w+", encoding="utf-8")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            if process.poll() is not None:
                log.seek(0)
                tail = log.read()[-400:].strip().replace("\n", " | ")
                raise ServeUnavailable(f"transformers serve exited with {process.returncode}: {tail}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise ServeUnavailable(f"transformers serve not ready within {timeout_s:.0f} s")
            time.sleep(0.3)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


class FaultServer:
    """Chat completions that fail the way servers do; scenario = first path segment.

    Scenarios (a ``-suffix`` keeps each test's counters apart, e.g. ``/429-a/v1``):
      ok           models list and a fixed answer
      slowok       the fixed answer after 0.3 s (for concurrency)
      429          429 with Retry-After: 1 on the first chat request, then the answer
      500          500 on the first chat request, then the answer
      always500    500 on every chat request
      slow         the answer after 3 s (for timeouts)
      badjson      200 with a body that is not JSON
      nochoices    200 with a JSON object without choices
      auth         401 unless the Authorization header is "Bearer sekret"
      nomodels     404 for /models, answers chat requests
      length       the answer cut by the token limit (finish_reason "length")
    ``requests[scenario]`` counts chat requests; ``max_in_flight[scenario]``
    is the most chat requests handled at once; ``bodies[scenario]`` keeps the
    request bodies.
    """

    def __init__(self) -> None:
        self.requests: dict[str, int] = defaultdict(int)
        self.in_flight: dict[str, int] = defaultdict(int)
        self.max_in_flight: dict[str, int] = defaultdict(int)
        self.bodies: dict[str, list[dict]] = defaultdict(list)
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                scenario = self.path.strip("/").split("/")[0]
                kind = scenario.split("-")[0]
                if kind == "nomodels" or not self.path.endswith("/models"):
                    return self._send(404, {"error": {"message": "no such route"}})
                if kind == "auth" and self.headers.get("Authorization") != "Bearer sekret":
                    return self._send(401, {"error": {"message": "invalid api key"}})
                self._send(200, {"object": "list", "data": [{"id": "tiny", "object": "model"}]})

            def do_POST(self):
                scenario = self.path.strip("/").split("/")[0]
                kind = scenario.split("-")[0]
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                with server._lock:
                    server.requests[scenario] += 1
                    number = server.requests[scenario]
                    server.bodies[scenario].append(body)
                    server.in_flight[scenario] += 1
                    server.max_in_flight[scenario] = max(server.max_in_flight[scenario], server.in_flight[scenario])
                try:
                    self._answer(kind, number, body)
                finally:
                    with server._lock:
                        server.in_flight[scenario] -= 1

            def _answer(self, kind, number, body):
                if kind == "auth" and self.headers.get("Authorization") != "Bearer sekret":
                    return self._send(401, {"error": {"message": "invalid api key"}})
                if kind == "429" and number == 1:
                    return self._send(429, {"error": {"message": "slow down"}}, {"Retry-After": "1"})
                if (kind == "500" and number == 1) or kind == "always500":
                    return self._send(500, {"error": {"message": "model crashed"}})
                if kind == "slow":
                    time.sleep(3)
                if kind == "slowok":
                    time.sleep(0.3)
                if kind == "badjson":
                    return self._send_raw(200, b'{"choices": [ not json', "application/json")
                if kind == "nochoices":
                    return self._send(200, {"object": "chat.completion", "model": "tiny"})
                finish = "length" if kind == "length" else "stop"
                text = ANSWER + " The delegations will meet aga" if kind == "length" else ANSWER
                self._send(200, {
                    "id": "c1", "object": "chat.completion", "created": 0, "model": body.get("model", "tiny"),
                    "choices": [{"index": 0, "finish_reason": finish, "message": {"role": "assistant", "content": text}}],
                })

            def _send(self, status, payload, headers=None):
                self._send_raw(status, json.dumps(payload).encode(), "application/json", headers)

            def _send_raw(self, status, data, content_type, headers=None):
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in (headers or {}).items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout tests)
                    pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def url(self, scenario: str) -> str:
        return f"http://127.0.0.1:{self.port}/{scenario}/v1"

    def __enter__(self) -> FaultServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
