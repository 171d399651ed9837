"""The account page (connect Telegram), the test-message page, and the view
that receives tgate's signed events."""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from tgate import ConflictError, NotFoundError, SignatureError, TgateError, verify_event

from .models import ProcessedEvent, TelegramLink
from .tgate_client import tgate, tgate_user

log = logging.getLogger(__name__)


def _link_of(user):
    return TelegramLink.objects.filter(user=user).first()


@login_required
def account(request):
    return render(request, "accounts/account.html", {"telegram": _link_of(request.user)})


@login_required
@require_POST
def connect(request):
    """"Connect Telegram": a one-time deep link (a button on phones), its QR
    code (desktop users scan it with their phone) and "/start <token>" to
    paste into the bot's chat if neither works. A POST: each one issues a
    token."""
    try:
        link = tgate().links.create(user=tgate_user(request.user), qr="svg")
    except TgateError as e:
        log.warning("tgate refused a link: %s", e)
        return render(request, "accounts/account.html", {"telegram": _link_of(request.user), "error": e}, status=502)
    return render(request, "accounts/account.html", {"telegram": _link_of(request.user), "link": link})


@login_required
@require_POST
def disconnect(request):
    """Forgets the chat in tgate, and here at once (the user.unlinked event
    that follows says the same)."""
    try:
        tgate().users.unlink(tgate_user(request.user))
    except NotFoundError:
        pass  # not linked in tgate: nothing to forget
    except TgateError as e:
        log.warning("tgate refused to unlink: %s", e)
        return render(request, "accounts/account.html", {"telegram": _link_of(request.user), "error": e}, status=502)
    TelegramLink.objects.filter(user=request.user).update(status=TelegramLink.UNLINKED)
    return redirect("account")


@login_required
def test_message(request):
    context = {"telegram": _link_of(request.user)}
    if request.method == "POST":
        text = request.POST.get("text", "").strip() or "Hello from the example site!"
        try:
            context["queued"] = tgate().messages.send(user=tgate_user(request.user), text=text)
        except NotFoundError:
            context["error"] = "Connect Telegram first."
        except ConflictError:
            context["error"] = "You blocked the bot: unblock it in Telegram first."
        except TgateError as e:
            context["error"] = f"tgate refused the message: {e}"
    return render(request, "accounts/test_message.html", context)


# tgate signs its requests instead of sending a CSRF token.
@csrf_exempt
@require_POST
def tgate_events(request):
    """tgate's events_url. Answers 2xx only once the event is handled: tgate
    retries anything else (with backoff, for retention_days)."""
    if not settings.TGATE_EVENTS_SECRET:
        return HttpResponse("TGATE_EVENTS_SECRET is not set (tgate's events_secret)", status=503)
    try:
        event = verify_event(request.headers, request.body, settings.TGATE_EVENTS_SECRET)
    except SignatureError as e:
        return HttpResponseBadRequest(f"not from tgate: {e}")
    if not event.id:
        return HttpResponseBadRequest("no X-Tgate-Event-Id")
    with transaction.atomic():
        # The event's row is written first, so SQLite takes the write lock at
        # once (waiting for another writer, such as a page saving the user's
        # link, up to its timeout). A read first and a write after would fail
        # at once with "database is locked" whenever another connection began
        # writing between the two.
        try:
            with transaction.atomic():
                ProcessedEvent.objects.create(event_id=event.id, type=event.type)
        except IntegrityError:
            return HttpResponse(status=204)  # handled before: tgate delivered it again
        _apply(event)
    return HttpResponse(status=204)


_STATUS_AFTER = {
    "user.linked": TelegramLink.LINKED,
    "user.unblocked": TelegramLink.LINKED,
    "user.blocked": TelegramLink.BLOCKED,
    "user.unlinked": TelegramLink.UNLINKED,
}


def _apply(event):
    status = _STATUS_AFTER.get(event.type)
    if status is None:
        return  # message.sent, message.failed, update: not used by this example
    try:
        user = get_user_model().objects.get(pk=event.data["user"])
    except (get_user_model().DoesNotExist, ValueError, KeyError):
        log.warning("tgate event %s for an unknown user: ignored", event.id)
        return  # a 2xx all the same: a retry would not find the user either
    TelegramLink.objects.update_or_create(
        user=user, defaults={"chat_id": event.data["chat_id"], "status": status}
    )
