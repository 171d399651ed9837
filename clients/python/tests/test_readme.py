"""The examples of clients/python/README.md, run as written against a real
``tgate sandbox`` (only its address, API key and port are swapped for the
test's), so they cannot go stale."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import tempfile
import unittest
from pathlib import Path
from typing import Any

from .event_sink import EventSink
from .sandbox import API_KEY, Sandbox, wait_until

README = Path(__file__).resolve().parents[1] / "README.md"
EVENTS_SECRET = "readme-events-secret"


def example(name: str) -> str:
    """The ```python block after ``<!-- tested: name -->``."""
    m = re.search(r"<!-- tested: " + re.escape(name) + r" -->\s*```python\n(.*?)```", README.read_text(), re.S)
    if not m:
        raise AssertionError(f"README.md has no example marked '<!-- tested: {name} -->'")
    return m.group(1)


class ReadmeTest(unittest.TestCase):
    def test_the_examples_run_against_the_sandbox(self) -> None:
        sink = EventSink()
        sink.start()
        sandbox = Sandbox({"TGATE_EVENTS_URL": sink.url, "TGATE_EVENTS_SECRET": EVENTS_SECRET})
        self.addCleanup(sink.stop)
        sandbox.start()
        self.addCleanup(sandbox.stop)
        workdir = tempfile.TemporaryDirectory(prefix="tgate-readme-")
        self.addCleanup(workdir.cleanup)
        old_cwd = os.getcwd()
        os.chdir(workdir.name)
        self.addCleanup(os.chdir, old_cwd)

        def run(code: str, namespace: dict[str, Any]) -> str:
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                exec(compile(code, str(README), "exec"), namespace)
            return out.getvalue()

        ns: dict[str, Any] = {}
        link_code = example("python-client-link")
        for default in ('"http://127.0.0.1:8080"', 'api_key="sandbox"'):
            self.assertIn(default, link_code)
        link_code = link_code.replace('"http://127.0.0.1:8080"', repr(sandbox.url)).replace(
            'api_key="sandbox"', f"api_key={API_KEY!r}"
        )
        out = run(link_code, ns)
        link = ns["link"]
        self.assertIn(link.url, out)
        self.assertTrue(Path(workdir.name, "connect.svg").read_text().startswith("<?xml"))

        # The user presses Start.
        sandbox.press_start(1001, link.token)
        self.assertTrue(wait_until(lambda: bool(sandbox.emulator("GET", "/control/sent?chat_id=1001")["messages"])))
        out = run(example("python-client-send"), ns)
        self.assertIn("linked to chat 1001", out)
        self.assertRegex(out, r"(queued|sent)\n")
        self.assertIn("1/1 sent, 0 pending", out)
        self.assertTrue(wait_until(lambda: "Order shipped" in sandbox.sent_texts(1001)))

        os.environ["TGATE_EVENTS_SECRET"] = EVENTS_SECRET
        self.addCleanup(os.environ.pop, "TGATE_EVENTS_SECRET")
        run(example("python-client-events"), ns)
        self.assertTrue(wait_until(lambda: any(b"user.linked" in body for _, body in sink.events())))
        headers, body = next((h, b) for h, b in sink.events() if json.loads(b)["type"] == "user.linked")
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            self.assertEqual(ns["tgate_events"](headers, body), 200)
            self.assertEqual(ns["tgate_events"](headers, body.replace(b"42", b"43")), 400)
        self.assertEqual(printed.getvalue(), "user 42 linked to chat 1001\n")


if __name__ == "__main__":
    unittest.main()
