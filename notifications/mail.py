"""Sending one e-mail over SMTP, telling transient failures from permanent ones."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import formatdate


class TransientMailError(Exception):
    """Try again later: the server is away or said 4xx."""


class PermanentMailError(Exception):
    """Do not retry: the server refused the message or the address (5xx)."""


def send(
    *,
    server: str,
    port: int,
    sender: str,
    to_addr: str,
    subject: str,
    body: str,
    message_id: str,
    timeout: float,
) -> None:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to_addr
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = message_id
    message.set_content(body)
    try:
        with smtplib.SMTP(server, port, timeout=timeout) as smtp:
            smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        if all(400 <= code < 500 for code in codes):
            raise TransientMailError(str(exc)) from exc
        raise PermanentMailError(str(exc)) from exc
    except smtplib.SMTPResponseException as exc:
        if 400 <= exc.smtp_code < 500:
            raise TransientMailError(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
        raise PermanentMailError(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
    except (TimeoutError, smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, OSError) as exc:
        raise TransientMailError(str(exc) or type(exc).__name__) from exc
