from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.ctgov_server import FakeCtGov, real_records
from trialscope.sync.client import CtGovClient

_RECORDS = real_records()


@pytest.fixture
def server() -> Iterator[FakeCtGov]:
    fake = FakeCtGov(_RECORDS).start()
    yield fake
    fake.stop()


@pytest.fixture
def client(server: FakeCtGov) -> Iterator[CtGovClient]:
    """A client fast enough for tests: short timeout, tiny backoff, no rate limit to speak of."""
    with CtGovClient(server.url, timeout=0.5, backoff_base=0.01, backoff_cap=0.05, requests_per_second=1000) as c:
        yield c
