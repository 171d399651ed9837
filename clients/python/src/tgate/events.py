"""Verifying the events tgate POSTs to the site's ``events_url``.

tgate signs each event with the ``events_secret`` of its configuration::

    X-Tgate-Event-Id:  <id>            (dedupe on it: an event may come twice)
    X-Tgate-Timestamp: <unix seconds>
    X-Tgate-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>

``verify_event`` checks the signature over the raw body and that the timestamp
is recent, so a captured request cannot be replayed later.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

EVENT_ID_HEADER = "X-Tgate-Event-Id"
TIMESTAMP_HEADER = "X-Tgate-Timestamp"
SIGNATURE_HEADER = "X-Tgate-Signature"


class SignatureError(Exception):
    """The event is not from tgate: missing, bad or stale signature, or not JSON."""


@dataclass(frozen=True)
class Event:
    """A verified event: ``type`` ("user.linked", "message.sent", ...) and its JSON."""

    id: str
    timestamp: int
    type: str
    data: dict[str, Any] = field(repr=False)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is not None:
        return value
    wanted = name.lower()
    for key, v in headers.items():
        if key.lower() == wanted:
            return v
    # WSGI/Django META spelling: HTTP_X_TGATE_SIGNATURE.
    return headers.get("HTTP_" + name.upper().replace("-", "_"))


def sign_event(secret: str | bytes, timestamp: int, body: bytes | str) -> str:
    """The X-Tgate-Signature value tgate sends for ``body`` at ``timestamp``."""
    key = secret.encode() if isinstance(secret, str) else secret
    raw = body.encode() if isinstance(body, str) else body
    mac = hmac.new(key, str(timestamp).encode() + b"." + raw, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify_event(
    headers: Mapping[str, str],
    body: bytes | str,
    secret: str | bytes,
    tolerance: int = 300,
    *,
    now: float | None = None,
) -> Event:
    """Checks a request from tgate and returns its event.

    ``headers`` are the request's headers (any case; Django's ``request.META``
    works too), ``body`` its raw body, unparsed. Raises ``SignatureError`` if
    the signature is missing or wrong, or the timestamp is more than
    ``tolerance`` seconds away from ``now`` (default: the current time).
    """
    if not secret:
        raise ValueError("verify_event needs the events_secret of tgate's configuration")
    signature = _header(headers, SIGNATURE_HEADER)
    stamp = _header(headers, TIMESTAMP_HEADER)
    if not signature:
        raise SignatureError(f"no {SIGNATURE_HEADER} header (is events_secret set in tgate?)")
    if not stamp:
        raise SignatureError(f"no {TIMESTAMP_HEADER} header")
    try:
        timestamp = int(stamp.strip())
    except ValueError:
        raise SignatureError(f"{TIMESTAMP_HEADER} is not a number") from None
    expected = sign_event(secret, timestamp, body)
    if not hmac.compare_digest(expected.encode(), signature.strip().encode()):
        raise SignatureError("the signature does not match the body (wrong secret, or the body was changed)")
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise SignatureError(
            f"the timestamp is {int(current - timestamp)} s away from now (more than {tolerance} s): "
            "a replay, or a clock out of sync"
        )
    try:
        data = json.loads(body)
    except ValueError:
        raise SignatureError("the body is not JSON") from None
    if not isinstance(data, dict):
        raise SignatureError("the body is not a JSON object")
    return Event(
        id=_header(headers, EVENT_ID_HEADER) or "",
        timestamp=timestamp,
        type=str(data.get("type", "")),
        data=data,
    )
