"""SMTP delivery against a real aiosmtpd server on 127.0.0.1: plain, STARTTLS + AUTH, implicit TLS, failures."""

from __future__ import annotations

import pytest

from summarize.digest.config import MailConfig
from summarize.digest.send import DeliveryError, send_message

from digest_support import HOST, free_port, self_signed_certificate, server_tls_context, silent_server, smtp_server

RAW = b"From: a@example.org\r\nTo: b@example.org\r\nSubject: hi\r\nMessage-ID: <1@example.org>\r\n\r\nbody\r\n"
PASSWORD = "pa55-w0rd-xyz"


def _mail(port: int, **changes) -> MailConfig:
    values = dict(to=("b@example.org",), sender="a@example.org", host=HOST, port=port, security="none", timeout=5.0)
    values.update(changes)
    return MailConfig(**values)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    return self_signed_certificate(tmp_path_factory.mktemp("tls"))


def test_plain_delivery(tmp_path):
    with smtp_server() as server:
        delivery = send_message(RAW, "a@example.org", ["b@example.org"], _mail(server.port), None)
    assert delivery.accepted == ("b@example.org",) and delivery.refused == {}
    assert len(server.messages) == 1
    assert server.messages[0].rcpt_tos == ["b@example.org"]
    assert b"Subject: hi" in server.messages[0].data


def test_starttls_and_authentication(certificate):
    cert, key = certificate
    with smtp_server(starttls=server_tls_context(cert, key), credentials=("bot", PASSWORD)) as server:
        mail = _mail(server.port, security="starttls", username="bot", ca_file=cert)
        send_message(RAW, "a@example.org", ["b@example.org"], mail, PASSWORD)
        assert [m.login for m in server.messages] == ["bot"]
        with pytest.raises(DeliveryError) as caught:
            send_message(RAW, "a@example.org", ["b@example.org"], mail, "wrong-" + PASSWORD)
    assert "authentication as 'bot' refused (535" in str(caught.value)
    assert PASSWORD not in str(caught.value)
    assert len(server.messages) == 1


def test_implicit_tls(certificate):
    cert, key = certificate
    with smtp_server(implicit_tls=server_tls_context(cert, key)) as server:
        send_message(RAW, "a@example.org", ["b@example.org"], _mail(server.port, security="ssl", ca_file=cert), None)
    assert len(server.messages) == 1


def test_untrusted_certificate_is_a_tls_failure(certificate):
    cert, key = certificate
    with smtp_server(starttls=server_tls_context(cert, key)) as server:
        with pytest.raises(DeliveryError, match="TLS failure: certificate not trusted"):
            send_message(RAW, "a@example.org", ["b@example.org"], _mail(server.port, security="starttls"), None)
    assert server.messages == []


def test_starttls_is_never_skipped_when_the_server_lacks_it():
    with smtp_server() as server:
        with pytest.raises(DeliveryError, match="server does not offer STARTTLS"):
            send_message(RAW, "a@example.org", ["b@example.org"], _mail(server.port, security="starttls"), None)
    assert server.messages == []


def test_server_down_is_connection_refused():
    port = free_port()  # nothing listens there
    with pytest.raises(DeliveryError) as caught:
        send_message(RAW, "a@example.org", ["b@example.org"], _mail(port), None)
    assert str(caught.value) == f"SMTP {HOST}:{port}: connection refused (is the server running?)"


@pytest.mark.parametrize("reply", ["451 4.3.0 try again later", "554 5.7.1 rejected as spam"])
def test_4xx_and_5xx_replies_are_failures_naming_the_reply(reply):
    with smtp_server() as server:
        server.handler.reply = reply
        with pytest.raises(DeliveryError, match=f"message refused \\({reply}\\)"):
            send_message(RAW, "a@example.org", ["b@example.org"], _mail(server.port), None)
    assert server.messages == []


def test_silent_server_times_out():
    with silent_server() as port:
        with pytest.raises(DeliveryError, match="timed out after 0.5 s"):
            send_message(RAW, "a@example.org", ["b@example.org"], _mail(port, timeout=0.5), None)
