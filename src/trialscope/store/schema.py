"""Tables of the trial store (SQLAlchemy Core; the same schema on SQLite and PostgreSQL).

- ``trials``: the current version of every trial: the API v2 record as JSON text (``record``), the
  original text when it was converted (``raw``: legacy XML), and the columns listing and stats need.
- ``trial_versions``: every version a newer one replaced, so history can be shown and alerted on.
- ``trial_locations``: one row per site of the current version (country stats, distance search later).
- ``change_events``: what changed per trial at each accepted import or sync.
- ``import_runs``: one row per ingest or sync, with its counts.
- ``trial_feed``: every change to a trial in commit order (what each server's search index follows).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

import_runs = Table(
    "import_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),  # ingest | sync
    Column("sources", Text, nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("added", Integer, nullable=False),
    Column("updated", Integer, nullable=False),
    Column("unchanged", Integer, nullable=False),
    Column("older", Integer, nullable=False),
    Column("rejected", Integer, nullable=False),
    Column("status", String(16), nullable=False),  # running | finished | failed | interrupted
    Column("owner", String(255)),  # host:pid of the process running it
)

trials = Table(
    "trials",
    metadata,
    Column("nct_id", String(11), primary_key=True),
    Column("source", String(32), nullable=False),
    Column("partial", Boolean, nullable=False),
    Column("brief_title", Text),
    Column("overall_status", String(40)),
    Column("study_type", String(40)),
    Column("phases", String(80)),  # "PHASE1|PHASE2"
    Column("lead_sponsor", Text),
    Column("sponsor_class", String(40)),
    Column("has_results", Boolean, nullable=False),
    Column("start_date", Date),
    Column("last_update", Date),
    Column("record", Text, nullable=False),
    Column("raw", Text),
    Column("content_hash", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("origin", Text, nullable=False),
    Column("first_seen_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("import_run_id", Integer, ForeignKey("import_runs.id")),
    Index("ix_trials_overall_status", "overall_status"),
    Index("ix_trials_last_update", "last_update"),
)

trial_versions = Table(
    "trial_versions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("nct_id", String(11), nullable=False),
    Column("version", Integer, nullable=False),
    Column("source", String(32), nullable=False),
    Column("partial", Boolean, nullable=False),
    Column("last_update", Date),
    Column("record", Text, nullable=False),
    Column("raw", Text),
    Column("content_hash", String(64), nullable=False),
    Column("origin", Text, nullable=False),
    Column("stored_at", DateTime(timezone=True), nullable=False),
    Column("superseded_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("nct_id", "version", name="uq_trial_versions_nct_version"),
)

trial_locations = Table(
    "trial_locations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("nct_id", String(11), nullable=False),
    Column("position", Integer, nullable=False),
    Column("facility", Text),
    Column("status", String(40)),
    Column("city", Text),
    Column("state", Text),
    Column("zip", String(40)),
    Column("country", Text),
    Column("lat", Float),
    Column("lon", Float),
    Index("ix_trial_locations_nct_id", "nct_id"),
    Index("ix_trial_locations_country", "country"),
)

change_events = Table(
    "change_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("nct_id", String(11), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("summary", Text, nullable=False),
    Column("old_value", Text),
    Column("new_value", Text),
    Column("version", Integer, nullable=False),
    Column("detected_at", DateTime(timezone=True), nullable=False),
    Column("import_run_id", Integer, ForeignKey("import_runs.id")),
    Index("ix_change_events_nct_id", "nct_id"),
    Index("ix_change_events_detected_at", "detected_at"),
)

# --- live sync (migration 0002) ---------------------------------------------------------------------------
sync_queries = Table(
    "sync_queries",
    metadata,
    Column("name", String(80), primary_key=True),
    Column("params", Text, nullable=False),  # JSON object of API query parameters
    Column("created_at", DateTime(timezone=True), nullable=False),
)

sync_state = Table(
    "sync_state",
    metadata,
    Column("query_name", String(80), primary_key=True),
    Column("status", String(16), nullable=False),  # idle | running
    # the run in progress (status = running): where to resume
    Column("run_since", Date),  # incremental lower bound on LastUpdatePostDate, None for a full run
    Column("run_data_timestamp", String(40)),  # /version dataTimestamp when the run started
    Column("page_token", Text),  # the next page to fetch; None: the first page
    Column("pages_done", Integer, nullable=False),
    Column("records_seen", Integer, nullable=False),
    Column("run_started_at", DateTime(timezone=True)),
    # the last run that finished
    Column("last_success_at", DateTime(timezone=True)),
    Column("last_data_timestamp", String(40)),
    Column("next_since", Date),  # lower bound for the next incremental run
)

# --- structured criteria (migration 0003) -----------------------------------------------------------------
trial_criteria = Table(
    "trial_criteria",
    metadata,
    Column("nct_id", String(11), primary_key=True),
    Column("text_hash", String(64), nullable=False),  # of the criteria text it was computed from
    Column("engine_version", String(40), nullable=False),
    Column("constraints", Text, nullable=False),  # JSON list in the flat constraint format
    Column("notes", Text, nullable=False),  # JSON list of disagreements with the structured fields
    Column("unparsed_share", Float, nullable=False),
    Column("parsed_at", DateTime(timezone=True), nullable=False),
    Column("outline", Text),  # migration 0005: compact evaluation form (criteria/outline.py); NULL until filled
    Column("segmentation", Text),  # migration 0009: the text's segmentation (criteria/segment.py); NULL until filled
)

# --- matching filters (migration 0004): columns on trials, see store/prepared.py ----------------------------
trials.append_column(Column("sex", String(10)))
trials.append_column(Column("condition_concepts", Text))  # "|acute myeloid leukemia|" from conditions and title
# the age limits as the record writes them ("18 Years", "6 Months"), and the ages in years they admit by the
# age rule (model/age.py ``AgeRange``): from age_from_years, up to but not including age_below_years (0012)
trials.append_column(Column("minimum_age", Text))
trials.append_column(Column("maximum_age", Text))
trials.append_column(Column("age_from_years", Float))
trials.append_column(Column("age_below_years", Float))

# --- people (migration 0008): what visitors leave with their consent, and the mail sent for them ------------
# Personal data lives only in these tables; each row has an expiry the purge honours (``store/people/retention.py``).
site_secrets = Table(  # keys every server of one database shares (CSRF, signed links), made on first use
    "site_secrets",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("value", String(128), nullable=False),
)

leads = Table(  # a request to contact a study team
    "leads",
    metadata,
    Column("id", String(32), primary_key=True),  # random: also the person's link to withdraw it
    Column("nct_id", String(11), nullable=False),
    Column("recipient", Text, nullable=False),  # the study team's contact as the record names it
    Column("recipient_email", Text, nullable=False),
    Column("site", Text),  # the site chosen, None for the central contact
    Column("name", Text, nullable=False),
    Column("email", Text),
    Column("phone", Text),
    Column("language", String(40)),
    Column("message", Text, nullable=False),
    Column("status", String(16), nullable=False),  # new | sent | failed | withdrawn
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Index("ix_leads_email", "email"),
    Index("ix_leads_expires_at", "expires_at"),
)

outbox = Table(  # every email trialscope sends, waiting, sent or failed
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(24), nullable=False),  # lead | lead_receipt | alert_confirm | digest
    Column("lead_id", String(32)),  # the lead it carries or confirms
    Column("subscription_id", String(32)),
    Column("to_address", Text, nullable=False),
    Column("message", Text, nullable=False),  # the whole RFC 5322 message, as it will be sent
    Column("status", String(16), nullable=False),  # waiting | sending | sent | failed | withdrawn
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("claimed_at", DateTime(timezone=True)),
    Column("last_error", Text),  # the SMTP server's answer, never the message
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True)),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Index("ix_outbox_status_next", "status", "next_attempt_at"),
    Index("ix_outbox_to_address", "to_address"),
)

operators = Table(
    "operators",
    metadata,
    Column("name", String(80), primary_key=True),
    Column("password_hash", Text, nullable=False),  # argon2id
    Column("created_at", DateTime(timezone=True), nullable=False),
)

subscriptions = Table(  # alerts: a search, a trial or a patient profile, by email
    "subscriptions",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("email", Text, nullable=False),
    Column("kind", String(16), nullable=False),  # search | trial | profile
    Column("params", Text, nullable=False),  # JSON: the search's parameters, {"nct_id": ...}, or the profile
    Column("language", String(16), nullable=False),
    Column("base_url", Text, nullable=False),  # where the links in its emails point
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("confirmed_at", DateTime(timezone=True)),
    Column("last_event_id", Integer, nullable=False),  # change events up to here were announced (or predate it)
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Index("ix_subscriptions_email", "email"),
)

operator_sessions = Table(  # who is logged in to the operator page (migration 0010)
    "operator_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),  # SHA-256 of the cookie's random token, never the token
    Column("operator", String(80), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Index("ix_operator_sessions_operator", "operator"),
    Index("ix_operator_sessions_expires_at", "expires_at"),
)

rate_limits = Table(  # requests per client and limit in fixed windows, shared by every worker (migration 0010)
    "rate_limits",
    metadata,
    Column("bucket", String(200), primary_key=True),  # the limit's name, the client, the window's number
    Column("hits", Integer, nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Index("ix_rate_limits_expires_at", "expires_at"),
)

notes = Table(  # private notes on a trial, encrypted under a key derived from the passcode
    "notes",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("nct_id", String(11), nullable=False),
    Column("passcode_hash", Text, nullable=False),  # argon2id
    Column("key_salt", String(64), nullable=False),
    Column("nonce", String(64), nullable=False),
    Column("ciphertext", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("failed_attempts", Integer, nullable=False),
    Column("locked_until", DateTime(timezone=True)),
)

# --- the trial feed (migration 0011): every change to a trial, in the order the changes were committed ------
# Written in the same transaction as the change, under the write turn (trial_store.py), with ``seq`` one more
# than the largest committed: a row with ``seq`` N is visible only after 1..N-1 were committed, so whoever
# follows the feed (each server's search index) reads it in ``seq`` order and remembers the last ``seq`` applied.
trial_feed = Table(
    "trial_feed",
    metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False),
    Column("nct_id", String(11), nullable=False),
    Column("version", Integer, nullable=False),  # the trial's version this change stored
    Column("stored_at", DateTime(timezone=True), nullable=False),
)

# --- the matcher's first filter as an index (migration 0013) ------------------------------------------------
# One row per disease concept a trial's conditions, keywords and title name (``trials.condition_concepts``,
# split), with the columns the filter reads and the candidate's summary: a patient's diagnoses (with everything
# they are a kind of) find their trials through the index on (concept, status) instead of a pattern match over
# every trial. Written with the trial, in the same transaction (``trial_store.py``).
condition_index = Table(
    "condition_index",
    metadata,
    Column("concept", String(200), primary_key=True),
    Column("nct_id", String(11), primary_key=True),
    Column("overall_status", String(40)),
    Column("minimum_age", Text),  # the age limits as written (``trials``' columns of the same names)
    Column("maximum_age", Text),
    Column("age_from_years", Float),  # the ages they admit by the age rule (model/age.py ``AgeRange``)
    Column("age_below_years", Float),
    Column("sex", String(10)),
    Column("brief_title", Text),
    Column("condition_concepts", Text),
    Index("ix_condition_index_concept_status", "concept", "overall_status"),
    Index("ix_condition_index_nct_id", "nct_id"),
)
