"""``Tgate``: the site API of tgate over HTTP, standard library only.

    tg = Tgate("http://127.0.0.1:8080", api_key="...")
    link = tg.links.create(user="42", qr="svg")
    tg.messages.send(user="42", text="Order shipped")

Calls are synchronous (urllib). Errors raise the exceptions of
``tgate.errors``. A call that creates something (a message, a broadcast) gets
an ``Idempotency-Key`` unless the caller gives one; when the connection fails
the call is retried with the same key, so tgate stores it once.
"""

from __future__ import annotations

import http.client
import json
import secrets
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import ServerError, TgateConnectionError, TgateError, error_for

__all__ = [
    "Tgate",
    "Link",
    "User",
    "QueuedMessage",
    "Message",
    "CreatedBroadcast",
    "BroadcastProgress",
]

Json = dict[str, Any]


@dataclass(frozen=True)
class Link:
    token: str
    url: str  # https://t.me/<bot>?start=<token>
    start_command: str  # "/start <token>", a copyable fallback
    expires_at: int  # Unix seconds
    qr_svg: str | None = None  # the url as an SVG QR code, when asked with qr="svg"


@dataclass(frozen=True)
class User:
    user: str
    chat_id: int
    status: str  # "active" or "blocked"
    linked_at: int


@dataclass(frozen=True)
class QueuedMessage:
    id: int
    status: str
    idempotency_key: str  # the key sent (generated unless given)


@dataclass(frozen=True)
class Message:
    id: int
    status: str  # "queued", "sent", "failed", ...
    attempts: int
    telegram_message_id: int | None = None
    error: str | None = None


@dataclass(frozen=True)
class CreatedBroadcast:
    id: int
    total: int
    skipped: int
    idempotency_key: str


@dataclass(frozen=True)
class BroadcastProgress:
    id: int
    status: str  # "running", "done" or "cancelled"
    total: int
    sent: int
    failed: int
    pending: int
    cancelled: int

    @property
    def finished(self) -> bool:
        return self.status != "running"


def new_idempotency_key() -> str:
    """A fresh random key (tgate takes 1-255 printable ASCII characters)."""
    return "py-" + secrets.token_urlsafe(24)


def _drop_none(fields: dict[str, Any]) -> Json:
    return {k: v for k, v in fields.items() if v is not None}


class Tgate:
    """A client of one tgate. ``bot`` names the bot to use (default: tgate's first).

    ``retries`` is how often a call is retried after a connection error
    (refused, reset, timed out); only calls safe to repeat are: reads,
    deletes, and creations with an Idempotency-Key.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        bot: str | None = None,
        timeout: float = 10.0,
        retries: int = 2,
        retry_backoff: float = 0.5,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError("base_url must start with http:// or https://, e.g. http://127.0.0.1:8080")
        if not api_key:
            raise ValueError("api_key is required (tgate's api_key setting)")
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        self.bot = bot
        self.timeout = timeout
        self.retries = retries
        self.retry_backoff = retry_backoff
        self.links = Links(self)
        self.users = Users(self)
        self.messages = Messages(self)
        self.broadcasts = Broadcasts(self)

    def __repr__(self) -> str:  # never the key
        return f"Tgate({self.base_url!r})"

    # The one place HTTP happens.
    def request(
        self,
        method: str,
        path: str,
        body: Json | None = None,
        *,
        idempotency_key: str | None = None,
        retry: bool = True,
    ) -> Json | None:
        """Calls tgate; the JSON answer (None for 204). Raises TgateError."""
        url = self.base_url + path
        if self.bot is not None and method in ("GET", "DELETE"):
            url += ("&" if "?" in path else "?") + urllib.parse.urlencode({"bot": self.bot})
        data = None
        headers = {"Authorization": f"Bearer {self._api_key}", "Accept": "application/json"}
        if body is not None:
            if self.bot is not None:
                body = {**body, "bot": self.bot}
            data = json.dumps(body, separators=(",", ":")).encode()
            headers["Content-Type"] = "application/json"
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        attempts = 1 + (self.retries if retry else 0)
        for attempt in range(attempts):
            req = urllib.request.Request(url, data=data, method=method, headers=headers)
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                    raw = resp.read()
                    status = resp.status
            except urllib.error.HTTPError as e:
                raise self._error(e.code, e.read()) from None
            except (urllib.error.URLError, http.client.HTTPException, OSError, socket.timeout) as e:
                reason = getattr(e, "reason", e)
                if attempt + 1 < attempts:
                    time.sleep(self.retry_backoff * (2**attempt))
                    continue
                raise TgateConnectionError(f"{method} {path}: cannot reach tgate at {self.base_url}: {reason}") from e
            if not raw:
                return None
            try:
                answer = json.loads(raw)
            except ValueError:
                raise ServerError(status, "invalid_answer", f"{method} {path}: the answer is not JSON") from None
            if not isinstance(answer, dict):
                raise ServerError(status, "invalid_answer", f"{method} {path}: the answer is not a JSON object")
            return answer
        raise AssertionError("unreachable")

    @staticmethod
    def _error(status: int, raw: bytes) -> TgateError:
        code, message = "http_" + str(status), raw.decode("utf-8", "replace")[:500]
        try:
            err = json.loads(raw)["error"]
            code, message = str(err["code"]), str(err["message"])
        except (ValueError, KeyError, TypeError):
            pass
        return error_for(status, code, message)


class _Resource:
    def __init__(self, client: Tgate) -> None:
        self._client = client


class Links(_Resource):
    def create(self, user: str, *, ttl_seconds: int | None = None, qr: str | None = None) -> Link:
        """A one-time deep link for site user ``user``; ``qr="svg"`` adds ``qr_svg``.

        Not retried after a connection error (a retry would issue a second token).
        """
        a = self._client.request(
            "POST", "/v1/links", _drop_none({"user": user, "ttl_seconds": ttl_seconds, "qr": qr}), retry=False
        )
        assert a is not None
        return Link(
            token=a["token"],
            url=a["url"],
            start_command=a["start_command"],
            expires_at=a["expires_at"],
            qr_svg=a.get("qr_svg"),
        )


class Users(_Resource):
    def get(self, user: str) -> User:
        """The chat site user ``user`` is linked to; NotFoundError if not linked."""
        a = self._client.request("GET", "/v1/users/" + urllib.parse.quote(user, safe=""))
        assert a is not None
        return User(user=a["user"], chat_id=a["chat_id"], status=a["status"], linked_at=a["linked_at"])

    def unlink(self, user: str) -> None:
        """Forgets the user's chat; NotFoundError if not linked."""
        self._client.request("DELETE", "/v1/users/" + urllib.parse.quote(user, safe=""))


class Messages(_Resource):
    def send(
        self,
        text: str,
        *,
        user: str | None = None,
        chat_id: int | None = None,
        parse_mode: str | None = None,
        entities: Sequence[Json] | None = None,
        disable_notification: bool | None = None,
        protect_content: bool | None = None,
        reply_markup: Json | None = None,
        link_preview_options: Json | None = None,
        ttl_seconds: int | None = None,
        idempotency_key: str | None = None,
    ) -> QueuedMessage:
        """Queues ``text`` for a site user (or a chat id). tgate has stored it when this returns."""
        if (user is None) == (chat_id is None):
            raise ValueError("give either user or chat_id")
        key = idempotency_key or new_idempotency_key()
        body = _drop_none(
            {
                "user": user,
                "chat_id": chat_id,
                "text": text,
                "parse_mode": parse_mode,
                "entities": list(entities) if entities is not None else None,
                "disable_notification": disable_notification,
                "protect_content": protect_content,
                "reply_markup": reply_markup,
                "link_preview_options": link_preview_options,
                "ttl_seconds": ttl_seconds,
            }
        )
        a = self._client.request("POST", "/v1/messages", body, idempotency_key=key)
        assert a is not None
        return QueuedMessage(id=a["id"], status=a["status"], idempotency_key=key)

    def get(self, id: int) -> Message:
        a = self._client.request("GET", f"/v1/messages/{int(id)}")
        assert a is not None
        return Message(
            id=a["id"],
            status=a["status"],
            attempts=a.get("attempts", 0),
            telegram_message_id=a.get("telegram_message_id"),
            error=a.get("error"),
        )


class Broadcasts(_Resource):
    def create(
        self,
        text: str,
        *,
        users: Sequence[str] | None = None,
        all: bool = False,
        spread_seconds: int | None = None,
        paid: bool | None = None,
        ttl_seconds: int | None = None,
        parse_mode: str | None = None,
        entities: Sequence[Json] | None = None,
        disable_notification: bool | None = None,
        protect_content: bool | None = None,
        reply_markup: Json | None = None,
        link_preview_options: Json | None = None,
        idempotency_key: str | None = None,
    ) -> CreatedBroadcast:
        """Sends ``text`` to ``users`` (site user ids) or, with ``all=True``, to every linked user."""
        if (users is None) == (not all):
            raise ValueError("give either users=[...] or all=True")
        key = idempotency_key or new_idempotency_key()
        body = _drop_none(
            {
                "users": list(users) if users is not None else None,
                "all": True if all else None,
                "text": text,
                "spread_seconds": spread_seconds,
                "paid": paid,
                "ttl_seconds": ttl_seconds,
                "parse_mode": parse_mode,
                "entities": list(entities) if entities is not None else None,
                "disable_notification": disable_notification,
                "protect_content": protect_content,
                "reply_markup": reply_markup,
                "link_preview_options": link_preview_options,
            }
        )
        a = self._client.request("POST", "/v1/broadcasts", body, idempotency_key=key)
        assert a is not None
        return CreatedBroadcast(id=a["id"], total=a["total"], skipped=a.get("skipped", 0), idempotency_key=key)

    def get(self, id: int) -> BroadcastProgress:
        return self._progress(self._client.request("GET", f"/v1/broadcasts/{int(id)}"))

    def cancel(self, id: int) -> BroadcastProgress:
        """Cancels what is not sent yet; the counts after."""
        return self._progress(self._client.request("DELETE", f"/v1/broadcasts/{int(id)}"))

    def progress(
        self, id: int, *, interval: float = 2.0, timeout: float | None = None
    ) -> Iterator[BroadcastProgress]:
        """Yields the broadcast's counts every ``interval`` seconds until it is done or cancelled
        (the last one yielded is final). ``timeout``: stop waiting after that many seconds
        (raises TimeoutError)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            p = self.get(id)
            yield p
            if p.finished:
                return
            if deadline is not None and time.monotonic() >= deadline:
                raise TimeoutError(f"broadcast {id} still running after {timeout} s: {p}")
            time.sleep(interval)

    @staticmethod
    def _progress(a: Json | None) -> BroadcastProgress:
        assert a is not None
        return BroadcastProgress(
            id=a["id"],
            status=a["status"],
            total=a["total"],
            sent=a["sent"],
            failed=a["failed"],
            pending=a["pending"],
            cancelled=a.get("cancelled", 0),
        )
