"""Plain-language summaries of a trial ("who it is for, what is being tested, what taking part involves,
where, current status"), generated deterministically from the record and its structured criteria, in short
sentences a person can read at or below US grade 8; and a glossary that explains jargon where it appears.

Registry wording is used only where it is short (a drug name); long registry phrases are described by
kind instead ("a cell treatment"), so the reading level stays low whatever the record says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from html import escape
from typing import Any, ClassVar

import ahocorasick_rs
from markupsafe import Markup

from trialscope.criteria.vocabulary import vocabulary
from trialscope.geo import local_names
from trialscope.model.age import age_in_years
from trialscope.model.study import Study
from trialscope.presentation.sections import REGISTRY_DOCUMENTS
from trialscope.reviewed_data import Entry, ReviewedFile, read_reviewed
from trialscope.translation import _, join_sentences, language_key, term
from trialscope.web.i18n import N_


@dataclass(frozen=True, slots=True)
class PlainWords:
    """The words summaries use for codes (``data/web/plain_words.json``, for a reviewer)."""

    diseases: dict[str, str]
    cell_therapies: list[tuple[re.Pattern[str], str]]
    cell_therapy_involves: str
    intervention_kinds: dict[str, str]
    phases: dict[str, str]
    statuses: dict[str, str]
    treatment_paths: list[tuple[re.Pattern[str], str]]  # a path the record states ("CAR-T followed by HSCT")


class _Saying(Entry):
    pattern: str
    says: str


class _PlainWordsFile(ReviewedFile):
    """data/web/plain_words.json."""

    FILE: ClassVar[str] = "data/web/plain_words.json"
    about: str
    diseases: dict[str, str]
    cell_therapies: tuple[_Saying, ...]
    treatment_paths: tuple[_Saying, ...] = ()
    cell_therapy_involves: str
    intervention_kinds: dict[str, str]
    phases: dict[str, str]
    statuses: dict[str, str]


@cache
def plain_words() -> PlainWords:
    data = read_reviewed(_PlainWordsFile)
    return PlainWords(
        dict(data.diseases),
        [(re.compile(t.pattern, re.IGNORECASE), t.says) for t in data.cell_therapies],
        data.cell_therapy_involves,
        dict(data.intervention_kinds),
        dict(data.phases),
        dict(data.statuses),
        [(re.compile(t.pattern, re.IGNORECASE), t.says) for t in data.treatment_paths],
    )


@dataclass(frozen=True, slots=True)
class PlainSummary:
    """Each sentence from one place: ``who`` from the record's sex and age fields, its conditions and the
    criteria's required disease status and markers (stated in the criteria, not implied by the therapy);
    ``age_conflict`` where the age fields and the criteria disagree; ``what`` from the interventions and
    title (a treatment path only where they state it); ``involves`` from the phase, enrollment and design;
    ``where`` from the sites; ``status`` from the overall status and last update."""

    who: str
    what: str
    involves: str
    where: str
    status: str
    age_conflict: str = ""  # the record's age fields and its criteria text disagree: said near the top

    def parts(self) -> list[tuple[str, str]]:
        return [
            (N_("Who it is for"), join_sentences([self.who, self.age_conflict])),
            (N_("What is being tested"), self.what),
            (N_("What taking part involves"), self.involves),
            (N_("Where"), self.where),
            (N_("Current status"), self.status),
        ]

    @property
    def text(self) -> str:
        return join_sentences(sentence for _heading, sentence in self.parts())


# Each sentence is built from plain values, so a trial page (from the record) and a result card (from the
# search index's card) say the same thing in the same words; in the reader's language (``_``, ``term``).
def _years(age: float) -> str:
    return f"{age:g}"


def _ages(minimum_age: str | None, maximum_age: str | None) -> tuple[str, bool]:
    """The ages in words, and whether they are just "adults" (18 and over)."""
    low, high = age_in_years(minimum_age), age_in_years(maximum_age)
    if low is not None and high is not None:
        return _("aged %(low)s to %(high)s", low=_years(low), high=_years(high)), False
    if low is not None:
        return (_("adults"), True) if low == 18 else (_("aged %(low)s or older", low=_years(low)), False)
    if high is not None:
        return _("up to age %(high)s", high=_years(high)), False
    return _("of any age"), False


def _subject(sex: str | None, minimum_age: str | None, maximum_age: str | None) -> str:
    """'women aged 18 to 70', 'adult men', 'adults'."""
    ages, adults = _ages(minimum_age, maximum_age)
    sex = (sex or "ALL").upper()
    if adults:
        return {"FEMALE": _("adult women"), "MALE": _("adult men")}.get(sex, ages)
    people = {"FEMALE": _("women"), "MALE": _("men")}.get(sex, _("people"))
    return _("%(people)s %(ages)s", people=people, ages=ages)


def _who(
    sex: str | None,
    minimum_age: str | None,
    maximum_age: str | None,
    diseases: list[str],
    constraints: list[dict[str, Any]],
) -> str:
    words = plain_words().diseases
    plain = [term(words[d]) for d in vocabulary().most_specific(diseases) if d in words][:1]
    subject = _subject(sex, minimum_age, maximum_age)
    sentence = (
        _("It is for %(who)s with %(disease)s", who=subject, disease=plain[0])
        if plain
        else _("It is for %(who)s", who=subject)
    )
    statuses = {
        c.get("concept")
        for c in constraints
        if c.get("category") == "disease_status" and c.get("polarity") == "include" and not c.get("definitional")
    }
    if statuses & {"relapsed", "refractory", "relapsed or refractory"}:
        sentence += _(" that came back or did not get better with treatment")
    stated = [  # written in the criteria: a marker only implied by the therapy's target is not claimed
        c
        for c in constraints
        if c.get("category") == "biomarker"
        and c.get("polarity") == "include"
        and c.get("concept")
        and not c.get("implicit")
        and not c.get("definitional")
    ]
    markers = sorted({c["concept"] for c in stated})[:2]
    if markers:
        groups = {c.get("any_of_group") for c in stated if c["concept"] in markers}
        if len(markers) > 1 and None not in groups and len(groups) == 1:  # one of them is enough
            sentence += _(". The cancer cells must carry %(markers)s", markers=_or(markers))
        else:
            sentence += _(". The cancer cells must carry %(markers)s", markers=_and(markers))
    return sentence + _(".")


def _or(words: list[str]) -> str:
    return _("%(first)s or %(second)s", first=words[0], second=words[1])


def _criteria_ages(constraints: list[dict[str, Any]]) -> tuple[float | None, float | None]:
    """The youngest and oldest age the criteria text allows (None where it sets no limit)."""
    low = high = None
    for c in constraints:
        if c.get("quantity") != "age" or c.get("definitional") or c.get("implicit") or c.get("value") is None:
            continue
        value, comparator, include = float(c["value"]), c.get("comparator"), c.get("polarity") == "include"
        if (comparator in (">=", ">") and include) or (comparator in ("<", "<=") and not include):
            low = value if low is None else max(low, value)
        elif (comparator in ("<=", "<") and include) or (comparator in (">", ">=") and not include):
            high = value if high is None else min(high, value)
    return low, high


def age_conflict(minimum_age: str | None, maximum_age: str | None, constraints: list[dict[str, Any]]) -> str:
    """A sentence when the record's age fields and its criteria text set different limits ("18 to 78" against
    "18-75 years"), else nothing."""
    low, high = _criteria_ages(constraints)
    field_low, field_high = age_in_years(minimum_age), age_in_years(maximum_age)
    differs = (low is not None and field_low is not None and low != field_low) or (
        high is not None and field_high is not None and high != field_high
    )
    if not differs:
        return ""
    fields, _adults = _ages(minimum_age, maximum_age)
    if low is not None and high is not None:
        said = _("aged %(low)s to %(high)s", low=_years(low), high=_years(high))
    elif low is not None:
        said = _("aged %(low)s or older", low=_years(low))
    else:
        said = _("up to age %(high)s", high=_years(high or 0))
    return _(
        "The record's age fields and its criteria disagree: the fields say people %(fields)s, the criteria "
        "people %(criteria)s. Ask the study team which applies.",
        fields=fields,
        criteria=said,
    )


def _and(words: list[str]) -> str:
    return _("%(first)s and %(second)s", first=words[0], second=words[1]) if len(words) > 1 else words[0]


def _what(text: str, kinds: list[str], names: list[str], targets: list[str]) -> str:
    """``text``: the title and the interventions' words, where a cell therapy is named."""
    words = plain_words()
    what = next((term(says) for pattern, says in words.cell_therapies if pattern.search(text)), None)
    if what is None:
        kind = next((k for k in kinds if k), None)
        if kind:
            what = _("It tests %(kind)s.", kind=term(words.intervention_kinds.get(kind)) or _("a treatment"))
        else:
            what = _("It studies a treatment or a group of patients.")
    short = [" ".join(n.split()) for n in names if len(n.split()) <= 3]
    short = [n for n in dict.fromkeys(short) if not any(n != other and n in other for other in short)][:2]
    if short:
        what += _(" Its name: %(names)s.", names=", ".join(short))
    if len(targets) > 1:
        what += _(" It aims at %(targets)s, markers on the cancer cells.", targets=_and(targets[:2]))
    elif targets:
        what += _(" It aims at %(targets)s, a marker on the cancer cells.", targets=targets[0])
    path = next((term(says) for pattern, says in words.treatment_paths if pattern.search(text)), None)
    return join_sentences([what, path]) if path else what


def _is_cell_therapy(what: str) -> bool:
    return any(term(says) in what for _pattern, says in plain_words().cell_therapies)


def _involves(study: Study, cell_therapy: bool) -> str:
    design = study.protocol_section.design_module
    words = plain_words()
    sentences = [next((term(words.phases[p]) for p in study.phases if p in words.phases), "")]
    enrollment = design.enrollment_info.count if design.enrollment_info else None
    if enrollment:
        sentences.append(_("About %(count)s people take part.", count=enrollment))
    info = design.design_info
    if info and (info.allocation or "").upper() == "RANDOMIZED":
        sentences.append(_("People are put into groups by chance."))
    elif info and (info.intervention_model or "").upper() == "SINGLE_GROUP":
        sentences.append(_("Everyone gets the study treatment."))
    if cell_therapy:
        sentences.append(term(words.cell_therapy_involves))
    sentences.append(_("Ask the study team about visits, tests and costs."))
    return join_sentences(sentences)


def _where(study: Study) -> str:
    sites = study.locations
    countries = study.countries
    if not sites:
        return _("The record lists no sites yet.")
    cities = sorted({s.city for s in sites if s.city})
    if len(sites) == 1 and cities:
        city, country = local_names(cities[0], countries[0] if countries else None)
        if country and country.casefold() != (city or "").casefold():  # not "Singapore, Singapore"
            return _("It runs at 1 site, in %(city)s, %(country)s.", city=city, country=country)
        return _("It runs at 1 site, in %(city)s.", city=city)
    if len(countries) > 1:
        return _("It runs at %(sites)s sites in %(count)s countries.", sites=len(sites), count=len(countries))
    if countries:
        _city, country = local_names(None, countries[0])
        return _("It runs at %(sites)s sites in %(country)s.", sites=len(sites), country=country)
    return _("It runs at %(sites)s sites in one country.", sites=len(sites))


def _status(status: str | None, last_update: str | None) -> str:
    said = term(plain_words().statuses.get(status or "UNKNOWN")) or _("Its status is not known.")
    return said + (_(" The record was last updated on %(date)s.", date=last_update) if last_update else "")


def plain_summary(
    study: Study, constraints: list[dict[str, Any]], diseases: list[str], targets: list[str]
) -> PlainSummary:
    """The summary of a trial: ``diseases`` and ``targets`` as the search index derives them."""
    eligibility = study.protocol_section.eligibility_module
    interventions = study.protocol_section.arms_interventions_module.interventions
    text = " ".join(f"{i.name or ''} {i.description or ''}" for i in interventions) + " " + study.title
    what = _what(text, [i.type or "" for i in interventions], [i.name for i in interventions if i.name], targets)
    return PlainSummary(
        _who(eligibility.sex, eligibility.minimum_age, eligibility.maximum_age, diseases, constraints),
        what,
        _involves(study, _is_cell_therapy(what)),
        _where(study),
        _status(study.overall_status, study.last_update.isoformat() if study.last_update else None),
        age_conflict(eligibility.minimum_age, eligibility.maximum_age, constraints),
    )


def card_summary(card: dict[str, Any]) -> str:
    """Two sentences for a result card (who it is for, what is tested), from the search index's card alone
    (no criteria are read: a result list stays quick). The same words as the trial page's summary."""
    who = _who(card.get("sex"), card.get("minimum_age"), card.get("maximum_age"), card.get("diseases") or [], [])
    what = _what(card.get("title") or "", card.get("intervention_types") or [], [], card.get("targets") or [])
    return join_sentences([who, _first_sentence(what)])


def _first_sentence(text: str) -> str:
    """The first sentence of ``text``, with its full stop (English or Chinese)."""
    match = re.match(r"(.+?(?:\.(?=\s|$)|。))", text)
    return match.group(1) if match else text


# --- glossary -------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Term:
    term: str
    explain: str


def _is_word_character(character: str) -> bool:
    """What a glossary word may not touch on either side: a letter, digit, underscore (``\\w``) or hyphen."""
    return character.isalnum() or character in "_-"


@dataclass(frozen=True, slots=True)
class _FormFinder:
    """Where the forms of one kind (written in any case, or only as written) stand in a text, as a pattern
    of them all would find them: on word edges, leftmost first, the longest at a place, then on from its
    end. An Aho-Corasick automaton finds every place a form is written in one pass (where the pattern tried
    each of the forms at each character); in any case, it reads the text in lower case, which for a text
    that is not ASCII is left to the pattern (a lower-case letter there can be more than one character, and
    the pattern's case folding knows letters such as the long s)."""

    automaton: ahocorasick_rs.AhoCorasick | None  # None: no forms of this kind
    pattern: re.Pattern[str]
    any_case: bool

    @classmethod
    def of(cls, forms: list[str], any_case: bool) -> _FormFinder:
        alternation = "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))
        pattern = re.compile(rf"(?<![\w-])(?:{alternation})(?![\w-])", re.IGNORECASE if any_case else 0)
        written = sorted({f.lower() if any_case else f for f in forms})
        automaton = (
            ahocorasick_rs.AhoCorasick(written, matchkind=ahocorasick_rs.MatchKind.Standard) if written else None
        )
        return cls(automaton, pattern, any_case)

    def spans(self, text: str) -> list[tuple[int, int]]:
        if self.automaton is None:
            return []
        if self.any_case and not text.isascii():
            return [match.span() for match in self.pattern.finditer(text)]
        read = text.lower() if self.any_case else text
        places = sorted(
            (start, -end)  # leftmost first, the longest first at one place
            for _form, start, end in self.automaton.find_matches_as_indexes(read, overlapping=True)
            if (start == 0 or not _is_word_character(text[start - 1]))
            and (end == len(text) or not _is_word_character(text[end]))
        )
        spans: list[tuple[int, int]] = []
        for start, negative_end in places:
            if not spans or start >= spans[-1][1]:
                spans.append((start, -negative_end))
        return spans


@dataclass(frozen=True, slots=True)
class _Glossary:
    finders: tuple[_FormFinder, _FormFinder]  # forms in any case first, then forms only as written
    by_form: dict[str, Term]  # a form in any case by its lower case; a form only as written as it is

    def found(self, text: str) -> list[tuple[int, int, Term]]:
        """Every glossary word in the text with its place, words in any case first (in the order they
        stand), then words only as written."""
        found = []
        for finder in self.finders:
            for start, end in finder.spans(text):
                written = text[start:end]
                entry = self.by_form.get(written.lower() if finder.any_case else written)
                if entry is not None:
                    found.append((start, end, entry))
        return found


class _GlossaryEntry(Entry):
    term: str
    forms: tuple[str, ...]
    explain: str
    case_sensitive: bool = False


class _GlossaryFile(ReviewedFile):
    """data/web/glossary.json."""

    FILE: ClassVar[str] = "data/web/glossary.json"
    about: str
    terms: list[_GlossaryEntry]


@cache
def _glossary() -> _Glossary:
    data = read_reviewed(_GlossaryFile)
    by_form: dict[str, Term] = {}
    folded: list[str] = []
    exact: list[str] = []
    for entry in data.terms:
        glossary_term = Term(entry.term, entry.explain)
        for form in entry.forms:
            by_form[form if entry.case_sensitive else form.lower()] = glossary_term
            (exact if entry.case_sensitive else folded).append(form)
    return _Glossary((_FormFinder.of(folded, any_case=True), _FormFinder.of(exact, any_case=False)), by_form)


def terms_in(text: str) -> list[Term]:
    """Glossary terms written in the text, in order of first appearance."""
    found: dict[str, tuple[int, Term]] = {}
    for start, _end, entry in _glossary().found(text):
        if entry.term not in found:
            found[entry.term] = (start, Term(entry.term, term(entry.explain)))
    return [t for _start, t in sorted(found.values(), key=lambda pt: pt[0])]


def explain(text: str | None) -> Markup:
    """The text escaped, each glossary word wrapped with its explanation (``<abbr title>``; the page also
    lists the words explained). A short text is remembered per language: pages show the same words over and
    over (conditions, targets, labels, summaries of trials in many searches), and the glossary does not
    change while the server runs."""
    if not text:
        return Markup("")
    if len(text) <= _REMEMBERED_LENGTH:
        return _remembered_explained(text, language_key())
    return _explained(text)


_REMEMBERED_LENGTH = 400  # longer texts (a trial's descriptions) are its own: not kept


@lru_cache(maxsize=16_384)
def _remembered_explained(text: str, _language: int) -> Markup:
    return _explained(text)


def _explained(text: str) -> Markup:
    spans: list[tuple[int, int, Term]] = []
    for start, end, entry in _glossary().found(text):
        if not any(s < end and start < e for s, e, _entry in spans):
            spans.append((start, end, entry))
    out: list[str] = []
    last = 0
    for start, end, entry in sorted(spans, key=lambda s: s[0]):
        out.append(escape(text[last:start]))
        out.append(f'<abbr class="term" title="{escape(term(entry.explain))}">{escape(text[start:end])}</abbr>')
        last = end
    out.append(escape(text[last:]))
    return Markup("".join(out))


_PHONE_CHARACTERS = re.compile(r"[^\d+]")
_EMAIL = re.compile(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+$")


def contact_value(value: str, label: str) -> Markup:
    """A contact's phone number as a ``tel:`` link, an email address as a ``mailto:`` link and a record's
    document as a link to the registry's copy (registry text:
    escaped; a value that is not a usable number or address stays plain text)."""
    if label == "Phone":
        digits = _PHONE_CHARACTERS.sub("", value.split(" ext.")[0])
        if len(digits.lstrip("+")) >= 5:
            return Markup('<a href="tel:{}">{}</a>').format(digits, value)
    if label == "Email" and _EMAIL.match(value.strip()):
        return Markup('<a href="mailto:{0}">{0}</a>').format(value.strip())
    if label == "File" and value.startswith(REGISTRY_DOCUMENTS + "/"):
        return Markup('<a href="{}" rel="noopener">{}</a>').format(value, value.rsplit("/", 1)[-1])
    return Markup("{}").format(value)
