"""The README's example calls, run against a real ``tgate sandbox``.

The curl lines between ``<!-- readme-calls:begin -->`` and
``<!-- readme-calls:end -->`` in README.md run in order with bash and the
real curl, with ``$TGATE`` and ``$KEY`` pointing at a sandbox this test
starts (clients/python/tests/sandbox.py), and the ids in
``/v1/messages/<id>`` and ``/v1/broadcasts/<id>`` replaced by the ones the
calls before answered. After the link is issued, the emulator presses Start
for it, as the comment in the README tells the reader to. Every answer must
be 2xx and validate against api/openapi.json (check_openapi.py), and the
request too.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path
import time
import urllib.error
import urllib.request
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
import check_openapi  # noqa: E402


def load_sandbox() -> Any:
    spec = importlib.util.spec_from_file_location("tgate_sandbox", REPO / "clients/python/tests/sandbox.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def readme_calls() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- readme-calls:begin -->(.*?)<!-- readme-calls:end -->", text, re.S)
    if not block:
        raise AssertionError("README.md has no readme-calls block")
    return [line for line in block.group(1).splitlines() if line.startswith("curl ")]


# curl as the README writes it, plus what the test needs to see: the status,
# the content type and the body in files. "$@" keeps the line's own options.
CURL_WRAPPER = r'''
curl() {
  command curl -sS -o "$OUT/body" -w '%{http_code}\n%{content_type}' "$@" >"$OUT/status"
}
'''


class ReadmeCalls(unittest.TestCase):
    def setUp(self) -> None:
        sandbox_module = load_sandbox()
        self.sandbox = sandbox_module.Sandbox()
        self.sandbox.start()
        self.addCleanup(self.sandbox.stop)
        self.key = sandbox_module.API_KEY
        self.contract = check_openapi.Contract(json.loads((HERE / "openapi.json").read_text()))

    def run_call(self, line: str, out: Path) -> dict[str, Any]:
        env = {**os.environ, "TGATE": self.sandbox.url, "KEY": self.key, "OUT": str(out)}
        subprocess.run(["bash", "-c", CURL_WRAPPER + line], env=env, check=True, timeout=30)
        status, content_type = (out / "status").read_text().split("\n", 1)
        # What curl sent: the method and target from the line, the body after -d, the headers after -H.
        method = re.search(r"-X (\w+)", line)
        target = re.search(r'"\$TGATE(/[^"]*)"', line)
        body = re.search(r"-d '([^']*)'", line)
        headers = dict(h.split(": ", 1) for h in re.findall(r'-H "([^"]*)"', line))
        headers.pop("Authorization", None)
        assert target, line
        return {"method": method.group(1) if method else ("POST" if body else "GET"),
                "target": target.group(1),
                "request_headers": headers,
                "request_body": body.group(1) if body else "",
                "status": int(status),
                "content_type": content_type.strip(),
                "response_body": (out / "body").read_text(encoding="utf-8") if (out / "body").exists() else ""}

    def test_every_call_answers_2xx_and_validates(self) -> None:
        calls = readme_calls()
        self.assertGreaterEqual(len(calls), 10)
        ids: dict[str, str] = {}
        covered: set[str] = set()
        with tempfile.TemporaryDirectory() as tmp:
            for n, line in enumerate(calls):
                for resource, id_ in ids.items():
                    line = re.sub(rf"/v1/{resource}/[0-9]+", f"/v1/{resource}/{id_}", line)
                out = Path(tmp) / str(n)
                out.mkdir()
                x = self.run_call(line, out)
                with self.subTest(call=line):
                    self.assertTrue(200 <= x["status"] < 300, f"{line}\n-> {x['status']} {x['response_body']}")
                    key, problems = check_openapi.check_exchange(self.contract, x)
                    self.assertEqual(problems, [], line)
                    covered.add(key.rsplit(" ", 1)[0])
                answer = json.loads(x["response_body"]) if x["content_type"].startswith("application/json") else {}
                if x["method"] == "POST" and x["target"] == "/v1/links":
                    self.sandbox.press_start(4242, answer["token"])
                    self.wait_linked("42")
                for resource in ("messages", "broadcasts"):
                    if x["method"] == "POST" and x["target"] == f"/v1/{resource}":
                        ids[resource] = str(answer["id"])
        # The README shows every site API call.
        for route in ("POST /v1/links", "GET /v1/users/{user}", "DELETE /v1/users/{user}", "POST /v1/messages",
                      "GET /v1/messages/{id}", "POST /v1/broadcasts", "GET /v1/broadcasts/{id}",
                      "DELETE /v1/broadcasts/{id}"):
            self.assertIn(route, covered)

    def wait_linked(self, user: str) -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            req = urllib.request.Request(f"{self.sandbox.url}/v1/users/{user}",
                                         headers={"Authorization": f"Bearer {self.key}"})
            try:
                with urllib.request.urlopen(req, timeout=5):
                    return
            except urllib.error.HTTPError:
                time.sleep(0.05)
        self.fail(f"user {user} was not linked after pressing Start")


if __name__ == "__main__":
    unittest.main()
