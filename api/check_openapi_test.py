"""check_openapi.py refuses what it must: the checks are only worth their
failures. Exchanges made up here, against the real api/openapi.json."""

from __future__ import annotations

import contextlib
import copy
import io
import json
import sys
import tempfile
import unittest
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import check_openapi  # noqa: E402

DOC = json.loads((HERE / "openapi.json").read_text(encoding="utf-8"))


def exchange(method: str, target: str, status: int, answer: Any = None, body: Any = None,
             content_type: str = "application/json", headers: dict[str, str] | None = None) -> dict[str, Any]:
    return {"method": method, "target": target, "status": status, "content_type": content_type,
            "request_headers": headers or {},
            "request_body": "" if body is None else json.dumps(body),
            "response_body": "" if answer is None else (answer if isinstance(answer, str) else json.dumps(answer))}


def error(code: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": "what is wrong"}}


class Exchanges(unittest.TestCase):
    def setUp(self) -> None:
        self.c = check_openapi.Contract(DOC)

    def problems(self, x: dict[str, Any]) -> list[str]:
        return check_openapi.check_exchange(self.c, x)[1]

    def test_a_documented_exchange_passes(self) -> None:
        x = exchange("POST", "/v1/messages", 202, {"id": 7, "status": "queued"}, {"user": "42", "text": "hi"},
                     headers={"Idempotency-Key": "k-1"})
        self.assertEqual(self.problems(x), [])
        self.assertEqual(self.problems(exchange("GET", "/metrics", 200, "# HELP x\n", content_type="text/plain; version=0.0.4")), [])
        self.assertEqual(self.problems(exchange("DELETE", "/v1/users/42?bot=default", 204)), [])

    def test_an_undocumented_status_fails(self) -> None:
        self.assertTrue(self.problems(exchange("GET", "/v1/users/42", 418, error("internal"))))

    def test_an_answer_off_its_schema_fails(self) -> None:
        self.assertTrue(self.problems(exchange("POST", "/v1/messages", 202, {"id": "7", "status": "queued"},
                                               {"user": "42", "text": "hi"})))
        self.assertTrue(self.problems(exchange("GET", "/v1/users/42", 404, {"error": "not found"})))
        self.assertTrue(self.problems(exchange("GET", "/v1/users/42", 404, error("no_such_code"))))
        self.assertTrue(self.problems(exchange("GET", "/healthz", 200, "ok", content_type="text/plain")))
        self.assertTrue(self.problems(exchange("DELETE", "/v1/users/42", 204, {"unexpected": True})))

    def test_an_accepted_request_off_its_schema_fails(self) -> None:
        self.assertTrue(self.problems(exchange("POST", "/v1/messages", 202, {"id": 7, "status": "queued"},
                                               {"user": "42", "text": "hi", "colour": "red"})))
        self.assertTrue(self.problems(exchange("POST", "/v1/messages", 202, {"id": 7, "status": "queued"},
                                               {"user": "42", "text": "hi"}, headers={"Idempotency-Key": "a b"})))
        # Refused requests are not held to the request schema: tgate refused them.
        self.assertEqual(self.problems(exchange("POST", "/v1/messages", 400, error("invalid_argument"),
                                                {"user": "42", "text": "hi", "colour": "red"})), [])

    def test_unknown_routes_and_methods(self) -> None:
        self.assertEqual(self.problems(exchange("GET", "/nope", 404, error("not_found"))), [])
        self.assertTrue(self.problems(exchange("GET", "/nope", 200, {})))
        self.assertEqual(self.problems(exchange("PUT", "/v1/links", 405, error("invalid_argument"))), [])
        self.assertTrue(self.problems(exchange("PUT", "/v1/links", 200, {})))


def event(body: Any, headers: dict[str, str] | None = None) -> dict[str, Any]:
    base = {"X-Tgate-Event-Id": "12", "X-Tgate-Timestamp": "1700000000",
            "X-Tgate-Signature": "sha256=" + "ab" * 32, "Content-Type": "application/json"}
    return {"kind": "event", "headers": base if headers is None else headers,
            "body": body if isinstance(body, str) else json.dumps(body)}


class Events(unittest.TestCase):
    def setUp(self) -> None:
        self.c = check_openapi.Contract(DOC)

    def problems(self, x: dict[str, Any]) -> list[str]:
        return check_openapi.check_event(self.c, x)[1]

    def test_a_documented_event_passes(self) -> None:
        x = event({"type": "message.sent", "bot": "default", "id": 7, "chat_id": 42, "telegram_message_id": 3})
        self.assertEqual(check_openapi.check_event(self.c, x), ("event message.sent", []))
        self.assertEqual(self.problems(event({"type": "update", "bot": "default", "update": {"update_id": 1}})), [])

    def test_a_broken_event_fails(self) -> None:
        # Off its schema: a string id, a field the document does not have, a type it does not know.
        self.assertTrue(self.problems(event({"type": "message.sent", "bot": "default", "id": "7", "chat_id": 42})))
        self.assertTrue(self.problems(event({"type": "message.sent", "bot": "default", "id": 7, "chat_id": 42,
                                             "colour": "red"})))
        self.assertTrue(self.problems(event({"type": "user.renamed", "bot": "default", "user": "42", "chat_id": 1})))
        self.assertTrue(self.problems(event("{not json")))
        # The headers: a missing event id, a signature not in the documented form.
        ok = {"type": "update", "bot": "default", "update": {}}
        self.assertTrue(self.problems(event(ok, {"X-Tgate-Timestamp": "1700000000"})))
        self.assertTrue(self.problems(event(ok, {"X-Tgate-Event-Id": "1", "X-Tgate-Timestamp": "1700000000",
                                                 "X-Tgate-Signature": "md5=abc"})))

    def test_an_event_type_never_seen_is_reported(self) -> None:
        seen = {f"event {name}": 1 for name in DOC["webhooks"]}
        self.assertEqual(check_openapi.missing_events(self.c, seen), [])
        del seen["event user.blocked"]
        self.assertEqual(check_openapi.missing_events(self.c, seen), ["user.blocked"])


class Main(unittest.TestCase):
    """The command CTest runs: a recorded folder with one broken answer or
    event fails it, and so does a documented webhook never seen when asked."""

    def run_check(self, lines: list[dict[str, Any]], *flags: str) -> int:
        with tempfile.TemporaryDirectory() as d:
            with open(Path(d) / "exchanges-1.jsonl", "w", encoding="utf-8") as f:
                f.writelines(json.dumps(x) + "\n" for x in lines)
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                return check_openapi.main(["check_openapi.py", "exchanges", *flags, d])

    def every_event(self) -> list[dict[str, Any]]:
        bodies = [{"type": "user.linked", "bot": "default", "user": "42", "chat_id": 1},
                  {"type": "message.sent", "bot": "default", "id": 7, "chat_id": 1},
                  {"type": "message.failed", "bot": "default", "id": 8, "chat_id": 1, "error": "x"},
                  {"type": "update", "bot": "default", "update": {"update_id": 1}}]
        bodies += [{"type": t, "bot": "default", "user": "42", "chat_id": 1}
                   for t in ("user.unlinked", "user.blocked", "user.unblocked")]
        return [event(b) for b in bodies]

    def test_a_good_folder_passes(self) -> None:
        good = exchange("POST", "/v1/messages", 202, {"id": 7, "status": "queued"}, {"user": "42", "text": "hi"})
        self.assertEqual(self.run_check([good]), 0)
        self.assertEqual(self.run_check([good] + self.every_event(), "--every-webhook"), 0)

    def test_a_broken_answer_or_event_fails(self) -> None:
        good = exchange("POST", "/v1/messages", 202, {"id": 7, "status": "queued"}, {"user": "42", "text": "hi"})
        broken = exchange("POST", "/v1/messages", 202, {"id": 7, "status": "sent-ish"}, {"user": "42", "text": "hi"})
        self.assertEqual(self.run_check([good, broken]), 1)
        events = self.every_event()
        events[1] = event({"type": "message.sent", "bot": "default", "id": 7})  # no chat_id
        self.assertEqual(self.run_check([good] + events, "--every-webhook"), 1)

    def test_a_webhook_never_seen_fails_when_every_one_is_required(self) -> None:
        good = exchange("GET", "/v1/users/42", 404, error("not_found"))
        events = [e for e in self.every_event() if "user.unblocked" not in e["body"]]
        self.assertEqual(self.run_check([good] + events), 0)
        self.assertEqual(self.run_check([good] + events, "--every-webhook"), 1)
        self.assertEqual(self.run_check([good], "--every-webhook"), 1)
        self.assertEqual(self.run_check([]), 1)  # nothing recorded


class Document(unittest.TestCase):
    def test_the_document_is_well_formed(self) -> None:
        self.assertEqual(check_openapi.check_document(check_openapi.Contract(DOC)), [])

    def test_broken_documents_are_refused(self) -> None:
        bad = copy.deepcopy(DOC)
        bad["paths"]["/v1/links"]["post"]["responses"]["201"]["content"]["application/json"]["schema"] = {
            "$ref": "#/components/schemas/Nothing"}
        self.assertTrue(check_openapi.check_document(check_openapi.Contract(bad)))
        bad = copy.deepcopy(DOC)
        bad["components"]["schemas"]["Link"]["type"] = "thing"
        self.assertTrue(check_openapi.check_document(check_openapi.Contract(bad)))
        bad = copy.deepcopy(DOC)
        bad["paths"]["/v1/users/{name}"] = bad["paths"].pop("/v1/users/{user}")
        self.assertTrue(check_openapi.check_document(check_openapi.Contract(bad)))
        bad = copy.deepcopy(DOC)
        del bad["webhooks"]["user.blocked"]
        self.assertTrue(check_openapi.check_document(check_openapi.Contract(bad)))


if __name__ == "__main__":
    unittest.main()
