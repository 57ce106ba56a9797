"""A client for the ClinicalTrials.gov API v2 (``GET /studies``, ``GET /studies/{nctId}``, ``GET /version``).

Polite and robust: a clear User-Agent, timeouts, a client-side rate limit (1 request/second by default,
the registry's robots.txt crawl delay; the API publishes no limit of its own), and retries with
exponential backoff and full jitter on timeouts, connection errors, 429 (honouring ``Retry-After``),
5xx, and bodies that arrive truncated or as invalid JSON. A 4xx other than 429 is not retried: it means
the request itself is wrong (an expired page token, say) and is raised as :class:`ApiRequestError`.
"""

from __future__ import annotations

import email.utils
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from trialscope import __version__
from trialscope.settings import DEFAULT_API_URL

log = logging.getLogger(__name__)

DEFAULT_REQUESTS_PER_SECOND = 1.0
MAX_PAGE_SIZE = 1000
MAX_RETRY_AFTER = 600.0  # seconds: a server asking for a longer pause is waited on for this long at most
USER_AGENT = f"trialscope/{__version__} (+self-hosted clinical trial finder; registry sync)"


class ApiError(Exception):
    """The API could not be used: retries exhausted, or a request it refused."""


class ApiRequestError(ApiError):
    """The API refused the request (4xx other than 429); retrying the same request will not help."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"HTTP {status}: {message}")
        self.status = status


@dataclass(frozen=True, slots=True)
class Page:
    studies: list[dict[str, Any]]
    next_page_token: str | None
    total_count: int | None


@dataclass(frozen=True, slots=True)
class ApiVersion:
    api_version: str
    data_timestamp: str  # UTC, yyyy-MM-ddTHH:mm:ss


class RateLimiter:
    """At most ``rate`` requests per second, spaced evenly (thread-safe)."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self._clock = clock
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = self._clock()
            delay = self._next - now
            self._next = max(now, self._next) + self.interval
        if delay > 0:
            time.sleep(delay)


def _retry_after_seconds(value: str | None) -> float | None:
    """``Retry-After`` as seconds: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class CtGovClient:
    def __init__(
        self,
        base_url: str = DEFAULT_API_URL,
        *,
        timeout: float = 30.0,
        max_retries: int = 6,
        backoff_base: float = 1.0,
        backoff_cap: float = 60.0,
        requests_per_second: float = DEFAULT_REQUESTS_PER_SECOND,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.limiter = RateLimiter(requests_per_second)
        self._http = httpx.Client(
            base_url=self.base_url,
            timeout=httpx.Timeout(timeout),
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            transport=transport,
            follow_redirects=True,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> CtGovClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # --- the endpoints ----------------------------------------------------------------------------------
    def version(self) -> ApiVersion:
        data = self._get_json("/version")
        return ApiVersion(str(data.get("apiVersion", "")), str(data.get("dataTimestamp", "")))

    def get_study(self, nct_id: str) -> dict[str, Any]:
        return self._get_json(f"/studies/{nct_id}")

    def studies_page(self, params: Mapping[str, str | int], page_token: str | None = None) -> Page:
        query: dict[str, str | int] = {"format": "json", **params}
        if page_token:
            query["pageToken"] = page_token
        data = self._get_json("/studies", query)
        studies = data.get("studies")
        if not isinstance(studies, list):
            raise ApiError("the /studies response has no 'studies' list")
        token = data.get("nextPageToken")
        total = data.get("totalCount")
        return Page(studies, str(token) if token else None, int(total) if isinstance(total, int) else None)

    def iter_pages(self, params: Mapping[str, str | int], page_token: str | None = None) -> Iterator[Page]:
        """The pages of a search, from ``page_token`` (None: the first page) to the last."""
        token = page_token
        while True:
            page = self.studies_page(params, token)
            yield page
            if not page.next_page_token:
                return
            token = page.next_page_token

    # --- transport with retries -------------------------------------------------------------------------
    def _backoff(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(cap, base * 2**attempt)]."""
        return random.uniform(0, min(self.backoff_cap, self.backoff_base * 2**attempt))

    def _get_json(self, path: str, params: Mapping[str, str | int] | None = None) -> dict[str, Any]:
        last_problem = "no attempt made"
        retry_after: float | None = None
        for attempt in range(self.max_retries + 1):
            if attempt:
                delay = self._backoff(attempt - 1)
                if retry_after is not None:
                    delay = max(delay, min(retry_after, MAX_RETRY_AFTER))
                log.info("retrying %s in %.1f s (attempt %d): %s", path, delay, attempt + 1, last_problem)
                time.sleep(delay)
                retry_after = None
            self.limiter.wait()
            try:
                response = self._http.get(path, params=params)
                body = response.read()
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                last_problem = f"{type(exc).__name__}: {exc}"
                continue
            status = response.status_code
            if status == 429 or status >= 500:
                retry_after = _retry_after_seconds(response.headers.get("Retry-After"))
                last_problem = f"HTTP {status}"
                continue
            if status >= 400:
                raise ApiRequestError(status, body.decode("utf-8", errors="replace")[:300].strip())
            try:
                data = orjson.loads(body)
            except orjson.JSONDecodeError as exc:  # truncated or garbled body: fetch again
                last_problem = f"invalid JSON in response ({exc})"
                continue
            if not isinstance(data, dict):
                last_problem = "response is not a JSON object"
                continue
            return data
        raise ApiError(f"{self.base_url}{path}: giving up after {self.max_retries + 1} attempts ({last_problem})")
