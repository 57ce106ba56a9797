"""Which of the registry's recruitment statuses mean "open", once: for a trial, and for one of its sites
(a site of an expanded-access programme is open when it is AVAILABLE). Search, matching, freshness and the
pages all read these."""

from __future__ import annotations

OPEN_STATUSES = frozenset({"RECRUITING", "NOT_YET_RECRUITING", "ENROLLING_BY_INVITATION"})
SITE_OPEN = OPEN_STATUSES | {"AVAILABLE"}
