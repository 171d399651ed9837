"""What needs no tgate: verify_event's checks, and how error answers become
exceptions (against a canned HTTP server)."""

from __future__ import annotations

import json
import threading
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tgate import (
    AuthError,
    ClientError,
    ConflictError,
    NotFoundError,
    RateLimitError,
    ServerError,
    SignatureError,
    Tgate,
    TgateError,
    sign_event,
    verify_event,
)

SECRET = "s3cret"
BODY = b'{"type":"user.linked","user":"42","chat_id":1001}'
NOW = 1_800_000_000


def signed_headers(timestamp: int = NOW, body: bytes = BODY) -> dict[str, str]:
    return {
        "X-Tgate-Event-Id": "17",
        "X-Tgate-Timestamp": str(timestamp),
        "X-Tgate-Signature": sign_event(SECRET, timestamp, body),
    }


class VerifyEventTest(unittest.TestCase):
    def test_accepts_a_good_event(self) -> None:
        event = verify_event(signed_headers(), BODY, SECRET, now=NOW)
        self.assertEqual((event.id, event.type, event.timestamp), ("17", "user.linked", NOW))
        self.assertEqual(event.data["chat_id"], 1001)

    def test_header_names_in_any_case_and_wsgi_meta(self) -> None:
        lower = {k.lower(): v for k, v in signed_headers().items()}
        self.assertEqual(verify_event(lower, BODY, SECRET, now=NOW).id, "17")
        meta = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in signed_headers().items()}
        self.assertEqual(verify_event(meta, BODY.decode(), SECRET.encode(), now=NOW).id, "17")

    def test_the_signature_is_hmac_of_timestamp_dot_body(self) -> None:
        import hashlib
        import hmac

        want = hmac.new(SECRET.encode(), f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
        self.assertEqual(sign_event(SECRET, NOW, BODY), "sha256=" + want)

    def test_rejects_bad_signatures(self) -> None:
        h = signed_headers()
        for headers, body, secret in [
            (h, BODY, "other"),
            (h, BODY + b" ", SECRET),
            ({**h, "X-Tgate-Signature": "sha256=00"}, BODY, SECRET),
            ({**h, "X-Tgate-Signature": h["X-Tgate-Signature"].removeprefix("sha256=")}, BODY, SECRET),
            ({k: v for k, v in h.items() if k != "X-Tgate-Signature"}, BODY, SECRET),
            ({k: v for k, v in h.items() if k != "X-Tgate-Timestamp"}, BODY, SECRET),
            ({**h, "X-Tgate-Timestamp": "soon"}, BODY, SECRET),
        ]:
            with self.assertRaises(SignatureError):
                verify_event(headers, body, secret, now=NOW)

    def test_rejects_old_and_future_timestamps(self) -> None:
        with self.assertRaises(SignatureError):
            verify_event(signed_headers(NOW - 301), BODY, SECRET, now=NOW)
        with self.assertRaises(SignatureError):
            verify_event(signed_headers(NOW + 301), BODY, SECRET, now=NOW)
        self.assertEqual(verify_event(signed_headers(NOW - 300), BODY, SECRET, now=NOW).timestamp, NOW - 300)
        self.assertEqual(verify_event(signed_headers(NOW - 30), BODY, SECRET, tolerance=60, now=NOW).id, "17")
        with self.assertRaises(SignatureError):
            verify_event(signed_headers(NOW - 61), BODY, SECRET, tolerance=60, now=NOW)

    def test_rejects_a_signed_body_that_is_not_a_json_object(self) -> None:
        for body in (b"not json", b"[1]"):
            with self.assertRaises(SignatureError):
                verify_event(signed_headers(body=body), body, SECRET, now=NOW)

    def test_an_empty_secret_is_a_programming_error(self) -> None:
        with self.assertRaises(ValueError):
            verify_event(signed_headers(), BODY, "", now=NOW)


class CannedServer:
    """Answers every request with the next (status, body); records requests."""

    def __init__(self, answers: list[tuple[int, bytes]]) -> None:
        self.answers = list(answers)
        self.seen: list[tuple[str, str, dict[str, str], bytes]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                server.seen.append((self.command, self.path, dict(self.headers.items()), body))
                status, out = server.answers.pop(0)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            do_GET = do_POST = do_DELETE = _answer

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def error(code: str, message: str) -> bytes:
    return json.dumps({"error": {"code": code, "message": message}}).encode()


class ErrorFamiliesTest(unittest.TestCase):
    def test_each_status_raises_its_family(self) -> None:
        cases = [
            (400, ClientError),
            (413, ClientError),
            (422, ClientError),
            (401, AuthError),
            (403, AuthError),
            (404, NotFoundError),
            (409, ConflictError),
            (429, RateLimitError),
            (500, ServerError),
            (503, ServerError),
        ]
        server = CannedServer([(status, error(f"code_{status}", f"message {status}")) for status, _ in cases])
        try:
            tg = Tgate(server.url, "k")
            for status, family in cases:
                with self.assertRaises(family) as e:
                    tg.users.get("42")
                self.assertIsInstance(e.exception, TgateError)
                self.assertEqual(e.exception.status, status)
                self.assertEqual(e.exception.code, f"code_{status}")
                self.assertEqual(e.exception.message, f"message {status}")
        finally:
            server.stop()

    def test_a_non_json_error_keeps_the_status(self) -> None:
        server = CannedServer([(502, b"Bad Gateway")])
        try:
            with self.assertRaises(ServerError) as e:
                Tgate(server.url, "k").users.get("42")
            self.assertEqual((e.exception.status, e.exception.code), (502, "http_502"))
        finally:
            server.stop()

    def test_a_success_that_is_not_json_is_a_server_error(self) -> None:
        server = CannedServer([(200, b"<html>a proxy page</html>"), (200, b"[1,2]")])
        try:
            tg = Tgate(server.url, "k")
            for _ in range(2):
                with self.assertRaises(ServerError) as e:
                    tg.users.get("42")
                self.assertEqual((e.exception.status, e.exception.code), (200, "invalid_answer"))
        finally:
            server.stop()

    def test_requests_carry_the_key_the_bot_and_quoted_ids(self) -> None:
        server = CannedServer(
            [
                (202, b'{"id":1,"status":"queued"}'),
                (200, b'{"user":"a/b","chat_id":5,"status":"active","linked_at":9}'),
            ]
        )
        try:
            tg = Tgate(server.url + "/", "the-key", bot="shop")
            sent = tg.messages.send(user="42", text="hi")
            tg.users.get("a/b")
        finally:
            server.stop()
        method, path, headers, body = server.seen[0]
        self.assertEqual((method, path), ("POST", "/v1/messages"))
        self.assertEqual(headers["Authorization"], "Bearer the-key")
        self.assertEqual(headers["Idempotency-Key"], sent.idempotency_key)
        self.assertEqual(json.loads(body), {"user": "42", "text": "hi", "bot": "shop"})
        self.assertEqual(server.seen[1][1], "/v1/users/a%2Fb?bot=shop")


if __name__ == "__main__":
    unittest.main()
