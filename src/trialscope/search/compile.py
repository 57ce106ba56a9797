"""A ``SearchQuery`` in tantivy's query language: the text (with synonyms, fields by name) and each filter
by name, as text for the facet aggregations and parsed for searching, so both come from the same place."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from functools import lru_cache

from tantivy import Occur, Query

from trialscope.criteria.vocabulary import vocabulary
from trialscope.geo import (
    Place,
    PlaceNotFound,
    canonical_city,
    country_spellings,
    local_names,
    place_words,
    resolve_place,
)
from trialscope.model.statuses import OPEN_STATUSES
from trialscope.search.distance import nearby_terms
from trialscope.search.documents import (
    AGE_YEAR_TERMS,
    TEXT_FIELDS,
)
from trialscope.search.index import SearchIndex
from trialscope.search.request import QueryError, SearchQuery, Sort
from trialscope.search.synonyms import Reading, Term, synonyms
from trialscope.translation import N_, _, known_values, pgettext

SYNTAX_NOTE = N_("The query's syntax was not understood (a quote or bracket left open?); its words were searched for.")
CITY_LEVEL_NOTE = N_("Distances are to the nearest open site; site coordinates in the registry are city-level.")
_FIELD_ALIASES = {
    "titles": "title",
    "conditions": "condition",
    "interventions": "intervention",
    "keywords": "keyword",
    "arms": "arm",
    "summaries": "summary",
    "nct": "id",
    "sponsors": "sponsor",
}
_PHASES = {
    "0": "EARLY_PHASE1",
    "early1": "EARLY_PHASE1",
    "earlyphase1": "EARLY_PHASE1",
    "1": "PHASE1",
    "2": "PHASE2",
    "3": "PHASE3",
    "4": "PHASE4",
    "na": "NA",
    "notapplicable": "NA",
}


def _canonical_phase(value: str) -> str:
    key = re.sub(r"[\s_\-]|phase", "", value.lower())
    if key in _PHASES:
        return _PHASES[key]
    raise QueryError(_("unknown phase %(phase)s: use 1, 2, 3, 4, early 1 or NA", phase=repr(value)))


AGE_GROUPS = ("CHILD", "ADULT", "OLDER_ADULT")


def _canonical_age_group(value: str) -> str:
    key = re.sub(r"[\s\-]+", "_", value.strip()).upper()
    if key in AGE_GROUPS:
        return key
    raise QueryError(_("unknown age group %(group)s: use child, adult or older adult", group=repr(value)))


def _canonical_target(value: str) -> str:
    vocab = vocabulary()
    if value.upper() in {k.upper() for k in vocab.antigens}:
        return next(k for k in vocab.antigens if k.upper() == value.upper())
    found = [m.key for m in vocab.antigen_matcher.finditer(value)]
    if found:
        return found[0]
    known = ", ".join(list(vocab.antigens)[:12])
    raise QueryError(
        _("unknown target antigen %(target)s (known ones include %(known)s, ...)", target=repr(value), known=known)
    )


def _canonical_status(value: str) -> list[str]:
    key = re.sub(r"[\s\-,]+", "_", value.strip()).upper()
    if key == "OPEN":
        return sorted(OPEN_STATUSES)
    known = known_values("status")
    if key not in known:
        words = ", ".join(["open", *(k.lower().replace("_", " ") for k in known)])
        raise QueryError(_("unknown status %(status)s: use one of %(known)s", status=repr(value), known=words))
    return [key]


def disease_concept(text: str) -> str | None:
    """The vocabulary's disease for a condition filter ('AML', 'acute myeloid leukemia'), if it knows one."""
    vocab = vocabulary()
    for candidate in (text, text.upper()):
        for m in vocab.concept_matcher.finditer(candidate):
            if vocab.concepts[m.key].primary_diagnosis:
                return m.key
    return None


_KEYWORDS = frozenset({"AND", "OR", "NOT", "IN", "TO"})  # words of the search language itself


def _value(value: str) -> str:
    """One value in the search language, quoted when it is more than a bare word, when it starts with a
    minus (a southern-hemisphere coordinate, "-2620_2804", would otherwise read as "not 2620_2804"), or when
    it is one of the language's own words (a state written "OR")."""
    bare = re.fullmatch(r"[A-Za-z0-9_.][A-Za-z0-9_.\-]*", value) and value not in _KEYWORDS
    return value if bare else '"' + value.replace('"', " ").replace("\\", " ") + '"'


def one_of(field: str, values: Sequence[str]) -> str:
    """Trials with any of these values in ``field``. One value is one term: its postings are skipped through
    beside the text's, cheaper than a set of terms, which is read in full (benchmarks/README.md)."""
    if len(values) == 1:
        return f"{field}:{_value(values[0])}"
    return f"{field}:IN [{' '.join(_value(v) for v in values)}]" if values else f"{field}:IN [no-such-value]"


class Compiler:
    """One SearchQuery in the search language: the text, and each filter by name (as text for facet
    aggregations, parsed for searching), so both come from the same place."""

    def __init__(self, index: SearchIndex, query: SearchQuery) -> None:
        self.index = index
        self.schema = index.schema
        self.query = query
        self.notes: list[str] = []
        self.place: Place | None = None
        self.searched = ""  # the text query with synonyms written out (for people)
        self.unmatched: list[str] = []  # words of the query no trial has (named on the page)
        self.left_out: list[str] = []  # Chinese words every trial has or that say nothing alone (named too)
        self.word_notes: list[str] = []  # the notes about the query's words (the page shows them first)
        self.text = self._text()
        self.filter_text = self._filters()
        self.filters = {name: self._filter(text) for name, text in self.filter_text.items()}

    def _parse(self, text: str) -> Query:
        return self.index.index.parse_query(text, ["title"])

    def _filter(self, text: str) -> Query:
        """A filter says yes or no: every trial it lets through gets the same score from it, whatever kind of
        query it is (one term, a set of terms, a range, a phrase), so only the text ranks the hits."""
        return Query.const_score_query(self._parse(text), 1.0)

    def _text(self) -> Query | None:
        reading = read_words(self.query.text)
        if reading is None:
            return None
        self.searched = reading.for_people()
        if reading.left_out:
            self.left_out = [t.written for t in reading.left_out]
            self._word_note(
                _(
                    "Left out of the search, as words every trial has or that say nothing alone: %(words)s.",
                    words=_quoted(self.left_out),
                )
            )
        if not searches_words(reading):
            return None
        parsed = self._parse_text(reading.run())  # each synonym group is one indexed word
        unmatched = self._matching_nothing(reading)
        if not unmatched:
            return parsed
        self.unmatched = [t.written for t in unmatched]
        words = _quoted(self.unmatched)
        if reading.plain and len(unmatched) < len([t for t in reading.terms if not t.common]):
            # words typed one after another: the others are searched, and the page says which were not found
            parsed = self._parse_text(reading.run(without=tuple(unmatched)))
            self._word_note(_("No trials found for %(words)s: the results are for the other words.", words=words))
        else:
            self._word_note(_("No trials found for %(words)s.", words=words))
        for term in unmatched:
            if _place_named(term.written) is not None:
                word = _quoted([term.written])
                self._word_note(_("%(word)s is a place: to find trials near it, write it under “Near”.", word=word))
        return parsed

    def _word_note(self, note: str) -> None:
        self.notes.append(note)
        self.word_notes.append(note)

    def _parse_text(self, run: str) -> Query:
        names = list(TEXT_FIELDS)
        try:
            return self.index.index.parse_query(run, names, field_boosts=TEXT_FIELDS, conjunction_by_default=True)
        except ValueError as exc:
            message = str(exc)
            if "Field does not exist" in message:
                raise QueryError(
                    _("%(problem)s; fields you can search: %(fields)s", problem=message, fields=", ".join(names))
                ) from None
            if "Only excluding" in message:
                raise QueryError(_("the query only excludes words: add what to look for")) from None
            lenient, _errors = self.index.index.parse_query_lenient(
                run, names, field_boosts=TEXT_FIELDS, conjunction_by_default=True
            )
            if SYNTAX_NOTE not in self.notes:
                self.notes.append(SYNTAX_NOTE)  # a fixed note: results are kept and shown in either language
            return lenient

    def _matching_nothing(self, reading: Reading) -> list[Term]:
        """The words (phrases, known forms) of the query that no trial has, each looked up alone (the first
        hit is enough: no counting). A word after NOT or a minus is not asked about."""
        searcher = self.index.searcher()
        names = list(TEXT_FIELDS)
        found: list[Term] = []
        for term in reading.terms:
            if term.common or term.negated or not term.searched:
                continue
            try:
                alone = self.index.index.parse_query(term.searched, names, conjunction_by_default=True)
            except ValueError:
                continue
            if not searcher.search(alone, 1).hits:
                found.append(term)
        return found

    def _filters(self) -> dict[str, str]:
        q = self.query
        filters: dict[str, str] = {}
        if q.status:
            filters["status"] = one_of("status", sorted({s for v in q.status for s in _canonical_status(v)}))
        if q.phase:
            filters["phase"] = one_of("phase", sorted({_canonical_phase(v) for v in q.phase}))
        if q.study_type:
            filters["study_type"] = one_of("study_type", [v.upper() for v in q.study_type])
        if q.intervention_type:
            filters["intervention_type"] = one_of(
                "intervention_type", [v.upper().replace(" ", "_") for v in q.intervention_type]
            )
        if q.target:
            filters["target"] = one_of("target", sorted({_canonical_target(v) for v in q.target}))
        if q.condition:
            concept = disease_concept(q.condition)
            words = re.sub(r"[^\w\s\-]", " ", q.condition).strip()
            filters["disease"] = one_of("disease", [concept]) if concept else f'condition:"{words}"'
        if q.sex:
            filters["sex"] = one_of("sex", ["ALL", q.sex.upper()])
        if q.healthy_volunteers is not None:
            filters["healthy"] = one_of("healthy", ["yes" if q.healthy_volunteers else "no"])
        if q.results is not None:
            filters["results"] = one_of("results", ["yes" if q.results else "no"])
        if q.sponsor_class:
            filters["sponsor_class"] = one_of("sponsor_class", [v.upper() for v in q.sponsor_class])
        for name, values in (("country", q.country), ("state", q.state), ("city", q.city)):
            if values:
                filters[name] = one_of(name, [self._known_value(name, v) for v in values])
        ages = []  # an age and age groups are one filter: the age-group facet is counted without either
        if q.age is not None:  # the ages each trial admits by the age rule (model/age.py): from min_age, below max_age
            age = float(q.age)
            ages.append(
                f"age_year:{age:.0f}"
                if age.is_integer() and AGE_YEAR_TERMS.start <= age < AGE_YEAR_TERMS.stop
                else f"min_age:[* TO {age}] AND max_age:{{{age} TO *}}"
            )
        if q.age_group:
            ages.append(one_of("age_group", sorted({_canonical_age_group(v) for v in q.age_group})))
        if ages:
            filters["age"] = " AND ".join(f"({a})" for a in ages) if len(ages) > 1 else ages[0]
        for name, low, high in (("start", q.start_from, q.start_to), ("updated", q.updated_from, q.updated_to)):
            if low or high:
                filters[name] = f"{name}:[{_day(low) if low else '*'} TO {_day(high) if high else '*'}]"
        if q.near is not None:
            self.place = resolved_place(q.near)
            filters["distance"] = self.within(self.place, q.within_km)
            self.notes.append(CITY_LEVEL_NOTE)
            capital = self.place.measured_from
            if self.place.kind == "province" and capital and not self.place.name.startswith(capital + ","):
                self.notes.append(
                    _(
                        "Distances from %(province)s are measured from its capital, %(capital)s.",
                        province=place_words(self.place),
                        capital=local_names(self.place.measured_from, "China")[0],
                    )
                )
        return filters

    def _known_value(self, name: str, value: str) -> str:
        """Countries, states and cities as the index spells them (matched without regard to case; a city
        also by its one name, ``canonical_city``: "Xian" finds Xi'an, "Sao Paulo" São Paulo)."""
        spellings = self.index.spellings(name)
        found = spellings.get(value.strip().lower())
        if found is None and name == "city":
            found = spellings.get((canonical_city(value, None) or "").lower())
        return found or value

    def within(self, place: Place, km: float | None) -> str:
        """Trials with an open site within ``km`` of the place (in the country, for a country; at any
        distance when ``km`` is None)."""
        if place.kind == "country":
            return one_of("open_country", country_spellings(place.country or place.name))
        return one_of("geo", nearby_terms(self.index, place, km if km is not None else 40_100.0))

    def combined(self, *, without: str | None = None, only: Sequence[str] | None = None) -> Query:
        """The text and the filters (all, all but one, or the ones named)."""
        parts: list[tuple[Occur, Query]] = []
        if self.text is not None:
            parts.append((Occur.Must, self.text))
        for name, clause in self.filters.items():
            if name != without and (only is None or name in only):
                parts.append((Occur.Must, clause))
        if not parts:
            return Query.all_query()
        if len(parts) == 1:
            return parts[0][1]
        return Query.boolean_query(parts)

    def filter_text_of(self, names: Sequence[str]) -> str:
        """The named filters together, in the search language ("*": no filter)."""
        return " AND ".join(f"({self.filter_text[n]})" for n in names) or "*"


def _day(value: dt.date) -> int:
    return value.year * 10000 + value.month * 100 + value.day


def _quoted(words: list[str]) -> str:
    """Words as a page names them: “CD7”, “白血病” (in the reader's quotation marks and list separator)."""
    return pgettext("word list separator", ", ").join(pgettext("quoted word", "“%(word)s”", word=w) for w in words)


def _place_named(word: str) -> Place | None:
    """The city a word names, if it is one (a place typed among the words: a hint to write it under "near")."""
    if len(word) < 2 or (word.isascii() and len(word) < 4):
        return None
    try:
        place = resolve_place(word, suggest=False)
    except PlaceNotFound:
        return None
    return place if place.kind != "coordinates" else None


@lru_cache(maxsize=256)
def resolved_place(text: str) -> Place:
    """The place a search names ("Hangzhou", "浙江省", "30.27,120.15"); QueryError with close names."""
    try:
        return resolve_place(text)
    except PlaceNotFound as exc:
        raise QueryError(str(exc)) from None


def read_words(text: str) -> Reading | None:
    """A query's words as searched (field names as the index spells them, synonyms found); None: none."""
    text = text.strip()
    if not text:
        return None
    for alias, name in _FIELD_ALIASES.items():
        text = re.sub(rf"\b{alias}:", f"{name}:", text)
    text = re.sub(r"\bAND\s+(?=NOT\b|-)", "", text)  # "a AND NOT b": tantivy reads it as a AND (nothing)
    return synonyms().read(text)


def searches_words(reading: Reading) -> bool:
    """Whether any word of a query is searched (words every trial has are left out)."""
    return bool(reading.terms) and not all(t.common for t in reading.terms)


def settled(query: SearchQuery) -> SearchQuery:
    """The query with every default decided: its order, when not asked for (nearest first near a city,
    best match with words, else the last updated first)."""
    if query.sort is not None:
        return query
    place = resolved_place(query.near) if query.near is not None else None
    reading = read_words(query.text)
    sort: Sort = (  # with a place, the nearest first even with words: that is what the page says
        "distance"
        if place is not None and place.kind != "country"
        else "relevance"
        if reading is not None and searches_words(reading)
        else "updated"
    )
    return query.model_copy(update={"sort": sort})
