"""Real components for the digest tests: an aiosmtpd server on 127.0.0.1 and a self-signed certificate.

aiosmtpd's ``Controller(port=0)`` does not work, so a free port is found by
binding a socket to port 0 first. The handler records every accepted message
and can be told to refuse (``reply``) or to hold a delivery until released
(``gate``), which the concurrency test uses to keep a run inside its send.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import ipaddress
import socket
import ssl
import threading
from dataclasses import dataclass, field
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

HOST = "127.0.0.1"
WAIT = 20  # seconds: upper bound of any wait in a test, never a sleep


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    login: str | None


@dataclass
class RecordingHandler:
    messages: list[Received] = field(default_factory=list)
    reply: str | None = None  # e.g. "451 4.3.0 try again later": refuse DATA with this reply
    gate: threading.Event | None = None  # when set up, DATA waits until the event is set
    entered: threading.Event = field(default_factory=threading.Event)  # set when a DATA arrives
    rcpt_gate: threading.Event | None = None  # when set up, RCPT TO waits until the event is set
    rcpt_entered: threading.Event = field(default_factory=threading.Event)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.rcpt_entered.set()
        if self.rcpt_gate is not None:
            await asyncio.get_running_loop().run_in_executor(None, self.rcpt_gate.wait, WAIT)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.entered.set()
        if self.gate is not None:
            await asyncio.get_running_loop().run_in_executor(None, self.gate.wait, WAIT)
        if self.reply:
            return self.reply
        login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
        self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content, login))
        return "250 OK"


@dataclass
class Server:
    host: str
    port: int
    handler: RecordingHandler

    @property
    def messages(self) -> list[Received]:
        return self.handler.messages


def password_authenticator(username: str, password: str):
    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == username and auth_data.password.decode() == password
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    return authenticate


@contextlib.contextmanager
def smtp_server(
    *,
    starttls: ssl.SSLContext | None = None,
    implicit_tls: ssl.SSLContext | None = None,
    credentials: tuple[str, str] | None = None,
    port: int | None = None,
):
    """A running SMTP server; STARTTLS required when ``starttls`` is given, AUTH when ``credentials``."""
    handler = RecordingHandler()
    kwargs: dict = {}
    if starttls is not None:
        kwargs.update(tls_context=starttls, require_starttls=True)
    if implicit_tls is not None:
        kwargs.update(ssl_context=implicit_tls)
    if credentials is not None:
        kwargs.update(authenticator=password_authenticator(*credentials), auth_required=True)
    port = port or free_port()
    controller = Controller(handler, hostname=HOST, port=port, ready_timeout=WAIT, **kwargs)
    controller.start()
    try:
        yield Server(HOST, port, handler)
    finally:
        controller.stop()


@contextlib.contextmanager
def silent_server():
    """A socket that accepts connections but never says a word: SMTP clients time out."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind((HOST, 0))
        listener.listen(8)
        yield listener.getsockname()[1]


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for localhost and 127.0.0.1 and its key, made with ``cryptography``."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(HOST))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def server_tls_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


def toml_text(data: dict) -> str:
    """A TOML document of tables holding strings, numbers, booleans and lists of strings."""

    def value(v) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, float)):
            return repr(v)
        if isinstance(v, (list, tuple)):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = [f"{k} = {value(v)}" for k, v in data.items() if not isinstance(v, dict)]  # top-level keys come first
    for section, table in data.items():
        if not isinstance(table, dict):
            continue
        lines.append(f"[{section}]")
        subtables = {k: v for k, v in table.items() if isinstance(v, dict)}
        lines += [f"{k} = {value(v)}" for k, v in table.items() if not isinstance(v, dict)]
        for name, sub in subtables.items():
            lines.append(f"[{section}.{name}]")
            lines += [f"{k} = {value(v)}" for k, v in sub.items()]
        lines.append("")
    return "\n".join(lines)


def digest_config(folder: Path, article_paths: list[Path] | None = None, port: int = 25, **sections) -> Path:
    """Write a digest config whose state and outbox live in ``folder``; sections override defaults (None drops one)."""
    data = {
        "sources": {"paths": [str(p) for p in (article_paths or [])]},
        "window": {"since": "24h"},
        "engine": {"name": "extractive", "max_words": 60},
        "mail": {
            "to": ["reader@example.org"],
            "from": "Briefing <briefing@example.org>",
            "host": HOST,
            "port": port,
            "security": "none",
            "timeout": 5,
        },
        "paths": {"state_db": str(folder / "state.sqlite3"), "outbox": str(folder / "outbox")},
    }
    for section, values in sections.items():
        if values is None:  # mail=None: a config without that section
            data.pop(section, None)
        elif not isinstance(values, dict):  # timezone="UTC": a key at the top of the file
            data[section] = values
        else:
            data.setdefault(section, {}).update(values)
    path = folder / "digest.toml"
    path.write_text(toml_text(data), encoding="utf-8")
    return path


# -- a real HTTP server for webhooks --------------------------------------------------


@dataclass
class Reply:
    status: int = 200
    body: bytes = b"ok"
    headers: dict = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering (a timeout test makes the client give up first)


@dataclass
class WebhookServer:
    """What the server received (JSON bodies, in order) and what it answers next (``replies``, then 200)."""

    port: int
    replies: list[Reply] = field(default_factory=list)
    received: list[dict] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/hooks/T000/B000/secret-token-123"


@contextlib.contextmanager
def webhook_server():
    """A standard-library HTTP server on 127.0.0.1 in a thread, answering POSTs as scripted."""
    import http.server
    import json

    state = WebhookServer(port=0)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (the standard library's name)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            state.paths.append(self.path)
            reply = state.replies.pop(0) if state.replies else Reply()
            if reply.delay:
                state.stop.wait(reply.delay)
            if reply.status < 300:
                state.received.append(json.loads(body))
            try:
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, *args):  # quiet
            pass

    server = http.server.ThreadingHTTPServer((HOST, 0), Handler)
    server.daemon_threads = True
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.stop.set()
        server.shutdown()
        server.server_close()
        thread.join(WAIT)
