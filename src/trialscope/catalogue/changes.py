"""What changed between two versions of a trial, as events a person (or an alert) can read.

Kinds: ``new_trial``, ``status_changed``, ``site_added``, ``site_removed``, ``site_status_changed``,
``eligibility_changed`` (criteria text, ages, sex, healthy volunteers), ``dates_changed`` (start,
primary completion, completion).
"""

from __future__ import annotations

from dataclasses import dataclass

from trialscope.model.study import DateStruct, Location, Study


@dataclass(slots=True, frozen=True)
class ChangeEvent:
    kind: str
    summary: str
    old_value: str | None = None
    new_value: str | None = None


def _site_key(location: Location) -> tuple[str, str, str]:
    return (
        (location.facility or "").strip().lower(),
        (location.city or "").strip().lower(),
        (location.country or "").strip().lower(),
    )


def _site_name(location: Location) -> str:
    place = ", ".join(p for p in (location.city, location.country) if p)
    return f"{location.facility or 'unnamed site'}" + (f" ({place})" if place else "")


def _date(struct: DateStruct | None) -> str | None:
    return struct.date if struct else None


def _yes_no(value: bool | None) -> str | None:
    return None if value is None else ("accepted" if value else "not accepted")


def _status_words(status: str | None) -> str:
    return (status or "unknown").replace("_", " ").lower()


def new_trial_event(status: str | None) -> ChangeEvent:
    return ChangeEvent("new_trial", f"new trial, {_status_words(status)}", None, status)


def diff_studies(old: Study, new: Study, *, old_partial: bool = False) -> list[ChangeEvent]:
    """Events between two versions. When the old version was a partial record, values it simply did not
    have are gap-filling, not changes: only values present on both sides are compared."""
    events = [e for e in _all_differences(old, new) if not (old_partial and e.old_value is None)]
    if old_partial and not old.locations:
        events = [e for e in events if e.kind != "site_added"]
    return events


def _field_changes(kind: str, fields: tuple[tuple[str, str | None, str | None], ...]) -> list[ChangeEvent]:
    """One event per field whose value differs: 'start date changed from 2025-01 to 2025-03'."""
    return [
        ChangeEvent(kind, f"{label} changed from {before or 'not stated'} to {after or 'not stated'}", before, after)
        for label, before, after in fields
        if before != after
    ]


def _all_differences(old: Study, new: Study) -> list[ChangeEvent]:
    events: list[ChangeEvent] = []
    if old.overall_status != new.overall_status:
        events.append(
            ChangeEvent(
                "status_changed",
                f"status changed from {_status_words(old.overall_status)} to {_status_words(new.overall_status)}",
                old.overall_status,
                new.overall_status,
            )
        )

    old_sites = {_site_key(loc): loc for loc in old.locations}
    new_sites = {_site_key(loc): loc for loc in new.locations}
    for key, loc in new_sites.items():
        if key not in old_sites:
            events.append(ChangeEvent("site_added", f"site added: {_site_name(loc)}", None, loc.status))
        elif old_sites[key].status != loc.status:
            before = old_sites[key].status
            events.append(
                ChangeEvent(
                    "site_status_changed",
                    f"site {_site_name(loc)}: {_status_words(before)} -> {_status_words(loc.status)}",
                    before,
                    loc.status,
                )
            )
    for key, loc in old_sites.items():
        if key not in new_sites:
            events.append(ChangeEvent("site_removed", f"site removed: {_site_name(loc)}", loc.status, None))

    old_elig = old.protocol_section.eligibility_module
    new_elig = new.protocol_section.eligibility_module
    if (old_elig.eligibility_criteria or "") != (new_elig.eligibility_criteria or ""):
        events.append(
            ChangeEvent(
                "eligibility_changed",
                "eligibility criteria text changed",
                old_elig.eligibility_criteria,
                new_elig.eligibility_criteria,
            )
        )
    events += _field_changes(
        "eligibility_changed",
        (
            ("minimum age", old_elig.minimum_age, new_elig.minimum_age),
            ("maximum age", old_elig.maximum_age, new_elig.maximum_age),
            ("sex", old_elig.sex, new_elig.sex),
            ("healthy volunteers", _yes_no(old_elig.healthy_volunteers), _yes_no(new_elig.healthy_volunteers)),
        ),
    )
    old_status = old.protocol_section.status_module
    new_status = new.protocol_section.status_module
    events += _field_changes(
        "dates_changed",
        (
            ("start date", _date(old_status.start_date_struct), _date(new_status.start_date_struct)),
            (
                "primary completion date",
                _date(old_status.primary_completion_date_struct),
                _date(new_status.primary_completion_date_struct),
            ),
            ("completion date", _date(old_status.completion_date_struct), _date(new_status.completion_date_struct)),
        ),
    )
    return events
