"""The sections of a trial page, as plain data: every section the seed aggregator pages show, in a stable
order, with readable labels. The terminal renderer prints them; the trial page templates them.

Values are the registry's own text, unescaped: each renderer escapes for its medium.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from trialscope.geo import local_names
from trialscope.model.study import Contact, DateStruct, Location, Study
from trialscope.translation import N_, _, age_words, humanise, phases_label, status_label, term

Row = tuple[str, str]

_SLUG = re.compile(r"[^a-z0-9]+")
_MARKDOWN_ESCAPE = re.compile(r"\\([<>\[\]*_#`\\])")


def unescape_markdown(text: str | None) -> str | None:
    """ClinicalTrials.gov stores criteria as markdown ('\\< 2'); show the characters themselves ('< 2')."""
    return _MARKDOWN_ESCAPE.sub(r"\1", text) if text else text


@dataclass(slots=True)
class Section:
    title: str
    rows: list[Row] = field(default_factory=list)  # label: value pairs
    text: str | None = None  # a block of registry prose
    entries: list[list[Row]] = field(default_factory=list)  # repeated blocks (arms, sites, contacts)
    key: str = ""  # names the section for a view ("dates", "eligibility"); by default its title as a slug

    def __post_init__(self) -> None:
        if not self.key:
            self.key = _SLUG.sub("-", self.title.lower()).strip("-")

    def is_empty(self) -> bool:
        return not (self.rows or self.text or self.entries)


@dataclass(slots=True, frozen=True)
class RecordInfo:
    """Where the stored record came from, shown in the data-source section."""

    source: str
    partial: bool
    version: int
    origin: str
    stored_at: str


def _code(value: str | None, vocabulary: str = "generic") -> str:
    """An API code's readable words (data/labels.json) in the reader's language ("Older adult", "老年人")."""
    return term(humanise(value, vocabulary))


def _rows(*pairs: tuple[str, str | None]) -> list[Row]:
    return [(label, value) for label, value in pairs if value]


def _date(struct: DateStruct | None) -> str | None:
    if struct is None or not struct.date:
        return None
    return f"{struct.date} ({_code(struct.type).lower()})" if struct.type else struct.date


def _yes_no(value: bool | None) -> str | None:
    return None if value is None else ("Yes" if value else "No")


def contact_rows(contact: Contact) -> list[Row]:
    phone = (
        contact.phone + (f" ext. {contact.phone_ext}" if contact.phone and contact.phone_ext else "")
        if contact.phone
        else None
    )
    return _rows(
        (N_("Name"), contact.name),
        (N_("Role"), _code(contact.role) if contact.role else None),
        (N_("Phone"), phone),
        (N_("Email"), contact.email),
    )


def place_text(location: Location) -> str:
    """The site's city, state, postcode and country; the city and country in the reader's script."""
    city, country = local_names(location.city, location.country)
    parts = [p for p in (city, location.state, location.zip, country) if p]
    return ", ".join(p for i, p in enumerate(parts) if i == 0 or p.casefold() != parts[i - 1].casefold())


def trial_sections(study: Study, info: RecordInfo | None = None) -> list[Section]:
    """All sections of a trial page in the order the seed pages show them, empty ones left out (each section is
    built by a function of its own, below)."""
    sections = [section(study) for section in SECTIONS]
    if info is not None:
        sections.append(
            Section(
                N_("Data source"),
                _rows(
                    (
                        N_("Source"),
                        info.source
                        + (
                            " (partial record: a flattened extract, not the full registry entry)"
                            if info.partial
                            else ""
                        ),
                    ),
                    (N_("Stored version"), str(info.version)),
                    (N_("Imported from"), info.origin),
                    (N_("Last stored"), info.stored_at),
                ),
                key="source",
            )
        )
    return [s for s in sections if not s.is_empty()]


def _overview(study: Study) -> Section:
    p = study.protocol_section
    ident = p.identification_module
    status = p.status_module
    design = p.design_module
    enrollment = design.enrollment_info
    return Section(
        N_("Overview"),
        _rows(
            (N_("NCT ID"), ident.nct_id),
            (N_("Official title"), ident.official_title),
            (N_("Acronym"), ident.acronym),
            (N_("Status"), status_label(status.overall_status)),
            (N_("Why stopped"), status.why_stopped),
            (N_("Last known status"), status_label(status.last_known_status) if status.last_known_status else None),
            (N_("Phase"), phases_label(design.phases)),
            (N_("Study type"), _code(design.study_type) if design.study_type else None),
            (
                N_("Enrollment"),
                (
                    _("%(count)s participants", count=enrollment.count)
                    + (f" ({_code(enrollment.type).lower()})" if enrollment.type else "")
                )
                if enrollment and enrollment.count is not None
                else None,
            ),
            (N_("Conditions"), "; ".join(p.conditions_module.conditions) or None),
            (
                N_("Treatments"),
                "; ".join(
                    _("%(type)s: %(name)s", type=_code(i.type), name=i.name) if i.type else (i.name or "")
                    for i in p.arms_interventions_module.interventions
                )
                or None,
            ),
            (N_("Results posted"), "Yes" if study.has_results else "No"),
        ),
    )


def _key_dates(study: Study) -> Section:
    p = study.protocol_section
    status = p.status_module
    return Section(
        N_("Key dates"),
        _rows(
            (N_("First submitted"), status.study_first_submit_date),
            (N_("First posted"), _date(status.study_first_post_date_struct)),
            (N_("Study start"), _date(status.start_date_struct)),
            (N_("Primary completion"), _date(status.primary_completion_date_struct)),
            (N_("Study completion"), _date(status.completion_date_struct)),
            (N_("Results first posted"), _date(status.results_first_post_date_struct)),
            (N_("Last update posted"), _date(status.last_update_post_date_struct)),
            (N_("Record verified"), status.status_verified_date),
        ),
        key="dates",
    )


def _brief_summary(study: Study) -> Section:
    p = study.protocol_section
    return Section(N_("Brief summary"), text=unescape_markdown(p.description_module.brief_summary))


def _detailed_description(study: Study) -> Section:
    p = study.protocol_section
    return Section(N_("Detailed description"), text=unescape_markdown(p.description_module.detailed_description))


def _conditions_and_keywords(study: Study) -> Section:
    p = study.protocol_section
    return Section(
        N_("Conditions and keywords"),
        _rows(
            (N_("Conditions"), "; ".join(p.conditions_module.conditions) or None),
            (N_("Keywords"), "; ".join(p.conditions_module.keywords) or None),
            (N_("MeSH terms"), "; ".join(study.mesh_terms) or None),
        ),
    )


def _study_design(study: Study) -> Section:
    p = study.protocol_section
    design = p.design_module
    design_info = design.design_info
    return Section(
        N_("Study design"),
        _rows(
            (
                N_("Allocation"),
                _code(design_info.allocation) if design_info and design_info.allocation else None,
            ),
            (
                N_("Intervention model"),
                _code(design_info.intervention_model) if design_info and design_info.intervention_model else None,
            ),
            (N_("Model description"), design_info.intervention_model_description if design_info else None),
            (
                N_("Primary purpose"),
                _code(design_info.primary_purpose) if design_info and design_info.primary_purpose else None,
            ),
            (
                N_("Masking"),
                _code(design_info.masking_info.masking)
                + (
                    f" ({', '.join(_code(w) for w in design_info.masking_info.who_masked)})"
                    if design_info.masking_info.who_masked
                    else ""
                )
                if design_info and design_info.masking_info and design_info.masking_info.masking
                else None,
            ),
            (
                N_("Observational model"),
                _code(design_info.observational_model) if design_info and design_info.observational_model else None,
            ),
            (
                N_("Time perspective"),
                _code(design_info.time_perspective) if design_info and design_info.time_perspective else None,
            ),
            (N_("Target duration"), design.target_duration),
        ),
    )


def _arms_and_interventions(study: Study) -> Section:
    p = study.protocol_section
    return Section(
        N_("Arms and interventions"),
        entries=[
            _rows(
                (N_("Arm"), arm.label),
                (N_("Type"), _code(arm.type) if arm.type else None),
                (N_("Description"), arm.description),
                (N_("Interventions"), "; ".join(arm.intervention_names) or None),
            )
            for arm in p.arms_interventions_module.arm_groups
        ]
        + [
            _rows(
                (N_("Intervention"), i.name),
                (N_("Type"), _code(i.type) if i.type else None),
                (N_("Description"), i.description),
                (N_("Other names"), "; ".join(i.other_names) or None),
                (N_("Arms"), "; ".join(i.arm_group_labels) or None),
            )
            for i in p.arms_interventions_module.interventions
        ],
    )


def _outcome_measures(study: Study) -> Section:
    p = study.protocol_section
    return Section(
        N_("Outcome measures"),
        entries=[
            _rows((kind, o.measure), (N_("Time frame"), o.time_frame), (N_("Description"), o.description))
            for kind, outcomes in (
                (N_("Primary outcome"), p.outcomes_module.primary_outcomes),
                (N_("Secondary outcome"), p.outcomes_module.secondary_outcomes),
                (N_("Other outcome"), p.outcomes_module.other_outcomes),
            )
            for o in outcomes
        ],
    )


def _eligibility(study: Study) -> Section:
    p = study.protocol_section
    elig = p.eligibility_module
    return Section(
        N_("Eligibility"),
        _rows(
            (N_("Minimum age"), age_words(elig.minimum_age) if elig.minimum_age else N_("none stated")),
            (N_("Maximum age"), age_words(elig.maximum_age) if elig.maximum_age else N_("none stated")),
            (N_("Age groups"), ", ".join(_code(a) for a in elig.std_ages) or None),
            (N_("Sex"), _code(elig.sex) if elig.sex else None),
            (N_("Healthy volunteers"), _yes_no(elig.healthy_volunteers)),
            (N_("Study population"), elig.study_population),
            (N_("Sampling method"), _code(elig.sampling_method) if elig.sampling_method else None),
        ),
        text=unescape_markdown(elig.eligibility_criteria),
        key="eligibility",
    )


def _sponsors_and_collaborators(study: Study) -> Section:
    p = study.protocol_section
    sponsors = p.sponsor_collaborators_module
    return Section(
        N_("Sponsors and collaborators"),
        _rows(
            (
                N_("Lead sponsor"),
                (sponsors.lead_sponsor.name or "")
                + (f" ({_code(sponsors.lead_sponsor.class_)})" if sponsors.lead_sponsor.class_ else "")
                if sponsors.lead_sponsor
                else None,
            ),
            (
                N_("Collaborators"),
                "; ".join(
                    (c.name or "") + (f" ({_code(c.class_)})" if c.class_ else "") for c in sponsors.collaborators
                )
                or None,
            ),
            (
                N_("Responsible party"),
                ", ".join(
                    x
                    for x in (
                        _code(sponsors.responsible_party.type) if sponsors.responsible_party.type else None,
                        sponsors.responsible_party.investigator_full_name,
                        sponsors.responsible_party.investigator_title,
                        sponsors.responsible_party.investigator_affiliation,
                    )
                    if x
                )
                or None
                if sponsors.responsible_party
                else None,
            ),
        ),
    )


def _oversight(study: Study) -> Section:
    p = study.protocol_section
    return Section(
        N_("Oversight"),
        _rows(
            (N_("Data monitoring committee"), _yes_no(p.oversight_module.oversight_has_dmc)),
            (N_("FDA-regulated drug"), _yes_no(p.oversight_module.is_fda_regulated_drug)),
            (N_("FDA-regulated device"), _yes_no(p.oversight_module.is_fda_regulated_device)),
        ),
    )


def _study_officials(study: Study) -> Section:
    p = study.protocol_section
    contacts = p.contacts_locations_module
    return Section(
        N_("Study officials"),
        entries=[
            _rows(
                (N_("Name"), o.name),
                (N_("Role"), _code(o.role) if o.role else None),
                (N_("Affiliation"), o.affiliation),
            )
            for o in contacts.overall_officials
        ],
    )


def _central_contacts(study: Study) -> Section:
    p = study.protocol_section
    contacts = p.contacts_locations_module
    return Section(N_("Central contacts"), entries=[contact_rows(c) for c in contacts.central_contacts])


def _locations(study: Study) -> Section:
    return Section(
        N_("Locations"),
        rows=_rows(
            (N_("Note"), "site coordinates are city-level")
            if any(loc.geo_point for loc in study.locations)
            else ("", None)
        ),
        entries=[
            _rows(
                (N_("Facility"), loc.facility),
                (N_("Site status"), status_label(loc.status) if loc.status else "not stated"),
                (N_("Place"), place_text(loc) or None),
            )
            + [
                row
                for contact in loc.contacts
                for row in [(f"Contact: {label}", value) for label, value in contact_rows(contact)]
            ]
            for loc in study.locations
        ],
        key="locations",
    )


def _countries(study: Study) -> Section:
    return Section(N_("Countries"), _rows((N_("Countries"), ", ".join(study.countries) or None)))


def _identifiers(study: Study) -> Section:
    p = study.protocol_section
    ident = p.identification_module
    return Section(
        N_("Identifiers"),
        _rows(
            (N_("NCT ID"), ident.nct_id),
            (N_("Organization study ID"), ident.org_study_id_info.id if ident.org_study_id_info else None),
            (N_("Organization"), ident.organization.full_name if ident.organization else None),
        )
        + [
            (
                N_("Secondary ID"),
                s.id
                + (
                    f" ({', '.join(x for x in (_code(s.type) if s.type else None, s.domain) if x)})"
                    if s.type or s.domain
                    else ""
                ),
            )
            for s in ident.secondary_id_infos
        ],
    )


def _references_and_links(study: Study) -> Section:
    p = study.protocol_section
    return Section(
        N_("References and links"),
        entries=[
            _rows(
                (N_("Citation"), r.citation),
                (N_("PubMed ID"), r.pmid),
                (N_("Type"), _code(r.type) if r.type else None),
            )
            for r in p.references_module.references
        ]
        + [_rows((N_("Link"), link.url), (N_("Label"), link.label)) for link in p.references_module.see_also_links],
    )


def _ipd_sharing(study: Study) -> Section:
    p = study.protocol_section
    return Section(
        N_("Individual participant data (IPD) sharing"),
        _rows(
            (
                N_("Plan to share"),
                _code(p.ipd_sharing_statement_module.ipd_sharing)
                if p.ipd_sharing_statement_module.ipd_sharing
                else None,
            ),
            (N_("Description"), p.ipd_sharing_statement_module.description),
            (
                N_("Information types"),
                ", ".join(_code(t) for t in p.ipd_sharing_statement_module.info_types) or None,
            ),
            (N_("Time frame"), p.ipd_sharing_statement_module.time_frame),
            (N_("Access criteria"), p.ipd_sharing_statement_module.access_criteria),
            (N_("URL"), p.ipd_sharing_statement_module.url),
        ),
    )


REGISTRY_DOCUMENTS = "https://cdn.clinicaltrials.gov/large-docs"


def registry_url(nct_id: str) -> str:
    """The trial's own record on ClinicalTrials.gov."""
    return f"https://clinicaltrials.gov/study/{nct_id}"


def document_url(nct_id: str, filename: str | None) -> str | None:
    """Where ClinicalTrials.gov serves a record's document (protocol, analysis plan, consent form)."""
    return f"{REGISTRY_DOCUMENTS}/{nct_id[-2:]}/{nct_id}/{filename}" if filename else None


def _documents(study: Study) -> Section:
    return Section(
        N_("Documents"),
        entries=[
            _rows(
                (N_("Document"), d.label or d.type_abbrev),
                (N_("Date"), d.date),
                (N_("File"), document_url(study.nct_id, d.filename)),
            )
            for d in (
                study.document_section.large_document_module.large_docs
                if study.document_section.large_document_module
                else []
            )
        ],
    )


def _results(study: Study) -> Section:
    return Section(
        N_("Results"),
        _rows(
            (
                N_("Results posted"),
                N_("Yes: see the registry's results section") if study.has_results else N_("No results posted yet"),
            )
        ),
    )


# The record's sections, in the order a trial page shows them.
SECTIONS = (
    _overview,
    _key_dates,
    _brief_summary,
    _detailed_description,
    _conditions_and_keywords,
    _study_design,
    _arms_and_interventions,
    _outcome_measures,
    _eligibility,
    _sponsors_and_collaborators,
    _oversight,
    _study_officials,
    _central_contacts,
    _locations,
    _countries,
    _identifiers,
    _references_and_links,
    _ipd_sharing,
    _documents,
    _results,
)
