"""Related trials: for a trial, the most similar others, each with the reason in words ("same target CD123,
same condition acute myeloid leukemia, both phase 1").

Similarity counts what a clinician would: the same disease (the most specific one) weighs most, then the
same target antigen, the same kind of intervention, the same phase, and words of the title. Of the most
similar, the ones with the same disease come first (a CD117 AML trial's relatives are AML trials before a
CD117 sarcoma trial), and within those and the rest, open trials before closed or unknown ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import orjson
from tantivy import Occur, Query

from trialscope.criteria.vocabulary import vocabulary
from trialscope.model.statuses import OPEN_STATUSES
from trialscope.search.index import SearchIndex
from trialscope.translation import N_, _, humanise, term

_WEIGHTS = {"target": 3.0, "disease": 6.0, "intervention_type": 0.8, "phase": 0.8}
_PHASE_WORDS = {
    "EARLY_PHASE1": N_("early phase 1"),
    "PHASE1": N_("phase 1"),
    "PHASE2": N_("phase 2"),
    "PHASE3": N_("phase 3"),
    "PHASE4": N_("phase 4"),
}
_STOP = frozenset(
    {
        "a",
        "an",
        "and",
        "of",
        "for",
        "in",
        "with",
        "the",
        "to",
        "on",
        "or",
        "by",
        "at",
        "study",
        "trial",
        "patients",
        "phase",
        "i",
        "ii",
        "iii",
    }
)


@dataclass(slots=True)
class RelatedTrial:
    card: dict[str, Any]
    score: float
    reasons: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {**self.card, "score": round(self.score, 3), "reason": "; ".join(self.reasons)}


def _card(index: SearchIndex, nct_id: str) -> dict[str, Any] | None:
    found = _search(index, Query.term_query(index.schema, "nct_id", nct_id.upper()), 1)
    return found[0][1] if found else None


def reasons(card: dict[str, Any], other: dict[str, Any]) -> list[str]:
    """Why ``other`` is like ``card``, in words (the reader's language; registry words stay as they are). A
    candidate shares a target, a disease or distinctive title words (``related_trials``)."""
    said = []
    targets = [t for t in card.get("targets", []) if t in other.get("targets", [])]
    if targets:
        said.append(_("same target %(targets)s", targets=", ".join(targets)))
    diseases = vocabulary().most_specific([d for d in card.get("diseases", []) if d in other.get("diseases", [])])
    if diseases:
        said.append(_("same condition %(conditions)s", conditions=", ".join(term(d) for d in diseases[:2])))
    phases = [_PHASE_WORDS[p] for p in card.get("phases", []) if p in other.get("phases", []) and p in _PHASE_WORDS]
    if phases:
        said.append(_("both %(phases)s", phases=" / ".join(term(p) for p in phases)))
    kinds = [k for k in card.get("intervention_types", []) if k in other.get("intervention_types", [])]
    if kinds and not targets:
        said.append(_("both test a %(kind)s", kind=term(humanise(kinds[0], "intervention_type")).lower()))
    if not targets and not diseases:  # then the title's distinctive words are what made it a candidate
        said.insert(0, _("similar words in the title"))
    return said


def _distinctive_words(index: SearchIndex, title: str, limit: int = 4) -> list[str]:
    """The title's rarest words (common ones, in more than 2% of titles, say little and cost much)."""
    searcher = index.searcher()
    most = max(1, searcher.num_docs // 50)
    scored = []
    for word in dict.fromkeys(w.lower() for w in re.findall(r"[A-Za-z0-9]+", title) if w.lower() not in _STOP):
        frequency = searcher.doc_freq("title", word) if len(word) > 2 else 0  # 0 too for stemmed-away forms
        if 0 < frequency <= most:
            scored.append((frequency, word))
    return [word for _, word in sorted(scored)[:limit]]


def related_trials(index: SearchIndex, nct_id: str, limit: int = 5) -> list[RelatedTrial]:
    """The trials most like this one (raises KeyError when it is not in the catalogue): of the most similar
    (``similar_trials``), those with the same disease first, open ones first within each, then by score."""
    index.ensure_current()
    card = _card(index, nct_id)
    if card is None:
        raise KeyError(nct_id)
    mine = set(vocabulary().most_specific(card.get("diseases", [])))

    def order(candidate: tuple[float, dict[str, Any]]) -> tuple[bool, bool, float, str]:
        score, other = candidate
        same_disease = bool(mine.intersection(other.get("diseases", [])))
        return (not same_disease, other["status"] not in OPEN_STATUSES, -round(score, 3), other["nct_id"])

    candidates = sorted(similar_trials(index, card, limit * 4), key=order)
    return [RelatedTrial(other, score, reasons(card, other)) for score, other in candidates[:limit]]


def similar_trials(index: SearchIndex, card: dict[str, Any], wanted: int) -> list[tuple[float, dict[str, Any]]]:
    """The ``wanted`` trials most similar to the one of ``card``, best first, each with its score.

    A candidate's score is the sum of what it shares: its target, disease, phase and intervention kind
    (fixed weights) and 0.3 x the relevance of this title's distinctive words in its title. The part
    without title words is the same for every trial with the same targets, diseases, phases and kinds (a
    few thousand such groups in ClinicalTrials.gov), so its best candidates are kept per group and index
    state (``SearchIndex.related_cache``: the costly part, a score for each of tens of thousands of
    trials sharing a disease, is done once per group); the trials with the title's words are then scored
    in full, and the two lists merged. The merge is exact: a trial without those words scores its group
    part alone, and the best of those are in the kept list."""
    # what makes trials alike (a target, a disease, distinctive title words) finds the candidates; the
    # phase and the kind of intervention, shared by a third of the catalogue each, only add to their score
    # (as candidates they made every query score hundreds of thousands of trials)
    alike: list[tuple[Occur, Query]] = []
    extra: list[tuple[Occur, Query]] = []
    group: list[tuple[str, str]] = []
    for field, values in (
        ("target", card.get("targets", [])),
        ("disease", vocabulary().most_specific(card.get("diseases", []))),
        ("intervention_type", card.get("intervention_types", [])),
        ("phase", card.get("phases", [])),
    ):
        for value in values:
            term = Query.const_score_query(Query.term_query(index.schema, field, value), _WEIGHTS[field])
            (alike if field in ("target", "disease") else extra).append((Occur.Should, term))
            group.append((field, value))
    scored: dict[str, tuple[float, dict[str, Any]]] = {}
    if alike:
        for score, other in _group_candidates(index, tuple(group), alike, extra, wanted + 1):
            scored[other["nct_id"]] = (score, other)
    words = _distinctive_words(index, card.get("title", ""))
    if words:
        title, _errors = index.index.parse_query_lenient(" ".join(words), ["title"])
        # each shared trait is asked only of the trials with the title's words (its clause intersects with
        # them, scoring 0 for the words and the trait's weight): the same scores as the trait clauses
        # themselves, but a trait held by a third of the catalogue is no longer walked through in full
        # (the figures: benchmarks/README.md, issue 18's CPU per web request)
        among = Query.const_score_query(title, 0.0)
        traits = [
            (Occur.Should, Query.boolean_query([(Occur.Must, among), (Occur.Must, clause)]))
            for _, clause in alike + extra
        ]
        with_words = Query.boolean_query([(Occur.Must, Query.boost_query(title, 0.3)), *traits])
        for score, other in _search(index, with_words, wanted + 1):
            scored[other["nct_id"]] = (score, other)  # the full score: group part and title words
    scored.pop(card["nct_id"], None)
    return sorted(scored.values(), key=lambda sc: (-sc[0], sc[1]["nct_id"]))[:wanted]


def _search(index: SearchIndex, query: Query, limit: int) -> list[tuple[float, dict[str, Any]]]:
    """The best ``limit`` hits, each with its score and card."""
    searcher = index.searcher()
    found = searcher.search(query, limit)
    return [(float(score), orjson.loads(searcher.doc(address)["card"][0])) for score, address in found.hits]


def _group_candidates(
    index: SearchIndex,
    group: tuple[tuple[str, str], ...],
    alike: list[tuple[Occur, Query]],
    extra: list[tuple[Occur, Query]],
    limit: int,
) -> list[tuple[float, dict[str, Any]]]:
    """The best candidates sharing a target or disease with this group, by the group part of the score."""
    key = (group, limit, index.meta.applied, index.meta.trials)
    kept = index.related_cache.get(key)
    if isinstance(kept, list):
        return kept
    # sharing every trait is the best group part there is: when enough trials share them all, they are the
    # best candidates, and the same ones (in the same order of ties) as the query that scores every trial
    # sharing any target or disease; asked as an intersection, led by the rarest trait, it costs a fraction
    # of the full query (benchmarks/README.md, issue 18's CPU per web request)
    found = _search(index, Query.boolean_query([(Occur.Must, clause) for _, clause in alike + extra]), limit)
    if len(found) < limit:
        found = _search(index, Query.boolean_query([(Occur.Must, Query.boolean_query(alike)), *extra]), limit)
    index.related_cache.put(key, found)
    return found
