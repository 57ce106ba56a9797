"""The probe's note on rate limits: they were per process, so ``--workers N`` multiplied them. They are now
counted in the database: two app processes (workers) over one database share one limit."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.security.conftest import csrf_of
from trialscope.store.trial_store import TrialStore
from trialscope.web.app import create_app


def test_two_workers_share_one_log_in_limit(app_client: TestClient, seeded_store: TrialStore) -> None:
    with TestClient(create_app(seeded_store, secret=b"security-secret")) as other_worker:
        answers = []
        for n in range(12):
            worker = app_client if n % 2 else other_worker
            token = csrf_of(worker, "/operator/login")
            answer = worker.post("/operator/login", data={"csrf_token": token, "name": "x", "password": "wrong one 1"})
            answers.append(answer.status_code)
    assert answers[:10] == [403] * 10 and answers[10:] == [429, 429]  # 10 log-ins per 10 minutes, all workers


def test_a_limit_is_per_client_and_forgotten_on_request(seeded_store: TrialStore) -> None:
    counts = seeded_store.rate_limits
    assert all(counts.hit("t", "198.51.100.1", 3, 600.0) for _ in range(3))
    assert not counts.hit("t", "198.51.100.1", 3, 600.0)
    assert counts.hit("t", "198.51.100.2", 3, 600.0)  # another client
    assert counts.hit("other", "198.51.100.1", 3, 600.0)  # another limit
    counts.forget("t")
    assert counts.hit("t", "198.51.100.1", 3, 600.0)
    assert counts.purge() == 0  # nothing is past its window yet
