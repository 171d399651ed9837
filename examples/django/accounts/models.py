"""What the site knows about its users' Telegram: kept up to date by tgate's
events (accounts/views.py tgate_events), never by asking tgate on each page."""

from django.conf import settings
from django.db import models


class TelegramLink(models.Model):
    """The Telegram chat of a site user, as tgate last told us. tgate knows the
    user as str(user.pk)."""

    LINKED, BLOCKED, UNLINKED = "linked", "blocked", "unlinked"
    STATUSES = [(LINKED, "linked"), (BLOCKED, "blocked the bot"), (UNLINKED, "unlinked")]

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="telegram"
    )
    chat_id = models.BigIntegerField()
    status = models.CharField(max_length=16, choices=STATUSES)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user} → chat {self.chat_id} ({self.status})"


class ProcessedEvent(models.Model):
    """An event from tgate already handled: tgate may deliver one twice (its
    2xx lost), and X-Tgate-Event-Id is the same both times."""

    event_id = models.CharField(max_length=64, primary_key=True)
    type = models.CharField(max_length=32)
    received_at = models.DateTimeField(auto_now_add=True)
