"""Sending mail through the project's SMTP server (``[notify]`` in chorus.toml).

STARTTLS is used whenever the server offers it (with the system's certificates, or
``smtp_cafile``); a password (``CHORUS_SMTP_PASSWORD``, never in chorus.toml) is only ever
sent over TLS. A failure is an :class:`MailFailed`: the queue tries again later.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

TIMEOUT = 30


class MailFailed(Exception):
    """The mail could not be handed to the server (it is tried again)."""


def build(sender: str, to: str, subject: str, text: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip(">") or None)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    return message


def send(settings: dict, message: EmailMessage, password: str | None) -> None:
    """Hand ``message`` to ``settings["smtp_host"]``:``smtp_port``, with STARTTLS when offered
    and a login when ``smtp_user`` is set."""
    host, port = settings["smtp_host"], settings["smtp_port"]
    try:
        with smtplib.SMTP(host, port, timeout=TIMEOUT) as smtp:
            smtp.ehlo()
            if smtp.has_extn("starttls"):
                context = ssl.create_default_context(cafile=settings.get("smtp_cafile"))
                smtp.starttls(context=context)
                smtp.ehlo()
            elif settings.get("smtp_user"):
                raise MailFailed(f"{host}:{port} offers no STARTTLS: the password is not sent in clear")
            if settings.get("smtp_user"):
                if not password:
                    raise MailFailed("smtp_user is set but CHORUS_SMTP_PASSWORD is not")
                smtp.login(settings["smtp_user"], password)
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException, ssl.SSLError) as error:
        raise MailFailed(f"{host}:{port}: {error}") from None
