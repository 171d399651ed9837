"""The client against a real tgate: ``tgate sandbox`` (tgate + the Bot API
emulator), started once for the class. Telegram users are pressed through
the emulator's control API."""

from __future__ import annotations

import itertools
import json
import unittest

from tgate import (
    AuthError,
    ClientError,
    ConflictError,
    NotFoundError,
    SignatureError,
    Tgate,
    TgateConnectionError,
    ServerError,
    verify_event,
)

from .event_sink import EventSink
from .flaky_proxy import FlakyProxy
from .sandbox import API_KEY, Sandbox, free_port, wait_until

EVENTS_SECRET = "py-client-events-secret"
_telegram_ids = itertools.count(5001)


class SandboxTest(unittest.TestCase):
    sandbox: Sandbox
    sink: EventSink
    tg: Tgate

    @classmethod
    def setUpClass(cls) -> None:
        cls.sink = EventSink()
        cls.sink.start()
        cls.sandbox = Sandbox({"TGATE_EVENTS_URL": cls.sink.url, "TGATE_EVENTS_SECRET": EVENTS_SECRET})
        try:
            cls.sandbox.start()
        except BaseException:
            cls.sink.stop()
            raise
        cls.tg = Tgate(cls.sandbox.url, API_KEY)

    @classmethod
    def tearDownClass(cls) -> None:
        cls.sandbox.stop()
        cls.sink.stop()

    def link(self, user: str) -> int:
        """Links site user ``user`` to a new Telegram user; its chat id."""
        chat_id = next(_telegram_ids)
        link = self.tg.links.create(user=user)
        self.sandbox.press_start(chat_id, link.token)
        self.assertTrue(wait_until(lambda: self._linked(user)), f"{user} was not linked:\n{self.sandbox.log()}")
        return chat_id

    def _linked(self, user: str) -> bool:
        try:
            self.tg.users.get(user)
            return True
        except NotFoundError:
            return False


class LinksTest(SandboxTest):
    def test_create_answers_the_deep_link(self) -> None:
        link = self.tg.links.create(user="links-1", ttl_seconds=60)
        self.assertEqual(link.url, "https://t.me/tgate_sandbox_bot?start=" + link.token)
        self.assertEqual(link.start_command, "/start " + link.token)
        self.assertGreater(link.expires_at, 0)
        self.assertIsNone(link.qr_svg)

    def test_qr_svg_is_an_svg_of_the_link(self) -> None:
        link = self.tg.links.create(user="links-2", qr="svg")
        assert link.qr_svg is not None
        self.assertTrue(link.qr_svg.startswith("<?xml"))
        self.assertIn('<svg xmlns="http://www.w3.org/2000/svg"', link.qr_svg)

    def test_another_qr_format_is_a_client_error(self) -> None:
        with self.assertRaises(ClientError) as e:
            self.tg.links.create(user="links-3", qr="png")
        self.assertEqual(e.exception.status, 400)
        self.assertEqual(e.exception.code, "invalid_argument")
        self.assertIn("qr", e.exception.message)

    def test_pressing_start_links_the_user(self) -> None:
        chat_id = self.link("links-4")
        user = self.tg.users.get("links-4")
        self.assertEqual(user.chat_id, chat_id)
        self.assertEqual(user.status, "active")
        self.assertGreater(user.linked_at, 0)


class UsersTest(SandboxTest):
    def test_unknown_user_is_not_found(self) -> None:
        with self.assertRaises(NotFoundError) as e:
            self.tg.users.get("nobody")
        self.assertEqual((e.exception.status, e.exception.code), (404, "not_found"))

    def test_unlink_forgets_the_chat(self) -> None:
        self.link("users-unlink")
        self.tg.users.unlink("users-unlink")
        with self.assertRaises(NotFoundError):
            self.tg.users.get("users-unlink")
        with self.assertRaises(NotFoundError):
            self.tg.users.unlink("users-unlink")

    def test_user_ids_with_slashes_and_spaces_are_quoted(self) -> None:
        self.link("a/b c?d")
        self.assertEqual(self.tg.users.get("a/b c?d").user, "a/b c?d")

    def test_a_wrong_key_is_an_auth_error(self) -> None:
        with self.assertRaises(AuthError) as e:
            Tgate(self.sandbox.url, "wrong-key").users.get("x")
        self.assertEqual((e.exception.status, e.exception.code), (401, "unauthenticated"))
        self.assertNotIn("wrong-key", str(e.exception))


class MessagesTest(SandboxTest):
    def test_send_queues_and_delivers(self) -> None:
        chat_id = self.link("msg-1")
        queued = self.tg.messages.send(user="msg-1", text="Order shipped")
        self.assertGreater(queued.id, 0)
        self.assertTrue(queued.idempotency_key)
        self.assertTrue(wait_until(lambda: self.tg.messages.get(queued.id).status == "sent"))
        message = self.tg.messages.get(queued.id)
        self.assertIsNotNone(message.telegram_message_id)
        self.assertGreaterEqual(message.attempts, 1)
        self.assertIn("Order shipped", self.sandbox.sent_texts(chat_id))

    def test_each_send_gets_its_own_generated_key(self) -> None:
        self.link("msg-2")
        a = self.tg.messages.send(user="msg-2", text="one")
        b = self.tg.messages.send(user="msg-2", text="one")
        self.assertNotEqual(a.idempotency_key, b.idempotency_key)
        self.assertNotEqual(a.id, b.id)

    def test_a_given_key_makes_one_message(self) -> None:
        chat_id = self.link("msg-3")
        a = self.tg.messages.send(user="msg-3", text="once", idempotency_key="order-77-shipped")
        b = self.tg.messages.send(user="msg-3", text="once", idempotency_key="order-77-shipped")
        self.assertEqual(a.id, b.id)
        self.assertEqual(a.idempotency_key, "order-77-shipped")
        with self.assertRaises(ClientError) as e:
            self.tg.messages.send(user="msg-3", text="another", idempotency_key="order-77-shipped")
        self.assertEqual((e.exception.status, e.exception.code), (422, "idempotency_key_reused"))
        self.assertTrue(wait_until(lambda: self.tg.messages.get(a.id).status == "sent"))
        self.assertEqual(self.sandbox.sent_texts(chat_id).count("once"), 1)

    def test_a_lost_answer_is_retried_with_the_same_key_and_sent_once(self) -> None:
        chat_id = self.link("msg-retry")
        proxy = FlakyProxy(self.sandbox.port)
        try:
            flaky = Tgate(proxy.url, API_KEY, retry_backoff=0.01)
            queued = flaky.messages.send(user="msg-retry", text="exactly once")
        finally:
            proxy.stop()
        posts = [r for r in proxy.requests if r[0] == "POST"]
        self.assertEqual(len(posts), 2, proxy.requests)  # the first answer was lost, then a retry
        self.assertEqual(posts[0][2], queued.idempotency_key)
        self.assertEqual(posts[1][2], queued.idempotency_key)
        self.assertTrue(wait_until(lambda: self.tg.messages.get(queued.id).status == "sent"))
        self.assertEqual(self.sandbox.sent_texts(chat_id).count("exactly once"), 1)

    def test_unknown_user_and_invalid_body(self) -> None:
        with self.assertRaises(NotFoundError):
            self.tg.messages.send(user="never-linked", text="hi")
        self.link("msg-4")
        with self.assertRaises(ClientError) as e:
            self.tg.messages.send(user="msg-4", text="")
        self.assertEqual(e.exception.status, 400)
        with self.assertRaises(NotFoundError):
            self.tg.messages.get(987654321)

    def test_a_blocked_user_is_a_conflict(self) -> None:
        chat_id = self.link("msg-blocked")
        self.sandbox.emulator("POST", "/control/block", {"user_id": chat_id})
        self.assertTrue(wait_until(lambda: self.tg.users.get("msg-blocked").status == "blocked"))
        with self.assertRaises(ConflictError) as e:
            self.tg.messages.send(user="msg-blocked", text="hi")
        self.assertEqual(e.exception.status, 409)


class BroadcastsTest(SandboxTest):
    def test_progress_yields_until_done(self) -> None:
        chats = [self.link(u) for u in ("bc-1", "bc-2", "bc-3")]
        created = self.tg.broadcasts.create("Sale!", users=["bc-1", "bc-2", "bc-3", "bc-unknown"])
        self.assertEqual((created.total, created.skipped), (3, 1))
        seen = list(self.tg.broadcasts.progress(created.id, interval=0.05, timeout=30))
        self.assertGreaterEqual(len(seen), 1)
        self.assertTrue(all(p.total == 3 for p in seen))
        self.assertTrue(all(not p.finished for p in seen[:-1]))
        last = seen[-1]
        self.assertEqual((last.status, last.sent, last.pending), ("done", 3, 0))
        for chat in chats:
            self.assertIn("Sale!", self.sandbox.sent_texts(chat))

    def test_cancel_stops_what_is_not_sent(self) -> None:
        for u in ("bc-slow-1", "bc-slow-2", "bc-slow-3"):
            self.link(u)
        # Spread over an hour: the later messages are not due for a long time.
        created = self.tg.broadcasts.create(
            "Later", users=["bc-slow-1", "bc-slow-2", "bc-slow-3"], spread_seconds=3600
        )
        cancelled = self.tg.broadcasts.cancel(created.id)
        self.assertEqual(cancelled.status, "cancelled")
        self.assertGreaterEqual(cancelled.cancelled, 1)
        self.assertEqual(cancelled.sent + cancelled.failed + cancelled.cancelled + cancelled.pending, 3)
        final = list(self.tg.broadcasts.progress(created.id, interval=0.05, timeout=10))[-1]
        self.assertEqual(final.status, "cancelled")

    def test_needs_users_or_all(self) -> None:
        with self.assertRaises(ValueError):
            self.tg.broadcasts.create("x")
        with self.assertRaises(NotFoundError):
            self.tg.broadcasts.get(987654321)


class SignedEventsTest(SandboxTest):
    def test_verify_event_accepts_what_tgate_signed_and_nothing_else(self) -> None:
        chat_id = self.link("events-1")

        def linked_event() -> tuple[dict[str, str], bytes] | None:
            for headers, body in self.sink.events():
                data = json.loads(body)
                if data.get("type") == "user.linked" and data.get("user") == "events-1":
                    return headers, body
            return None

        self.assertTrue(wait_until(lambda: linked_event() is not None), "tgate sent no user.linked event")
        found = linked_event()
        assert found is not None
        headers, body = found
        event = verify_event(headers, body, EVENTS_SECRET)
        self.assertEqual(event.type, "user.linked")
        self.assertEqual(event.data["chat_id"], chat_id)
        self.assertTrue(event.id)
        timestamp = int(headers["X-Tgate-Timestamp"])
        self.assertEqual(event.timestamp, timestamp)

        with self.assertRaises(SignatureError):
            verify_event(headers, body, "another-secret")
        with self.assertRaises(SignatureError):
            verify_event(headers, body.replace(b"events-1", b"events-2"), EVENTS_SECRET)
        stale = dict(headers)
        stale["X-Tgate-Timestamp"] = str(timestamp - 1000)  # a replay with a new timestamp: bad signature
        with self.assertRaises(SignatureError):
            verify_event(stale, body, EVENTS_SECRET)
        # The genuine request, replayed too late.
        with self.assertRaises(SignatureError) as e:
            verify_event(headers, body, EVENTS_SECRET, now=timestamp + 301)
        self.assertIn("timestamp", str(e.exception))
        self.assertEqual(verify_event(headers, body, EVENTS_SECRET, now=timestamp + 299).id, event.id)
        self.assertEqual(verify_event(headers, body, EVENTS_SECRET, tolerance=2000, now=timestamp + 1999).id, event.id)


class ConnectionTest(unittest.TestCase):
    def test_no_tgate_is_a_connection_error_after_the_retries(self) -> None:
        tg = Tgate(f"http://127.0.0.1:{free_port()}", API_KEY, retries=2, retry_backoff=0.01)
        with self.assertRaises(TgateConnectionError) as e:
            tg.messages.send(user="1", text="hi")
        self.assertIsInstance(e.exception, ServerError)
        self.assertEqual(e.exception.status, 0)
        self.assertNotIn(API_KEY, str(e.exception))

    def test_bad_arguments_fail_before_any_call(self) -> None:
        with self.assertRaises(ValueError):
            Tgate("127.0.0.1:8080", "k")
        with self.assertRaises(ValueError):
            Tgate("http://127.0.0.1:8080", "")
        with self.assertRaises(ValueError):
            Tgate("http://127.0.0.1:1", "k").messages.send("hi")


if __name__ == "__main__":
    unittest.main()
