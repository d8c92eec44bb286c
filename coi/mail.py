"""Sending email through the configured SMTP server (COI_SMTP_HOST, COI_SMTP_PORT, …)."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from typing import Iterable, Mapping


class MailError(RuntimeError):
    pass


def build_message(sender: str, to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    return message


def send_all(config: Mapping, messages: Iterable[EmailMessage]) -> int:
    """Send over one SMTP connection; returns how many were sent."""
    host = config.get("SMTP_HOST")
    if not host:
        raise MailError("No SMTP server is configured: set COI_SMTP_HOST (and COI_SMTP_PORT, COI_MAIL_FROM)")
    port = int(config.get("SMTP_PORT") or 25)
    timeout = int(config.get("SMTP_TIMEOUT") or 30)
    try:
        smtp: smtplib.SMTP
        if config.get("SMTP_SSL"):
            smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(host, port, timeout=timeout)
        with smtp:
            if config.get("SMTP_STARTTLS"):
                smtp.starttls(context=ssl.create_default_context())
            if config.get("SMTP_USERNAME"):
                smtp.login(config["SMTP_USERNAME"], config.get("SMTP_PASSWORD", ""))
            sent = 0
            for message in messages:
                smtp.send_message(message)
                sent += 1
            return sent
    except (OSError, smtplib.SMTPException) as error:
        raise MailError(f"Could not send email through {host}:{port}: {error}") from error
