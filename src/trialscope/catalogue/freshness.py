"""Is a trial's listing still to be believed? A freshness judgement a person can read.

A quarter of "recruiting" listings on aggregator sites are out of date. These rules flag the common
signs, each with its reason in words; they never change the record, only warn:
- an open listing (recruiting, not yet recruiting, enrolling by invitation) not updated for over
  2 years (ClinicalTrials.gov itself marks such records "unknown status" after 2 years unverified);
- an open listing whose completion or primary completion date has passed;
- "not yet recruiting" more than a year after the planned start date;
- the registry's own "unknown status".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from trialscope.model.statuses import OPEN_STATUSES
from trialscope.model.study import Study, partial_date_to_date
from trialscope.translation import _, humanise, term

STALE_AFTER = dt.timedelta(days=2 * 365)
LATE_START_AFTER = dt.timedelta(days=365)


@dataclass(frozen=True, slots=True)
class Freshness:
    stale: bool
    reasons: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return "may be out of date" if self.stale else "current"


def _years(delta: dt.timedelta) -> str:
    years = delta.days / 365.25
    return _("%(years)s years", years=format(years, ".1f")) if years >= 1 else _("%(days)s days", days=delta.days)


def judge_freshness(study: Study, today: dt.date | None = None) -> Freshness:
    module = study.protocol_section.status_module
    return judge_listing(
        study.overall_status,
        study.last_update,
        {
            "completion": partial_date_to_date(
                module.completion_date_struct.date if module.completion_date_struct else None
            ),
            "primary completion": partial_date_to_date(
                module.primary_completion_date_struct.date if module.primary_completion_date_struct else None
            ),
        },
        partial_date_to_date(module.start_date_struct.date if module.start_date_struct else None),
        today,
    )


def judge_listing(
    status: str | None,
    last_update: dt.date | None,
    completions: dict[str, dt.date | None],
    start: dt.date | None,
    today: dt.date | None = None,
) -> Freshness:
    """The judgement from the listing's dates (``completions``: completion and primary completion)."""
    today = today or dt.date.today()
    reasons: list[str] = []
    is_open = status in OPEN_STATUSES
    status_words = term(humanise(status, "status")).lower()  # the reasons are in the reader's language
    if is_open and last_update and today - last_update > STALE_AFTER:
        reasons.append(
            _(
                "listed as %(status)s but not updated since %(date)s (%(ago)s ago)",
                status=status_words,
                date=last_update.isoformat(),
                ago=_years(today - last_update),
            )
        )
    for label, when in completions.items():
        if is_open and when and when < today:
            values = {"date": when.isoformat(), "status": status_words}
            if label == "primary completion":
                reasons.append(
                    _(
                        "primary completion date %(date)s has passed but the trial is still listed as %(status)s",
                        **values,
                    )
                )
            else:
                reasons.append(
                    _("completion date %(date)s has passed but the trial is still listed as %(status)s", **values)
                )
            break
    if status == "NOT_YET_RECRUITING" and start and today - start > LATE_START_AFTER:
        reasons.append(_("planned to start on %(date)s but still not recruiting", date=start.isoformat()))
    if status == "UNKNOWN":
        reasons.append(_("the registry lists the status as unknown: the sponsor has not verified it for 2 years"))
    return Freshness(stale=bool(reasons), reasons=reasons)
