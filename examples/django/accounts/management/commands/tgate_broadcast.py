"""`manage.py tgate_broadcast --text "Sale starts now" --spread 8h`

Sends a message to every site user linked to Telegram, spread by tgate over
the given time (POST /v1/broadcasts with spread_seconds: tgate paces the
sends itself, so an announcement does not bring every user to the site in the
same minute), and prints its progress until it is done. Ctrl-C stops
watching, not the broadcast (`--cancel-on-interrupt` cancels it too).
"""

import re

from django.core.management.base import BaseCommand, CommandError
from tgate import TgateError

from accounts.models import TelegramLink
from accounts.tgate_client import tgate, tgate_user

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> int:
    """ "90" / "90s", "45m", "8h", "1d" → seconds."""
    m = re.fullmatch(r"(\d+)([smhd]?)", text.strip())
    if not m:
        raise CommandError(f"--spread {text!r}: give a number of seconds, or e.g. 45m, 8h, 1d")
    return int(m.group(1)) * _UNITS[m.group(2) or "s"]


class Command(BaseCommand):
    help = "Broadcast a message to the linked users, spread over time, and print its progress."

    def add_arguments(self, parser):
        parser.add_argument("--text", required=True, help="the message")
        parser.add_argument("--spread", default="0", help="spread the sends over this long: 3600, 45m, 8h (max 7d)")
        parser.add_argument("--interval", type=float, default=10.0, help="seconds between progress lines")
        parser.add_argument("--cancel-on-interrupt", action="store_true", help="Ctrl-C cancels what is not sent")

    def handle(self, *args, text, spread, interval, cancel_on_interrupt, **options):
        spread_seconds = parse_duration(spread)
        users = [
            tgate_user(link.user)
            for link in TelegramLink.objects.filter(status=TelegramLink.LINKED).select_related("user")
        ]
        if not users:
            raise CommandError("no user is linked to Telegram: nobody to send to")
        tg = tgate()
        try:
            # The idempotency key is generated and reused on a retry: one broadcast even if
            # the connection breaks while tgate answers.
            created = tg.broadcasts.create(text, users=users, spread_seconds=spread_seconds)
        except TgateError as e:
            raise CommandError(f"tgate refused the broadcast: {e}") from None
        self.stdout.write(
            f"broadcast {created.id}: {created.total} users over {spread_seconds} s"
            + (f" ({created.skipped} no longer linked in tgate, skipped)" if created.skipped else "")
        )
        try:
            for p in tg.broadcasts.progress(created.id, interval=interval):
                self.stdout.write(
                    f"{p.status}: {p.sent}/{p.total} sent, {p.failed} failed, {p.pending} pending"
                    + (f", {p.cancelled} cancelled" if p.cancelled else "")
                )
        except KeyboardInterrupt:
            if cancel_on_interrupt:
                p = tg.broadcasts.cancel(created.id)
                self.stdout.write(f"cancelled: {p.sent}/{p.total} sent, {p.cancelled} cancelled")
            else:
                self.stdout.write(f"stopped watching; broadcast {created.id} goes on in tgate")
        except TgateError as e:
            raise CommandError(f"broadcast {created.id}: cannot read its progress: {e}") from None
