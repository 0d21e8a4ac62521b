"""Webhooks for the publishing site, chat bots and CMSs, signed the Standard Webhooks way.

Each event is POSTed as JSON (``{"type", "timestamp", "data"}``) with the headers
``webhook-id`` (the same on every attempt, so a receiver can drop duplicates),
``webhook-timestamp`` (seconds, this attempt) and ``webhook-signature`` (``v1,`` and the
base64 HMAC-SHA256 of ``id.timestamp.body`` under the secret, made by the ``standardwebhooks``
library). A receiver checks it with that library or any other implementation of the spec.
An answer other than 2xx, or none, is a :class:`WebhookFailed`: the queue tries again later.
"""

from __future__ import annotations

import datetime as dt

TIMEOUT = 10


class WebhookFailed(Exception):
    """The receiver did not take the event (it is tried again)."""


def signer(secret: str):
    """A signer for ``secret`` (``whsec_`` and base64, as Standard Webhooks secrets are
    written); a bad secret is a ValueError."""
    from standardwebhooks.webhooks import Webhook

    try:
        return Webhook(secret)
    except Exception as error:  # noqa: BLE001 — binascii errors, an empty secret
        raise ValueError(f"webhook_secret is not a Standard Webhooks secret (whsec_ and base64): {error}") from None


def headers(secret: str, message_id: str, body: str, now: dt.datetime | None = None) -> dict[str, str]:
    now = now or dt.datetime.now(dt.timezone.utc)
    return {
        "content-type": "application/json",
        "user-agent": "Chorus",
        "webhook-id": message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signer(secret).sign(message_id, now, body),
    }


def post(url: str, body: str, message_id: str, secret: str) -> int:
    """Deliver one event; the receiver's status code, or :class:`WebhookFailed`."""
    import requests

    try:
        response = requests.post(url, data=body.encode("utf-8"), headers=headers(secret, message_id, body),
                                 timeout=TIMEOUT, allow_redirects=False)
    except requests.RequestException as error:
        raise WebhookFailed(f"{url}: {error}") from None
    if not 200 <= response.status_code < 300:
        raise WebhookFailed(f"{url} answered {response.status_code}")
    return response.status_code
