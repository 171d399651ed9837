"""The example end to end: a real `tgate sandbox` (tgate + its Bot API
emulator) POSTs its events over HTTP to this Django site, served by the
standard library's WSGI server on a free loopback port; the pages are driven
with Django's test client. Link (Django's view creates it) → the emulator
presses Start as the user → tgate's user.linked event marks the user linked
in Django's database → a message sent from Django's page reaches the
emulator. Then blocking, disconnecting, forged and repeated events, and the
broadcast command.

Under CTest, tgate's answers to Django (through the sandbox helper's recording
proxy) and the events Django's view received are written down and checked
against api/openapi.json afterwards (examples/django/CMakeLists.txt).

Run by CTest (`ctest -R django_example`), or from examples/django with the
client on the path: PYTHONPATH=../../clients/python/src TGATE_BINARY=../../build/tgate
python3 -m unittest discover -v -s tests -t .
"""

import importlib.util
import io
import itertools
import json
import os
import re
import sys
import tempfile
import threading
import time
import unittest
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

EXAMPLE = Path(__file__).resolve().parents[1]
REPO = EXAMPLE.parents[1]
EVENTS_SECRET = "django-example-events-secret"

# The sandbox helper of the Python client's tests (a tgate sandbox on free
# ports that dies with this process), loaded from its file.
_spec = importlib.util.spec_from_file_location("tgate_sandbox", REPO / "clients/python/tests/sandbox.py")
sandbox_helper = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(sandbox_helper)

_db_dir = tempfile.TemporaryDirectory(prefix="tgate-django-")
os.environ["DJANGO_SETTINGS_MODULE"] = "mysite.settings"
os.environ["DJANGO_DB"] = str(Path(_db_dir.name) / "site.sqlite3")
os.environ["TGATE_EVENTS_SECRET"] = EVENTS_SECRET
sys.path.insert(0, str(EXAMPLE))

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.management.base import CommandError  # noqa: E402
from django.test import Client, SimpleTestCase, override_settings  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from tgate import sign_event  # noqa: E402

from accounts.models import ProcessedEvent, TelegramLink  # noqa: E402

_telegram_ids = itertools.count(7001)
# tgate posts user.blocked, user.unblocked and user.unlinked on its events
# sender's next pass, which can be its 30 s idle wake-up: the update processor
# wakes the sender only when it queued a reply (src/webhook/update_processor.cc),
# DELETE /v1/users not at all (src/api/users_handler.cc). Wait past it.
SLOW_EVENT_WAIT = 45.0
_forged_event_ids = itertools.count(900001)


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


def recording_events(app, path="/tgate/events"):
    """The site's WSGI application, writing down each event tgate POSTs to
    `path` (headers and raw body, as they arrived) for the OpenAPI check."""

    def wrapped(environ, start_response):
        if environ.get("REQUEST_METHOD") == "POST" and environ.get("PATH_INFO") == path:
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            environ["wsgi.input"] = io.BytesIO(body)
            headers = {k[5:].replace("_", "-"): v for k, v in environ.items() if k.startswith("HTTP_")}
            if environ.get("CONTENT_TYPE"):
                headers["Content-Type"] = environ["CONTENT_TYPE"]
            sandbox_helper.record_event(headers, body)
        return app(environ, start_response)

    return wrapped


def wait_until(predicate, timeout=20.0):
    return sandbox_helper.wait_until(predicate, timeout=timeout)


def status_of(user):
    link = TelegramLink.objects.filter(user=user).first()
    return None if link is None else (link.status, link.chat_id)


class DjangoExampleTest(SimpleTestCase):
    # Django's assertions, without its per-test transactions: the site's own
    # server thread must see (and write) what the test writes.
    databases = {"default"}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        setup_test_environment()
        call_command("migrate", verbosity=0)
        # The site, for tgate's events: Django's WSGI application on a free port.
        cls.server = make_server("127.0.0.1", 0, recording_events(WSGIHandler()), _ThreadingWSGIServer, _QuietHandler)
        cls.server_thread = threading.Thread(target=cls.server.serve_forever, daemon=True)
        cls.server_thread.start()
        events_url = f"http://127.0.0.1:{cls.server.server_address[1]}/tgate/events"
        cls.sandbox = sandbox_helper.Sandbox({"TGATE_EVENTS_URL": events_url, "TGATE_EVENTS_SECRET": EVENTS_SECRET})
        try:
            cls.sandbox.start()
        except BaseException:
            cls._stop_server()
            raise
        cls.tgate_settings = override_settings(TGATE_URL=cls.sandbox.url, TGATE_API_KEY=sandbox_helper.API_KEY)
        cls.tgate_settings.enable()

    @classmethod
    def tearDownClass(cls):
        cls.tgate_settings.disable()
        cls.sandbox.stop()
        cls._stop_server()
        super().tearDownClass()

    @classmethod
    def _stop_server(cls):
        cls.server.shutdown()
        cls.server.server_close()
        cls.server_thread.join(timeout=10)

    def signed_in(self, username):
        user = User.objects.create_user(username, password="not-used")
        client = Client()
        client.force_login(user)
        return user, client

    def connect(self, user, client):
        """The account page's "Connect Telegram", then Start in Telegram; the chat id."""
        page = client.get("/account/")
        self.assertContains(page, "Connect Telegram")
        answer = client.post("/account/connect")
        self.assertEqual(answer.status_code, 200)
        link = answer.context["link"]
        self.assertContains(answer, f'href="{link.url}"')
        self.assertContains(answer, f'value="{link.start_command}"')
        self.assertContains(answer, '<svg xmlns="http://www.w3.org/2000/svg"')
        self.assertEqual(link.start_command, "/start " + link.token)
        chat_id = next(_telegram_ids)
        self.sandbox.press_start(chat_id, link.token)
        self.assertTrue(
            wait_until(lambda: status_of(user) == ("linked", chat_id)),
            f"the user.linked event did not reach Django:\n{self.sandbox.log()}",
        )
        return chat_id

    def test_link_then_a_message_from_the_test_page_reaches_telegram(self):
        user, client = self.signed_in("alice")
        chat_id = self.connect(user, client)
        self.assertTrue(ProcessedEvent.objects.filter(type="user.linked").exists())
        self.assertContains(client.get("/account/"), f"Connected to Telegram (chat {chat_id})")

        answer = client.post("/account/test-message", {"text": "Hello from Django"})
        self.assertContains(answer, "Queued as message")
        self.assertTrue(
            wait_until(lambda: "Hello from Django" in self.sandbox.sent_texts(chat_id)),
            f"the message did not reach the emulator:\n{self.sandbox.log()}",
        )

    def test_blocking_unblocking_and_disconnecting_follow_the_events(self):
        user, client = self.signed_in("bob")
        chat_id = self.connect(user, client)
        self.sandbox.emulator("POST", "/control/block", {"user_id": chat_id})
        self.assertTrue(wait_until(lambda: status_of(user) == ("blocked", chat_id), timeout=SLOW_EVENT_WAIT))
        self.assertContains(client.get("/account/"), "You blocked our bot")
        self.assertContains(client.post("/account/test-message", {"text": "x"}), "You blocked the bot")

        self.sandbox.emulator("POST", "/control/unblock", {"user_id": chat_id})
        self.assertTrue(wait_until(lambda: status_of(user) == ("linked", chat_id), timeout=SLOW_EVENT_WAIT))

        self.assertRedirects(client.post("/account/disconnect"), "/account/")
        self.assertEqual(status_of(user), ("unlinked", chat_id))
        self.assertContains(client.get("/account/"), "Connect Telegram")
        unlinked = ProcessedEvent.objects.filter(type="user.unlinked")
        self.assertTrue(wait_until(unlinked.exists, timeout=SLOW_EVENT_WAIT), "tgate's user.unlinked did not arrive")
        self.assertEqual(status_of(user), ("unlinked", chat_id))
        self.assertContains(client.post("/account/test-message", {"text": "x"}), "Connect Telegram first")

    def post_event(self, body, event_id, secret=EVENTS_SECRET, timestamp=None):
        raw = json.dumps(body).encode()
        stamp = int(time.time()) if timestamp is None else timestamp
        return Client().post(
            "/tgate/events",
            raw,
            content_type="application/json",
            HTTP_X_TGATE_EVENT_ID=str(event_id),
            HTTP_X_TGATE_TIMESTAMP=str(stamp),
            HTTP_X_TGATE_SIGNATURE=sign_event(secret, stamp, raw),
        )

    def test_forged_stale_and_repeated_events_change_nothing(self):
        user = User.objects.create_user("carol")
        linked = {"type": "user.linked", "user": str(user.pk), "chat_id": 42}
        self.assertEqual(self.post_event(linked, next(_forged_event_ids), secret="wrong").status_code, 400)
        stale = int(time.time()) - 3600
        self.assertEqual(self.post_event(linked, next(_forged_event_ids), timestamp=stale).status_code, 400)
        self.assertEqual(Client().post("/tgate/events", b"{}", content_type="application/json").status_code, 400)
        self.assertIsNone(status_of(user))

        event_id = next(_forged_event_ids)
        self.assertEqual(self.post_event(linked, event_id).status_code, 204)
        self.assertEqual(status_of(user), ("linked", 42))
        # The same id again (tgate lost our 2xx and retried): handled once.
        blocked = {"type": "user.blocked", "user": str(user.pk), "chat_id": 42}
        self.assertEqual(self.post_event(blocked, event_id).status_code, 204)
        self.assertEqual(status_of(user), ("linked", 42))
        self.assertEqual(ProcessedEvent.objects.filter(event_id=str(event_id)).count(), 1)
        # An event for a user the site does not have is taken (a retry would not help).
        nobody = {"type": "user.linked", "user": "999999", "chat_id": 43}
        self.assertEqual(self.post_event(nobody, next(_forged_event_ids)).status_code, 204)
        user.delete()  # tgate never heard of carol's chat: keep her out of the broadcast test

    def test_the_broadcast_command_spreads_and_prints_progress_until_done(self):
        chats = []
        for name in ("dave", "erin"):
            user, client = self.signed_in(name)
            chats.append(self.connect(user, client))
        linked = TelegramLink.objects.filter(status="linked").count()
        out = io.StringIO()
        call_command("tgate_broadcast", text="Sale starts now", spread="3s", interval=0.2, stdout=out)
        lines = out.getvalue().splitlines()
        self.assertRegex(lines[0], rf"^broadcast \d+: {linked} users over 3 s$")
        self.assertGreaterEqual(len(lines), 2)
        self.assertEqual(lines[-1], f"done: {linked}/{linked} sent, 0 failed, 0 pending")
        for chat_id in chats:
            self.assertIn("Sale starts now", self.sandbox.sent_texts(chat_id))

    def test_the_broadcast_command_refuses_a_bad_spread(self):
        with self.assertRaisesRegex(CommandError, "8h"):
            call_command("tgate_broadcast", text="x", spread="eight hours")


if __name__ == "__main__":
    unittest.main()
