"""tgate's errors as exceptions, one class per family.

Every error answer of tgate's site API is ``{"error": {"code", "message"}}``
with an HTTP status; the exception carries all three. Catch ``TgateError`` for
all of them, or a family: ``ClientError`` (the request is wrong: 400, 413,
422), ``AuthError`` (401, 403), ``NotFoundError`` (404), ``ConflictError``
(409: the user has blocked the bot), ``RateLimitError`` (429) and
``ServerError`` (5xx, and tgate unreachable: ``TgateConnectionError``).
"""

from __future__ import annotations


class TgateError(Exception):
    """An error answer from tgate (or no answer at all)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status  # the HTTP status; 0 when tgate did not answer
        self.code = code  # tgate's machine word, e.g. "invalid_argument"
        self.message = message  # what is wrong, for a human


class ClientError(TgateError):
    """The request is invalid (400, 405, 413, 422, and any other 4xx)."""


class AuthError(TgateError):
    """The API key is missing or wrong (401), or not allowed (403)."""


class NotFoundError(TgateError):
    """No such user, message or broadcast (404)."""


class ConflictError(TgateError):
    """The request conflicts with the state, e.g. the user blocked the bot (409)."""


class RateLimitError(TgateError):
    """Too many requests (429)."""


class ServerError(TgateError):
    """tgate failed (5xx), e.g. 503 while the bot cannot reach Telegram."""


class TgateConnectionError(ServerError):
    """tgate could not be reached, or the connection broke, after the retries."""

    def __init__(self, message: str) -> None:
        super().__init__(0, "connection_failed", message)


def error_for(status: int, code: str, message: str) -> TgateError:
    """The exception of the family of an HTTP error status."""
    family: type[TgateError]
    if status in (401, 403):
        family = AuthError
    elif status == 404:
        family = NotFoundError
    elif status == 409:
        family = ConflictError
    elif status == 429:
        family = RateLimitError
    elif 400 <= status < 500:
        family = ClientError
    else:
        family = ServerError
    return family(status, code, message)
