"""The API client against the local server: paging, retries on every transient fault, Retry-After,
no retry on a refused request, the rate limit."""

from __future__ import annotations

import time

import pytest

from tests.ctgov_server import FakeCtGov
from trialscope.sync.client import USER_AGENT, ApiError, ApiRequestError, CtGovClient, RateLimiter


def test_version_and_one_study(server: FakeCtGov, client: CtGovClient) -> None:
    assert client.version().data_timestamp == server.data_timestamp
    study = client.get_study("NCT07342244")
    assert study["protocolSection"]["identificationModule"]["nctId"] == "NCT07342244"


def test_paging_visits_every_record_once(server: FakeCtGov, client: CtGovClient) -> None:
    pages = list(client.iter_pages({"pageSize": 7, "countTotal": "true"}))
    ids = [s["protocolSection"]["identificationModule"]["nctId"] for p in pages for s in p.studies]
    assert sorted(ids) == sorted(server.studies) and len(ids) == len(set(ids))
    assert pages[0].total_count == len(server.studies) and pages[-1].next_page_token is None
    assert all(params.get("format") == "json" for params in server.study_requests())


@pytest.mark.parametrize("fault", ["500", "truncate", "invalid_json"])
def test_transient_faults_are_retried(server: FakeCtGov, client: CtGovClient, fault: str) -> None:
    server.add_fault(fault, count=3)
    assert client.version().data_timestamp == server.data_timestamp
    assert len(server.requests) == 4


def test_slow_response_times_out_and_is_retried(server: FakeCtGov, client: CtGovClient) -> None:
    server.add_fault("slow", seconds=1.5)
    assert client.version().api_version == "2.0.5"
    assert len(server.requests) == 2


def test_429_honours_retry_after(server: FakeCtGov, client: CtGovClient) -> None:
    server.add_fault("429", retry_after=1)
    started = time.monotonic()
    client.version()
    assert time.monotonic() - started >= 0.95  # waited as told, though its own backoff is 10 ms
    assert len(server.requests) == 2


def test_gives_up_with_a_clear_error(server: FakeCtGov) -> None:
    server.add_fault("500", count=10)
    with (
        CtGovClient(server.url, max_retries=2, backoff_base=0.01, requests_per_second=1000) as quick,
        pytest.raises(ApiError, match="giving up after 3 attempts"),
    ):
        quick.version()


def test_refused_request_is_not_retried(server: FakeCtGov, client: CtGovClient) -> None:
    with pytest.raises(ApiRequestError) as refused:
        client.studies_page({"pageSize": 5}, page_token="no-such-token")
    assert refused.value.status == 400 and len(server.requests) == 1


def test_rate_limit_spaces_requests() -> None:
    limiter = RateLimiter(20)
    started = time.monotonic()
    for _ in range(6):
        limiter.wait()
    assert time.monotonic() - started >= 5 / 20 * 0.95


def test_user_agent_names_the_product() -> None:
    assert USER_AGENT.startswith("trialscope/")
