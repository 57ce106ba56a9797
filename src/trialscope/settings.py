"""Defaults a person can change, the environment variables that change them, and the values some options
accept: what the command line shows in its help before any work starts. Nothing is imported here, so
``trialscope --help`` does not load the database, search or web stacks; the modules that use these values
import them from here (one definition each)."""

from __future__ import annotations

ENV_DATABASE_URL = "TRIALSCOPE_DATABASE_URL"
ENV_API_URL = "TRIALSCOPE_API_URL"
ENV_CONCURRENCY = "TRIALSCOPE_CONCURRENCY"
# where requests about trials whose record gives no email address go (a referral); unset: the operator page
ENV_OPERATOR_EMAIL = "TRIALSCOPE_OPERATOR_EMAIL"

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

# how long personal data is kept (days), each changeable by its environment variable
ENV_LEAD_DAYS = "TRIALSCOPE_LEAD_DAYS"
ENV_SUBSCRIPTION_DAYS = "TRIALSCOPE_SUBSCRIPTION_DAYS"
ENV_NOTE_DAYS = "TRIALSCOPE_NOTE_DAYS"
DEFAULT_LEAD_DAYS = 90  # a contact request, after which the study team has long had it
DEFAULT_SUBSCRIPTION_DAYS = 365  # a confirmed alert; an unconfirmed one lapses with its link (7 days)
DEFAULT_NOTE_DAYS = 90  # a private note
CONFIRM_LINK_DAYS = 7


def retention_days(variable: str, default: int) -> int:
    """Days from the environment variable ``variable`` (a whole number from 1), else ``default``."""
    import os

    text = os.environ.get(variable, "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"{variable}={text!r}: give a number of days, 1 or more")
    return int(text)
