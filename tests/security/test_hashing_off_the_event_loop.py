"""Probe 1: argon2 hashing ran inline in ``async`` routes, so four clients posting wrong passwords to
``/operator/login`` (or passcodes to a note) held the event loop, and ``GET /static/style.css`` went from
9 ms to 13.6 s. Hashing now runs in a bounded pool, outside the admission gate: a static file stays fast
while a stream of wrong passwords and passcodes is being checked, on a real server."""

from __future__ import annotations

import re
import statistics
import threading
import time

import httpx
from fastapi.testclient import TestClient

from tests.web.live_server import serving
from trialscope.store.trial_store import TrialStore
from trialscope.web.app import create_app
from trialscope.web.security import RateLimiter

GUESSERS = 4


def _guess(base: str, path: str, field: str, stop: threading.Event, tries: list[int]) -> None:
    with httpx.Client(base_url=base, timeout=60) as guesser:
        page = guesser.get(path)
        token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text)
        assert token, page.text[:200]
        while not stop.is_set():
            answer = guesser.post(path, data={"csrf_token": token.group(1), "name": "olga", field: "wrong guess 123"})
            assert answer.status_code in (403, 503), answer.status_code
            tries.append(answer.status_code)


def _note(client: TestClient) -> str:
    page = client.get("/trials/NCT07342244/notes")
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text)
    assert token
    saved = client.post(
        "/trials/NCT07342244/notes",
        data={
            "csrf_token": token.group(1),
            "text": "x",
            "passcode": "Heron-lake-42!",
            "passcode_again": "Heron-lake-42!",
        },
    )
    link = re.search(r'value="http://testserver(/notes/[\w-]+)"', saved.text)
    assert link, saved.text[:300]
    return link.group(1)


def test_static_files_stay_fast_under_a_stream_of_wrong_passwords(web_store: TrialStore) -> None:
    app = create_app(web_store, secret=b"test-secret", public_url="http://testserver")
    site = app.state.site
    site.login_limiter = RateLimiter(limit=100_000, window=600.0)  # every guess is hashed, none refused
    site.note_limiter = RateLimiter(limit=100_000, window=600.0)
    with TestClient(app) as setup:
        note_path = _note(setup)
    with serving(app) as base, httpx.Client(base_url=base, timeout=60) as visitor:
        visitor.get("/static/style.css")
        stop, tries = threading.Event(), []  # type: ignore[var-annotated]
        targets = [("/operator/login", "password")] * (GUESSERS - 1) + [(note_path, "passcode")]
        guessers = [threading.Thread(target=_guess, args=(base, p, f, stop, tries)) for p, f in targets]
        for guesser in guessers:
            guesser.start()
        time.sleep(1.0)  # the guesses are flowing
        seen = []
        for _ in range(30):
            started = time.perf_counter()
            assert visitor.get("/static/style.css").status_code == 200
            seen.append(time.perf_counter() - started)
            time.sleep(0.05)
        stop.set()
        for guesser in guessers:
            guesser.join(timeout=60)
    assert len(tries) >= 4, tries  # the stream was real
    assert statistics.median(seen) < 0.1 and max(seen) < 1.0, sorted(seen)
