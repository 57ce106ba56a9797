"""Defaults a person can change, the environment variables that change them, and the values some options
accept: what the command line shows in its help before any work starts. Nothing is imported here, so
``trialscope --help`` does not load the database, search or web stacks; the modules that use these values
import them from here (one definition each)."""

from __future__ import annotations

ENV_DATABASE_URL = "TRIALSCOPE_DATABASE_URL"
ENV_API_URL = "TRIALSCOPE_API_URL"
ENV_CONCURRENCY = "TRIALSCOPE_CONCURRENCY"

DEFAULT_BATCH_SIZE = 500  # records per transaction when importing
DEFAULT_API_URL = "https://clinicaltrials.gov/api/v2"
DEFAULT_CONCURRENCY = 4  # requests per web worker process (measured: see benchmarks/README.md, web under load)

SEARCH_SORTS: tuple[str, ...] = ("relevance", "updated", "start", "distance")
CHANGE_KINDS: tuple[str, ...] = (  # what an import or sync records when a trial changes
    "new_trial",
    "status_changed",
    "site_added",
    "site_removed",
    "site_status_changed",
    "eligibility_changed",
    "dates_changed",
)
