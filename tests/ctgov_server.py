"""A local stand-in for the ClinicalTrials.gov API v2, for tests: a real HTTP server on 127.0.0.1 that
serves real records from ../shared/data with the API's paging protocol, and can be told to misbehave.

Implemented: ``GET /api/v2/version``, ``GET /api/v2/studies`` (``query.term``, ``query.cond``,
``query.intr``, ``query.locn``, ``filter.overallStatus``, ``filter.advanced`` with
``AREA[LastUpdatePostDate]RANGE[date,MAX]``, ``pageSize`` up to 1000, opaque ``pageToken`` /
``nextPageToken``, ``countTotal``), ``GET /api/v2/studies/{nctId}``.

Faults (queued, each consumed by one request): ``429`` (with ``Retry-After``), ``500``, ``slow`` (sleep past
the client's timeout, then answer), ``truncate`` (half the body), ``invalid_json``, and
``expire_tokens`` (every page token issued so far stops working).
"""

from __future__ import annotations

import copy
import json
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.conftest import FIXTURES
from trialscope.catalogue.readers import read_paths
from trialscope.catalogue.records import SourceRecord
from trialscope.catalogue.validate import CheckedRecord, check

_RANGE = re.compile(r"AREA\[LastUpdatePostDate\]RANGE\[(\d{4}-\d{2}-\d{2}),\s*MAX\]")


def real_records() -> list[dict[str, Any]]:
    """Every valid full record in ../shared/data (seed trials, API v2 fixtures, legacy XML converted)."""
    records: dict[str, dict[str, Any]] = {}
    for item in read_paths([FIXTURES / "seed-trials", FIXTURES / "ctgov-v2-fixtures", FIXTURES / "ctgov-xml-fixtures"]):
        if isinstance(item, SourceRecord):
            checked = check(item)
            if isinstance(checked, CheckedRecord) and checked.nct_id not in records:
                records[checked.nct_id] = item.study
    return [records[k] for k in sorted(records)]


@dataclass
class Fault:
    kind: str
    retry_after: int = 1
    seconds: float = 0.0


def _text(study: dict[str, Any], *paths: tuple[str, ...]) -> str:
    parts: list[str] = []
    for path in paths:
        node: Any = study
        for key in path:
            node = node.get(key, {}) if isinstance(node, dict) else {}
        parts.append(json.dumps(node))
    return " ".join(parts).lower()


def _matches(study: dict[str, Any], params: dict[str, str]) -> bool:
    protocol = ("protocolSection",)
    searches = {
        "query.term": [protocol],
        "query.cond": [(*protocol, "conditionsModule"), (*protocol, "identificationModule")],
        "query.intr": [(*protocol, "armsInterventionsModule")],
        "query.locn": [(*protocol, "contactsLocationsModule", "locations")],
    }
    for name, paths in searches.items():
        if name in params:
            text = _text(study, *paths)
            words = [w.strip('"').lower() for w in re.split(r"\s+OR\s+", params[name])]
            if not any(w in text for w in words):
                return False
    status = study["protocolSection"].get("statusModule", {})
    if "filter.overallStatus" in params and status.get("overallStatus") not in params["filter.overallStatus"].split(
        ","
    ):
        return False
    window = _RANGE.search(params.get("filter.advanced", ""))
    if window:
        updated = (status.get("lastUpdatePostDateStruct") or {}).get("date")
        if not updated or updated < window.group(1):
            return False
    return True


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that timed out and hung up is expected here (the slow fault): not an error."""


class FakeCtGov:
    def __init__(self, records: Iterable[dict[str, Any]] | None = None) -> None:
        self.studies = {
            s["protocolSection"]["identificationModule"]["nctId"]: s
            for s in (records if records is not None else real_records())
        }
        self.data_timestamp = "2026-11-20T09:00:00"
        self.faults: deque[Fault] = deque()
        self.tokens: dict[str, tuple[str, int]] = {}  # token -> (query signature, offset)
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.pages_served = 0
        self.page_served = threading.Event()
        self.lock = threading.Lock()
        self.server = _QuietServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/api/v2"

    def start(self) -> FakeCtGov:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- what tests change ------------------------------------------------------------------------------
    def add_fault(self, kind: str, count: int = 1, **options: Any) -> None:
        for _ in range(count):
            self.faults.append(Fault(kind, **options))

    def update_study(self, nct_id: str, change: Any, when: str = "2026-11-22") -> dict[str, Any]:
        """Apply ``change(study)`` to a copy, stamp its last update, and publish new data."""
        study = copy.deepcopy(self.studies[nct_id])
        change(study)
        study["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"] = {"date": when, "type": "ACTUAL"}
        with self.lock:
            self.studies[nct_id] = study
            self.data_timestamp = f"{when}T09:00:00"
        return study

    def study_requests(self) -> list[dict[str, str]]:
        return [params for path, params in self.requests if path.endswith("/studies")]

    # --- the protocol -----------------------------------------------------------------------------------
    def _search(self, params: dict[str, str]) -> tuple[int, dict[str, Any] | str]:
        size = min(int(params.get("pageSize", 10)), 1000)
        signature = json.dumps({k: v for k, v in sorted(params.items()) if k not in ("pageToken", "pageSize")})
        offset = 0
        if "pageToken" in params:
            known = self.tokens.get(params["pageToken"])
            if known is None or known[0] != signature:
                return 400, "The pageToken is not valid or has expired"
            offset = known[1]
        with self.lock:
            matching = [self.studies[k] for k in sorted(self.studies) if _matches(self.studies[k], params)]
        page = matching[offset : offset + size]
        body: dict[str, Any] = {"studies": page}
        if offset + size < len(matching):
            token = secrets.token_urlsafe(12)
            self.tokens[token] = (signature, offset + size)
            body["nextPageToken"] = token
        if params.get("countTotal") == "true":
            body["totalCount"] = len(matching)
        return 200, body

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: object) -> None:  # keep test output quiet
                pass

            def _send(self, status: int, body: bytes, content_type: str = "application/json", **headers: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for name, value in headers.items():
                    self.send_header(name.replace("_", "-"), value)
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                params = {k: v[-1] for k, v in parse_qs(url.query).items()}
                fake.requests.append((url.path, params))
                fault = fake.faults.popleft() if fake.faults else None
                if fault and fault.kind == "429":
                    return self._send(429, b"Too Many Requests", "text/plain", Retry_After=str(fault.retry_after))
                if fault and fault.kind == "500":
                    return self._send(500, b"Internal Server Error", "text/plain")
                if fault and fault.kind == "slow":
                    time.sleep(fault.seconds)
                if fault and fault.kind == "expire_tokens":
                    fake.tokens.clear()
                status, payload = self._route(url.path, params)
                body = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
                if status == 200 and fault and fault.kind == "truncate":
                    return self._send(200, body[: len(body) // 2])
                if status == 200 and fault and fault.kind == "invalid_json":
                    return self._send(200, b"<html>upstream error</html>")
                self._send(status, body, "application/json" if status == 200 else "text/plain")
                if url.path.endswith("/studies") and status == 200:
                    fake.pages_served += 1
                    fake.page_served.set()

            def _route(self, path: str, params: dict[str, str]) -> tuple[int, dict[str, Any] | str]:
                if path == "/api/v2/version":
                    return 200, {"apiVersion": "2.0.5", "dataTimestamp": fake.data_timestamp}
                if path == "/api/v2/studies":
                    return fake._search(params)
                match = re.fullmatch(r"/api/v2/studies/(NCT\d{8})", path)
                if match:
                    study = fake.studies.get(match.group(1))
                    return (200, study) if study else (404, f"study {match.group(1)} not found")
                return 404, "not found"

        return Handler
