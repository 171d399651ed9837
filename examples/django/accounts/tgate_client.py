"""The site's tgate client, from settings. The client is tgate's Python client
(clients/python in tgate's repository: `pip install clients/python`)."""

from django.conf import settings
from tgate import Tgate


def tgate() -> Tgate:
    return Tgate(settings.TGATE_URL, api_key=settings.TGATE_API_KEY)


def tgate_user(user) -> str:
    """How tgate knows a site user: any stable string; here the primary key."""
    return str(user.pk)
