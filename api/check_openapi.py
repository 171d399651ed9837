#!/usr/bin/env python3
"""Holds api/openapi.json true.

  check_openapi.py document [openapi.json]
      The document's own structure: OpenAPI 3.1, every $ref resolves, every
      schema is a valid JSON Schema 2020-12, every path parameter declared,
      operationIds unique, an event webhook for each event type. (Debian ships
      no OpenAPI 3.1 meta-schema, so these are the structural checks.)
  check_openapi.py exchanges [--every-webhook] DIR [openapi.json]
      Every exchange the integration tests recorded in DIR/*.jsonl
      (tests/integration/harness/http_call.h) against the document: its route
      and status must be in it, the answer must validate against that status's
      schema and content type, and a request tgate accepted (2xx) must validate
      against the request body's and parameters' schemas. A path that is no
      route must have answered 404, a documented path with another method 405,
      both in the Error shape. Fails when nothing was recorded.
      Lines with "kind": "event" are events tgate POSTed to a recording sink
      ({"kind": "event", "headers": {...}, "body": "<raw JSON>"}): each must
      be a documented webhook (by its "type"), its headers must validate
      against the webhook's parameters and its body against its request
      body. With --every-webhook, every webhook in the document must have
      been seen at least once (the integration suite sends each kind).

Standard library plus Debian's python3-jsonschema (4.10: draft 2020-12).
"""

from __future__ import annotations

import glob
import json
import re
import sys
import urllib.parse
from pathlib import Path
from typing import Any, Iterator

import warnings

import jsonschema

# jsonschema >= 4.18 (not Debian 12's 4.10) deprecates RefResolver; it still works.
warnings.filterwarnings("ignore", category=DeprecationWarning, module=__name__)

DEFAULT_DOC = Path(__file__).resolve().parent / "openapi.json"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
EVENT_TYPES = ("user.linked", "user.unlinked", "user.blocked", "user.unblocked",
               "message.sent", "message.failed", "update")


class Contract:
    """The document, with its routes compiled and a validator per schema."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.resolver = jsonschema.RefResolver("", doc)
        self.routes: list[tuple[re.Pattern[str], str]] = []
        for path in doc["paths"]:
            rx = "^" + re.sub(r"\\\{[^}/]+\\\}", "([^/]+)", re.escape(path)) + "$"
            self.routes.append((re.compile(rx), path))

    def resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            _, node = self.resolver.resolve(node["$ref"])
        return node

    def validate(self, instance: Any, schema: dict[str, Any]) -> list[str]:
        validator = jsonschema.Draft202012Validator(schema, resolver=self.resolver)
        return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
                for e in validator.iter_errors(instance)]

    def match(self, path: str) -> tuple[str, dict[str, str]] | None:
        for rx, template in self.routes:
            m = rx.match(path)
            if m:
                names = re.findall(r"\{([^}/]+)\}", template)
                return template, dict(zip(names, (urllib.parse.unquote(g) for g in m.groups())))
        return None

    def parameters(self, template: str, method: str) -> list[dict[str, Any]]:
        item = self.doc["paths"][template]
        params = [self.resolve(p) for p in item.get("parameters", [])]
        params += [self.resolve(p) for p in item[method].get("parameters", [])]
        return params


def response_for(op: dict[str, Any], status: int) -> dict[str, Any] | None:
    responses = op["responses"]
    for key in (str(status), f"{status // 100}XX", "default"):
        if key in responses:
            return responses[key]
    return None


def check_body(c: Contract, content: dict[str, Any], content_type: str, body: str, what: str) -> list[str]:
    media = content_type.split(";")[0].strip().lower()
    if media not in content:
        return [f"{what}: content type {content_type!r} is not one of {sorted(content)}"]
    schema = content[media].get("schema", {})
    if set(schema) <= {"description"}:
        value = body  # any body: the document says nothing of it (a webhook acknowledges garbage)
    elif media == "application/json":
        try:
            value = json.loads(body)
        except ValueError as e:
            return [f"{what}: not JSON ({e})"]
    else:
        value = body
    return [f"{what}: {e}" for e in c.validate(value, schema)]


def coerce(value: str, schema: dict[str, Any]) -> Any:
    if schema.get("type") == "integer" and re.fullmatch(r"-?[0-9]+", value):
        return int(value)
    return value


def check_exchange(c: Contract, x: dict[str, Any]) -> tuple[str, list[str]]:
    """The operation ("GET /v1/users/{user} 200") and what is wrong with `x`."""
    method = x["method"].lower()
    url = urllib.parse.urlsplit(x["target"])
    status = int(x["status"])
    matched = c.match(url.path)
    error_schema = {"$ref": "#/components/schemas/Error"}
    json_error = {"application/json": {"schema": error_schema}}
    if matched is None:
        key = f"{method.upper()} (no route) {status}"
        if status != 404:
            return key, [f"{x['target']} is no route in the document, yet tgate answered {status}"]
        return key, check_body(c, json_error, x["content_type"], x["response_body"], "answer")
    template, path_params = matched
    item = c.doc["paths"][template]
    if method not in item:
        key = f"{method.upper()} {template} (method) {status}"
        if status != 405:
            return key, [f"{method.upper()} is not documented on {template}, yet tgate answered {status}"]
        return key, check_body(c, json_error, x["content_type"], x["response_body"], "answer")
    op = item[method]
    key = f"{method.upper()} {template} {status}"
    response = response_for(op, status)
    if response is None:
        return key, [f"status {status} is not documented for {method.upper()} {template}"]
    response = c.resolve(response)
    problems: list[str] = []
    if "content" in response:
        problems += check_body(c, response["content"], x["content_type"], x["response_body"], "answer")
    elif x["response_body"]:
        problems.append(f"answer: the document says no body, got {x['response_body'][:200]!r}")
    if 200 <= status < 300:
        problems += check_request(c, template, method, op, x, path_params, url.query)
    return key, problems


def check_request(c: Contract, template: str, method: str, op: dict[str, Any], x: dict[str, Any],
                  path_params: dict[str, str], query: str) -> list[str]:
    """A request tgate accepted must be one the document allows."""
    problems: list[str] = []
    given = {"path": path_params,
             "query": dict(urllib.parse.parse_qsl(query)),
             "header": {k.lower(): v for k, v in x.get("request_headers", {}).items()}}
    for p in c.parameters(template, method):
        where = given.get(p["in"], {})
        name = p["name"].lower() if p["in"] == "header" else p["name"]
        if name not in where:
            if p.get("required"):
                problems.append(f"request: {p['in']} parameter {p['name']} is required")
            continue
        schema = p.get("schema", {})
        problems += [f"request {p['in']} {p['name']}: {e}"
                     for e in c.validate(coerce(where[name], c.resolve(schema)), schema)]
    body = op.get("requestBody")
    if body is not None:
        body = c.resolve(body)
        if not x["request_body"]:
            if body.get("required"):
                problems.append("request: the body is required")
        else:
            # The harness sends JSON bodies as application/json.
            problems += check_body(c, body["content"], "application/json", x["request_body"], "request")
    return problems


def check_event(c: Contract, x: dict[str, Any]) -> tuple[str, list[str]]:
    """The webhook ("event user.linked") and what is wrong with the recorded event `x`."""
    body = x.get("body", "")
    try:
        value = json.loads(body)
    except ValueError as e:
        return "event (not JSON)", [f"event body: not JSON ({e})"]
    kind = value.get("type") if isinstance(value, dict) else None
    key = f"event {kind}"
    op = c.doc.get("webhooks", {}).get(str(kind), {}).get("post")
    if op is None:
        return key, [f"event type {kind!r} is not a documented webhook"]
    problems: list[str] = []
    headers = {k.lower(): v for k, v in x.get("headers", {}).items()}
    for p in (c.resolve(q) for q in op.get("parameters", [])):
        name = p["name"].lower()
        if name not in headers:
            if p.get("required"):
                problems.append(f"event header {p['name']} is required")
            continue
        problems += [f"event header {p['name']}: {e}" for e in c.validate(headers[name], p.get("schema", {}))]
    content_type = headers.get("content-type", "application/json")
    problems += check_body(c, c.resolve(op["requestBody"])["content"], content_type, body, "event body")
    return key, problems


def missing_events(c: Contract, seen: dict[str, int]) -> list[str]:
    """The documented webhooks no recorded event exercised."""
    return [name for name in c.doc.get("webhooks", {}) if seen.get(f"event {name}", 0) == 0]


def read_exchanges(directory: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for name in sorted(glob.glob(str(Path(directory) / "*.jsonl"))):
        with open(name, encoding="utf-8", errors="replace") as f:
            for n, line in enumerate(f, 1):
                if line.strip():
                    yield f"{Path(name).name}:{n}", json.loads(line)


def walk_refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str):
                yield v
            else:
                yield from walk_refs(v)
    elif isinstance(node, list):
        for v in node:
            yield from walk_refs(v)


def walk_schemas(c: Contract) -> Iterator[tuple[str, dict[str, Any]]]:
    doc = c.doc
    for name, s in doc.get("components", {}).get("schemas", {}).items():
        yield f"components/schemas/{name}", s
    for name, p in doc.get("components", {}).get("parameters", {}).items():
        yield f"components/parameters/{name}", p.get("schema", {})
    items = list(doc["paths"].items()) + list(doc.get("webhooks", {}).items())
    for path, item in items:
        for p in item.get("parameters", []):
            yield f"{path} parameters", c.resolve(p).get("schema", {})
        for method in METHODS:
            op = item.get(method)
            if not op:
                continue
            for p in op.get("parameters", []):
                yield f"{method} {path} parameters", c.resolve(p).get("schema", {})
            body = c.resolve(op["requestBody"]) if "requestBody" in op else {}
            for media, m in body.get("content", {}).items():
                yield f"{method} {path} request {media}", m.get("schema", {})
            for status, r in op.get("responses", {}).items():
                for media, m in c.resolve(r).get("content", {}).items():
                    yield f"{method} {path} {status} {media}", m.get("schema", {})


def check_document(c: Contract) -> list[str]:
    doc = c.doc
    problems: list[str] = []
    if not re.fullmatch(r"3\.1\.[0-9]+", str(doc.get("openapi", ""))):
        problems.append("openapi must be 3.1.x")
    for field in ("title", "version"):
        if not isinstance(doc.get("info", {}).get(field), str):
            problems.append(f"info.{field} is required")
    for ref in set(walk_refs(doc)):
        try:
            c.resolver.resolve(ref)
        except jsonschema.RefResolutionError as e:
            problems.append(f"$ref {ref} does not resolve: {e}")
    if problems:
        return problems
    for where, schema in walk_schemas(c):
        try:
            jsonschema.Draft202012Validator.check_schema(schema)
        except jsonschema.SchemaError as e:
            problems.append(f"{where}: not a JSON Schema 2020-12: {e.message}")
    op_ids: dict[str, str] = {}
    schemes = doc.get("components", {}).get("securitySchemes", {})
    for path, item in doc["paths"].items():
        if not path.startswith("/"):
            problems.append(f"path {path} must start with /")
        names = set(re.findall(r"\{([^}/]+)\}", path))
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            where = f"{method.upper()} {path}"
            if not op.get("responses"):
                problems.append(f"{where}: no responses")
            for status in op.get("responses", {}):
                if not re.fullmatch(r"[1-5][0-9X]{2}|default", status):
                    problems.append(f"{where}: response key {status}")
            op_id = op.get("operationId")
            if op_id in op_ids:
                problems.append(f"{where}: operationId {op_id} also on {op_ids[op_id]}")
            elif op_id:
                op_ids[op_id] = where
            declared = {p["name"] for p in c.parameters(path, method) if p["in"] == "path"}
            if declared != names:
                problems.append(f"{where}: path parameters declared {sorted(declared)}, in the path {sorted(names)}")
            for req in op.get("security", doc.get("security", [])):
                for scheme in req:
                    if scheme not in schemes:
                        problems.append(f"{where}: unknown security scheme {scheme}")
    for event in EVENT_TYPES:
        if "post" not in doc.get("webhooks", {}).get(event, {}):
            problems.append(f"webhooks: no POST for the event {event}")
    return problems


def main(argv: list[str]) -> int:
    every_webhook = "--every-webhook" in argv
    argv = [a for a in argv if a != "--every-webhook"]
    if len(argv) < 2 or argv[1] not in ("document", "exchanges") or (argv[1] == "exchanges" and len(argv) < 3):
        print(__doc__, file=sys.stderr)
        return 2
    doc_path = Path(argv[3] if argv[1] == "exchanges" and len(argv) > 3 else
                    argv[2] if argv[1] == "document" and len(argv) > 2 else DEFAULT_DOC)
    c = Contract(json.loads(doc_path.read_text(encoding="utf-8")))
    if argv[1] == "document":
        problems = check_document(c)
        for p in problems:
            print(f"{doc_path}: {p}", file=sys.stderr)
        if not problems:
            print(f"{doc_path}: a well-formed OpenAPI {c.doc['openapi']} document, {len(c.routes)} paths")
        return 1 if problems else 0
    seen: dict[str, int] = {}
    failures = 0
    for where, x in read_exchanges(argv[2]):
        key, problems = check_event(c, x) if x.get("kind") == "event" else check_exchange(c, x)
        seen[key] = seen.get(key, 0) + 1
        for p in problems:
            failures += 1
            what = "event" if x.get("kind") == "event" else f"{x['method']} {x['target']} -> {x['status']}"
            print(f"{where}: {what}: {p}", file=sys.stderr)
    if not seen:
        print(f"no exchanges recorded in {argv[2]}: run the integration tests first "
              "(ctest runs this check after them)", file=sys.stderr)
        return 1
    for key in sorted(seen):
        print(f"{seen[key]:6d}  {key}")
    events = sum(n for k, n in seen.items() if k.startswith("event "))
    if every_webhook:
        for name in missing_events(c, seen):
            failures += 1
            print(f"the webhook {name} is documented but no recorded event exercised it", file=sys.stderr)
    print(f"{sum(seen.values()) - events} exchanges, {events} events, {failures} problems")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
