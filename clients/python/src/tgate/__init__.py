"""tgate-client: the Python client of tgate, the self-hosted Telegram gateway.

    from tgate import Tgate, verify_event
"""

from .client import (
    BroadcastProgress,
    CreatedBroadcast,
    Link,
    Message,
    QueuedMessage,
    Tgate,
    User,
    new_idempotency_key,
)
from .errors import (
    AuthError,
    ClientError,
    ConflictError,
    NotFoundError,
    RateLimitError,
    ServerError,
    TgateConnectionError,
    TgateError,
)
from .events import Event, SignatureError, sign_event, verify_event

__all__ = [
    "Tgate",
    "Link",
    "User",
    "QueuedMessage",
    "Message",
    "CreatedBroadcast",
    "BroadcastProgress",
    "new_idempotency_key",
    "TgateError",
    "ClientError",
    "AuthError",
    "NotFoundError",
    "ConflictError",
    "RateLimitError",
    "ServerError",
    "TgateConnectionError",
    "verify_event",
    "sign_event",
    "Event",
    "SignatureError",
]
