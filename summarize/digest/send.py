"""Deliver one stored message over SMTP with ``smtplib``.

``send_message`` connects (``ssl``: TLS from the start; ``starttls``: plain,
then STARTTLS, refusing to go on without it; ``none``: plain), logs in when a
username is configured and hands the message over. It returns only when the
server accepted the message for at least one recipient; every failure (server
down, connection refused, timeout, TLS failure, authentication refused, any
4xx/5xx reply) raises ``DeliveryError`` with one line naming the server and
the cause. The password is never part of a message: smtplib does not put it
in its exceptions, and ``DeliveryError`` masks it anyway in case a server
echoes it.
"""

from __future__ import annotations

import logging
import smtplib
import socket
import ssl
from collections.abc import Sequence
from dataclasses import dataclass

from summarize.digest.config import MailConfig, mask_secrets

log = logging.getLogger("briefing.digest")


class DeliveryError(RuntimeError):
    """The server did not accept the message; the message is one line naming the cause."""


@dataclass(frozen=True)
class Delivery:
    """What the server did with an accepted message."""

    accepted: tuple[str, ...]
    refused: dict[str, str]  # recipient -> "code reply" for recipients refused individually


def tls_context(mail: MailConfig) -> ssl.SSLContext:
    """Certificate-verifying TLS context; ``mail.ca_file`` adds a CA to trust."""
    context = ssl.create_default_context()
    if mail.ca_file is not None:
        context.load_verify_locations(cafile=str(mail.ca_file))
    return context


def send_message(
    raw: bytes,
    sender: str,
    recipients: Sequence[str],
    mail: MailConfig,
    password: str | None,
) -> Delivery:
    """Send ``raw`` to ``recipients``; return only once the server accepted it."""
    server = f"{mail.host}:{mail.port}"
    try:
        return _send(raw, sender, list(recipients), mail, password)
    except DeliveryError:
        raise
    except smtplib.SMTPAuthenticationError as exc:
        raise _error(server, f"authentication as {mail.username!r} refused ({_reply(exc)})", password) from None
    except smtplib.SMTPRecipientsRefused as exc:
        refused = "; ".join(f"{rcpt}: {_reply_tuple(reply)}" for rcpt, reply in exc.recipients.items())
        raise _error(server, f"every recipient refused ({refused})", password) from None
    except smtplib.SMTPSenderRefused as exc:
        raise _error(server, f"sender {exc.sender!r} refused ({_reply(exc)})", password) from None
    except smtplib.SMTPDataError as exc:
        raise _error(server, f"message refused ({_reply(exc)})", password) from None
    except smtplib.SMTPConnectError as exc:
        raise _error(server, f"connection refused by the server ({_reply(exc)})", password) from None
    except smtplib.SMTPServerDisconnected as exc:
        if isinstance(exc.__context__, TimeoutError):  # smtplib turns a read timeout into a disconnect
            raise _error(server, f"timed out after {mail.timeout:g} s waiting for the server", password) from None
        raise _error(server, f"server closed the connection ({exc or 'no reason given'})", password) from None
    except smtplib.SMTPNotSupportedError as exc:
        raise _error(server, f"server does not support a needed command ({exc})", password) from None
    except smtplib.SMTPResponseException as exc:
        raise _error(server, f"server replied {_reply(exc)}", password) from None
    except smtplib.SMTPException as exc:
        raise _error(server, f"SMTP error ({exc})", password) from None
    except ssl.SSLCertVerificationError as exc:
        raise _error(server, f"TLS failure: certificate not trusted ({exc.verify_message or exc.reason})", password) from None
    except ssl.SSLError as exc:
        raise _error(server, f"TLS failure ({exc.reason or exc})", password) from None
    except (TimeoutError, socket.timeout):
        raise _error(server, f"timed out after {mail.timeout:g} s", password) from None
    except ConnectionRefusedError:
        raise _error(server, "connection refused (is the server running?)", password) from None
    except socket.gaierror as exc:
        raise _error(server, f"cannot resolve host ({exc.strerror or exc})", password) from None
    except OSError as exc:
        raise _error(server, f"network error ({exc.strerror or exc})", password) from None


def _send(raw: bytes, sender: str, recipients: list[str], mail: MailConfig, password: str | None) -> Delivery:
    if mail.security == "ssl":
        client: smtplib.SMTP = smtplib.SMTP_SSL(mail.host, mail.port, timeout=mail.timeout, context=tls_context(mail))
    else:
        client = smtplib.SMTP(mail.host, mail.port, timeout=mail.timeout)
    with client:
        client.ehlo()
        if mail.security == "starttls":
            if not client.has_extn("starttls"):
                # Never fall back to plain text when TLS was asked for.
                raise DeliveryError(f"SMTP {mail.host}:{mail.port}: TLS failure: server does not offer STARTTLS")
            client.starttls(context=tls_context(mail))
            client.ehlo()
            log.debug("smtp: TLS established with %s:%s", mail.host, mail.port)
        if mail.username:
            client.login(mail.username, password or "")
            log.debug("smtp: logged in as %s", mail.username)
        refused = client.sendmail(sender, recipients, raw)
    return Delivery(
        accepted=tuple(r for r in recipients if r not in refused),
        refused={rcpt: _reply_tuple(reply) for rcpt, reply in refused.items()},
    )


def _reply(exc: smtplib.SMTPResponseException) -> str:
    return _reply_tuple((exc.smtp_code, exc.smtp_error))


def _reply_tuple(reply: tuple) -> str:
    code, text = reply
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {' '.join(str(text).split())}".strip()


def _error(server: str, cause: str, password: str | None) -> DeliveryError:
    line = mask_secrets(f"SMTP {server}: {cause}", [password] if password else [])
    return DeliveryError(" ".join(line.split()))
