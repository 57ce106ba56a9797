"""Clinical concepts in an item: diagnoses and their status, antigen expression, prior therapies and
exposures with time windows, comorbidities, infections, pregnancy, and administrative requirements.

Rules, each general (no trial's wording is special-cased):
- Polarity comes from the section (inclusion: must have; exclusion: must not have) and flips under a
  negation cue in the same clause ("no history of X" in inclusion excludes X; "do not consent to
  contraception" in exclusion requires contraception).
- Mentions after an exception cue ("except", "excluding", "other than", "unless") in the same clause are
  exceptions of the constraint before them, never constraints of their own.
- An antigen is a biomarker constraint only with a positivity cue ("CD123+", "CD117-positive", "positive
  expression of CLL1").
- A therapy is a prior-therapy constraint only with a cue of exposure ("prior", "received", "treated
  with", "within", "history of", "use of") and not when it names what the study itself does ("for CAR-T
  manufacturing", "before cell infusion").
- A time window ("within 2 weeks before apheresis", "in the past 2 years") attaches to the nearest
  concept in its clause; its anchor event comes from data/criteria/anchors.json.
- Several mentions of one concept in a clause are one constraint spanning them all.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from trialscope.criteria.cues import cues
from trialscope.criteria.memo import remembered
from trialscope.criteria.model import Polarity, Window
from trialscope.criteria.phrases import PhraseMatch
from trialscope.criteria.text import WORD_NUMBERS, clause_bounds
from trialscope.criteria.thresholds import NOT_REACHED
from trialscope.criteria.vocabulary import Vocabulary

_NEGATION = cues().negation_in_criteria
_EXCEPTION = cues().exception
_POSITIVE = re.compile(r"(?i)(?:\+|[-\s]?positive|positivity|-?\bexpress(?:ion|ing|ed|es)?\b|\btarget\b|\bpos\b)")
# "CD33 status", "CD33 expression level": the result of a test, not a positive one; "expression of CD33 must be
# assessed": a test to be done (unless a result is stated: "positive", "+")
_RESULT_UNSTATED = re.compile(
    r"(?i)\s*(?:expression\s+|antigen\s+)?(?:status|levels?|testing|assessment|results?)\b(?![^,;.]{0,20}positiv)"
)
_TESTED = re.compile(r"(?i)\b(?:determined|assessed|evaluated|tested|measured|analy[sz]ed|evaluable|assessable)\b")
_STATED_RESULT = re.compile(r"(?i)\+|positiv|\bpos\b|negativ")
_EXPOSURE = cues().exposure
_STUDY_OWN = re.compile(r"(?i)\s*(?:cells?\s+)?(?:manufactur|infusion|collection|production|preparation)")
_WINDOW = re.compile(
    r"(?i)(?P<cue>within(?:\s+the)?(?:\s+(?:last|past|previous|prior))?|in\s+(?:the\s+)?(?:last|past|previous|prior)|"
    r"during\s+the\s+(?:last|past|previous)|in\s+the|for)?\s*(?:[≤<]=?\s*|less\s+than\s+|no\s+more\s+than\s+)?"
    r"(?:(?P<value>\d+(?:\.\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\s*"
    r"(?P<unit>hours?|hrs?|days?|weeks?|wks?|months?|years?)|(?:(?P<article>an?)\s+)?(?P<single>hour|day|week|month|year))"
    r"(?![A-Za-z])"
    r"(?P<after>\s*(?:prior\s*to|before|preceding|of|from|ago)?)"
)
# after a window, a link to another event the window counts from ("progression within 12 months after CAR-T",
# "chemotherapy within 2 weeks after HSCT"): the window is not a time back from now
_RELATIVE_TO_EVENT = re.compile(r"(?i)\s*(?:after|following|post)\b")
# ... unless only the patient is named before it ("patients less than 100 days after HSCT": the transplant was
# less than 100 days ago)
_ONLY_THE_PATIENT = re.compile(
    r"(?i)[\s\W]*(?:(?:patients?|subjects?|participants?|who|are|is|being|currently|still|less|than|fewer|within|"
    r"no|more|at|least|[<≤>≥=])[\s\W]+)*"
)
_AT_LEAST_BEFORE = re.compile(r"(?i)(?:(?:more|greater|longer)\s+than|\bover|\bat\s+least|\bbeyond|[≥>]=?)\s*$")
_UNITS = {"h": "hours", "d": "days", "w": "weeks", "m": "months", "y": "years"}
# A therapy named as the cause of something ("toxicity caused by previous antitumor therapy") is not required.
_CAUSE = re.compile(
    r"(?i)\b(?:caused\s+by|due\s+to|related\s+to|attributed\s+to|associated\s+with|induced\s+by|"
    r"(?:toxicit(?:y|ies)|side[\s-]effects?|adverse\s+(?:events?|effects?)|AEs?|complications?)\s+(?:of|from))"
    r"\s+(?:any\s+)?(?:the\s+)?(?:previous|prior|earlier)?\s*"
    r"(?:[\w-]+(?:\s+[\w-]+)?\s*(?:,\s*(?:or\s+|and\s+)?|\s+or\s+|\s+and\s+|/)){0,4}$"  # "AEs of chemo, surgery or"
)
# "including but not limited to" introduces examples: its "not" negates nothing.
# "not due to dehydration" negates a cause, and "non-ischemic" is an adjective: neither negates what follows.
# a prefix that names everything but the thing after it: "non-hematologic malignancy"
_COMPLEMENT = re.compile(r"(?i)\bnon[-\s]?$")
# what may be there or not: "with or without monoclonal antibody-based therapies"
_OPTIONAL = re.compile(r"(?i)\bwith\s+or\s+without\s+(?:(?:an?|any|the|prior|concurrent)\s+)?(?:[\w-]+[\s/-]+){0,3}$")
_NOT_A_NEGATION = re.compile(
    r"(?i)\b(?:(?:but\s+)?not\s+(?:be\s+)?limited\s+to|not\s+(?:due\s+to|caused\s+by|related\s+to)\s+[^,;]*|non-|"
    r"with\s+or\s+without)"
)
# A category's head word right after a specific member of it names the same thing ("HIV infection").
_HEAD_WORD = re.compile(r"(?i)^(?:infections?|infected|disease|diseases|disorders?)$")


@dataclass(slots=True)
class ConceptMatch:
    key: str
    category: str
    polarity: Polarity
    start: int
    end: int
    within: Window | None = None
    exceptions: list[str] = field(default_factory=list)
    mentions: list[tuple[int, int]] = field(default_factory=list)  # every place the concept is named
    # the negation that turned a mention of an exclusion into a requirement ("no pleural effusion" in an
    # exclusion): such a double negative is rarely meant, so the reading is not sure of it
    turned_by: tuple[int, int] | None = None


_TIME_WORD = re.compile(r"(?i)(?:hours?|hrs?|days?|weeks?|wks?|months?|years?)(?![A-Za-z])")


@remembered
def _windows(norm: str, start: int, end: int, vocab: Vocabulary) -> list[tuple[int, int, Window]]:
    windows: list[tuple[int, int, Window]] = []
    if not _TIME_WORD.search(norm, start, end):
        return windows
    for match in _WINDOW.finditer(norm, start, end):
        cue, after = match.group("cue"), match.group("after").strip()
        if not cue and not after:
            continue
        if cue and cue.lower().strip() in ("in the", "for") and not after:
            continue
        if not cue and _AT_LEAST_BEFORE.search(norm, max(start, match.start() - 20), match.start()):
            continue  # "more than 3 years before enrollment": long ago, no window back from now (a washout's own)
        if match.group("single"):  # "within the past year", "within a year": one of it, after a cue
            recent = cue and re.search(r"(?i)\b(?:last|past|previous|prior)$", cue.strip())
            before_event = cue and after.lower().startswith(("prior", "before", "preceding"))  # "in the month prior to"
            if not (recent or before_event or (cue and match.group("article") and cue.lower().startswith("within"))):
                continue
            value, unit = 1.0, _UNITS[match.group("single")[0].lower()]
        else:
            raw = match.group("value").lower()
            value = float(WORD_NUMBERS.get(raw, 0) or raw)
            unit = _UNITS[match.group("unit")[0].lower()]
        anchor = None
        anchor_match = vocab.anchor_matcher.search(norm, match.end(), min(end, match.end() + 60))
        if anchor_match and not re.search(r"[;.]", norm[match.end() : anchor_match.start()]):
            anchor = anchor_match.key
        to_anchor = anchor_match is not None and _WINDOW_TO_ANCHOR.fullmatch(norm, match.end(), anchor_match.start())
        if (
            not to_anchor
            and _RELATIVE_TO_EVENT.match(norm, match.end(), end)
            and not _ONLY_THE_PATIENT.fullmatch(norm, start, match.start())
        ):
            continue  # "chemotherapy within 2 weeks after HSCT": from another event, not back from now
        windows.append((match.start(), match.end(), Window(value, unit, anchor)))
    return windows


def extract_concepts(
    norm: str,
    start: int,
    end: int,
    vocab: Vocabulary,
    section_polarity: Polarity,
    defines: list[tuple[int, int]] | None = None,
) -> list[ConceptMatch]:
    """Concept constraints in one item's text (norm[start:end]); ``defines``: its definition spans, when the
    caller has them already (``definition_spans``)."""
    results: list[ConceptMatch] = []
    if defines is None:
        defines = definition_spans(norm, start, end)
    for clause_start, clause_end in clause_bounds(norm, start, end):
        allowed = cues().permission.search(norm, clause_start, clause_end) if section_polarity == "exclude" else None
        if allowed is not None:  # "... can be enrolled only if HBV DNA is negative": who may join despite it
            contrast = list(CONTRAST.finditer(norm, clause_start, allowed.start()))
            if not contrast:
                continue
            clause_end = contrast[-1].start()  # "Known CNS metastases, but ... will be allowed": the exclusion
        exception_at = _EXCEPTION.search(norm, clause_start, clause_end)
        windows = _windows(norm, clause_start, clause_end, vocab)
        clause_matches: dict[str, ConceptMatch] = {}
        order: list[str] = []
        previous: PhraseMatch | None = None
        previous_key: str | None = None  # the concept recorded last
        found = with_elliptic(norm, vocab.concept_matcher.finditer(norm, clause_start, clause_end), vocab)
        names = [(m.start(), m.end()) for m in found]
        for match in found:
            key = match.key
            concept = vocab.concepts[key]
            if _same_mention(norm, previous, match, vocab):
                continue
            previous = match
            if (
                exception_at
                and match.start() > exception_at.start()
                and not _reopened(norm, exception_at.end(), match.start())
            ):
                target = clause_matches.get(order[-1]) if order else None
                if target is not None:
                    target.exceptions.append(match.group(0))
                continue
            if not _admissible(norm, concept.category, match, clause_start, clause_end, section_polarity):
                continue
            if _COMPLEMENT.search(norm, max(clause_start, match.start() - 5), match.start()):
                continue  # "non-hematologic malignancy": everything but the thing named
            if _OPTIONAL.search(norm, max(clause_start, match.start() - 60), match.start()):
                continue  # "chemotherapy with or without rituximab": neither required nor excluded
            polarity = section_polarity
            negation = negation_before(norm, clause_start, match.start(), names)
            turned_by: tuple[int, int] | None = None
            if section_polarity == "exclude" and negation is not None and _PROHIBITION.search(negation[2]):
                negation = None  # "participants may not have had major surgery": the exclusion said again
            if (negation is not None) != _negative_result_after(norm, match.end(), clause_end, vocab):
                polarity = "exclude" if section_polarity == "include" else "include"
                if section_polarity == "exclude" and negation is not None:
                    turned_by = negation[:2]
            elif (
                polarity == "include"
                and concept.category == "condition"
                and cues().state_if_present.match(norm, match.end(), clause_end)
            ):
                polarity = "exclude"  # "brain metastases must be treated and stable": kept out in another state
            if polarity == "include" and concept.never_required:
                continue  # "histological diagnosis of malignancy": the trial's own cancer, not another one
            if key in clause_matches and clause_matches[key].polarity == polarity:
                clause_matches[key].end = max(clause_matches[key].end, match.end())
                clause_matches[key].mentions.append((match.start(), match.end()))
                continue
            mentions = [(match.start(), match.end())]
            restated = clause_matches.get(previous_key) if previous_key is not None else None
            if (
                restated is not None
                and restated.polarity == polarity
                and _restated_as_kind(norm, restated, match, vocab)
            ):  # "cytomegalovirus (CMV) DNA": one mention of the kind, not the virus and its kind
                mentions.insert(0, restated.mentions.pop())
                if restated.mentions:  # "HBsAg or HBcAb with hepatitis B virus (HBV) DNA": the others stay
                    restated.end = max(b for _a, b in restated.mentions)
                else:
                    del clause_matches[restated.key]
                    order.remove(restated.key)
            clause_matches[key] = ConceptMatch(
                key,
                concept.category,
                polarity,
                mentions[0][0],
                match.end(),
                mentions=mentions,
                turned_by=turned_by,
            )
            order.append(key)
            previous_key = key
        _fold_class_heads(norm, clause_matches, order, vocab)
        for window_start, window_end, window in windows:
            if any(a <= window_start < b for a, b in defines):
                continue  # a duration inside a definition ('uncontrolled after >1 month of treatment')
            for target_key in _window_targets(norm, clause_matches, order, window_start, window_end):
                if clause_matches[target_key].within is None:
                    clause_matches[target_key].within = window
        if section_polarity == "include":
            _apply_washout(norm, clause_start, clause_end, clause_matches, vocab)
        if exception_at is not None:
            owners = [k for k in order if clause_matches[k].start < exception_at.start()]
            if owners:
                stated = _exception_text(norm, exception_at.end(), clause_end)
                owner = clause_matches[owners[-1]]
                if stated:
                    owner.exceptions = [stated] + [e for e in owner.exceptions if e.lower() not in stated.lower()]
        _fold_generic_heads(norm, clause_matches, order, vocab)
        results.extend(clause_matches[k] for k in order if k in clause_matches)
    return _biomarkers(norm, start, end, vocab, section_polarity) + results


# "infection of hepatitis B virus", "infection with HIV": the generic head names the specific one after it
_HEAD_OF = re.compile(r"(?i)^\s*(?:virus\s+)?(?:of|with|by|due\s+to|caused\s+by)\s+(?:the\s+|a\s+|an\s+)?$")
_GENERIC_HEAD = "active infection"  # it, and its kinds by the kind of germ (viral, fungal), head a named infection


def _fold_generic_heads(norm: str, matches: dict[str, ConceptMatch], order: list[str], vocab: Vocabulary) -> None:
    """A generic concept that only introduces a specific one of its category ("active infection of hepatitis
    B virus or hepatitis C virus", "viral infection with HBV") is not a criterion of its own: its mention
    joins the specific one's."""
    generic = [k for k in order if k in matches and _GENERIC_HEAD in vocab.concept_ancestors(k)]
    for key in generic:
        head = matches[key]
        for other in order:
            found = matches.get(other)
            if found is None or other == key or vocab.concepts[other].category != head.category:
                continue
            if found.start > head.end and _HEAD_OF.match(norm[head.end : found.start]):
                _absorb(found, head, matches, order)
                break


def _absorb(into: ConceptMatch, gone: ConceptMatch, matches: dict[str, ConceptMatch], order: list[str]) -> None:
    """One criterion of two mentions: ``gone``'s mentions join ``into``'s, which spans both, and ``gone`` is
    no criterion of its own."""
    into.mentions.extend(gone.mentions)
    into.start, into.end = min(into.start, gone.start), max(into.end, gone.end)
    del matches[gone.key]
    order.remove(gone.key)


# "fludarabine or cladribine chemotherapy", "anthracycline-based chemotherapy": the class named after its kinds
_CLASS_AFTER_KIND = re.compile(r"(?i)\s*(?:-\s*)?(?:(?:based|containing)\s+)?")


# between an infection and a kind of it that says which of it is meant: "HBsAg or HBcAb with HBV DNA above the
# limit of detection", "HCV antibody positive and HCV RNA positive"
_NARROWED_BY_KIND = re.compile(
    r"(?i)[\s)\]]*(?:(?:antibody|antigen|positive|positivity|reactive|seropositive|\+)[\s)\]]*){0,2},?\s*"
    r"(?:with|and|plus)\s+(?:(?:a|an|the|positive|detectable|detected|peripheral|blood|serum|plasma|viral|"
    r"quantitative)\s+)*"
)


_OWN_MEMBER = re.compile(r"(?i)[\s)\]]*,?\s*(?:or|and/or)\s+(?:positive|reactive|seropositive)\b")


def _fold_class_heads(norm: str, matches: dict[str, ConceptMatch], order: list[str], vocab: Vocabulary) -> None:
    """A class and kinds of it in one phrase are one criterion. Written after the kinds, as their head noun
    ("fludarabine or cladribine chemotherapy"), the class is not one of its own: "prior fludarabine
    chemotherapy" does not exclude every chemotherapy, and its mention joins the kind's just before it.
    A therapy written before its kinds as examples ("chemotherapy (e.g. cytarabine)", "immunosuppressants
    such as tacrolimus") has them as examples, and their mentions join its own."""
    for key in list(order):
        kind = matches.get(key)
        if kind is None:
            continue
        for other in order:
            head = matches.get(other)
            if head is None or other == key or head.polarity != kind.polarity:
                continue
            # a therapy's examples are that therapy; so are a required disease's ("solid tumours, including
            # mesothelioma and breast cancer": any solid tumour, not each); an excluded disease's examples stay
            # exclusions of their own ("cardiac disease, including myocardial infarction")
            examples_of = head.category == "prior_therapy" or (
                head.polarity == "include" and vocab.concepts[other].primary_diagnosis
            )
            named_at = max((b for _a, b in head.mentions if b <= kind.start), default=None)
            opener = _EXAMPLES.search(norm, head.mentions[0][1], kind.start) if named_at is not None else None
            if (
                examples_of
                and named_at is not None
                and opener is not None
                and other in vocab.concept_ancestors(key)
                and not re.search(r";|(?<!\be\.g)(?<!\bi\.e)\.\s", norm[named_at : kind.start])
                and kind.start - max(named_at, opener.end()) <= 100
                and opener.start() - head.mentions[0][1] <= 160
            ):
                _absorb(head, kind, matches, order)
                break
    for key in list(order):
        head = matches.get(key)
        if head is None or len(head.mentions) != 1:
            continue
        kind = _named_before(norm, matches, order, key, _CLASS_AFTER_KIND, vocab, broader=False)
        if kind is not None:
            _absorb(kind, head, matches, order)
    for key in list(order):  # "HBsAg positive with detectable HBV DNA": the infection, narrowed to its kind
        kind = matches.get(key)
        if kind is None or kind.category != "infection":
            continue
        broad = _named_before(norm, matches, order, key, _NARROWED_BY_KIND, vocab, broader=True)
        if broad is None:
            continue
        # a member of its own ("positive for HBsAg, or positive for HBcAb with HBV DNA ..."): HBsAg alone still
        # excludes; the mentions after it are the narrowed ones
        ordered = sorted(broad.mentions)
        cut = max(
            (n + 1 for n in range(len(ordered) - 1) if _OWN_MEMBER.match(norm, ordered[n][1], ordered[n + 1][0])),
            default=0,
        )
        if cut == 0:
            _absorb(kind, broad, matches, order)
        else:
            kind.mentions.extend(ordered[cut:])
            kind.start = min(kind.start, ordered[cut][0])
            broad.mentions = ordered[:cut]
            broad.end = ordered[cut - 1][1]


def _named_before(
    norm: str,
    matches: dict[str, ConceptMatch],
    order: list[str],
    key: str,
    gap: re.Pattern[str],
    vocab: Vocabulary,
    *,
    broader: bool,
) -> ConceptMatch | None:
    """The first concept of the clause named before ``key``'s, with its polarity, that is a broader concept of it
    (``broader``) or a narrower one, with nothing but ``gap`` between the two ("fludarabine chemotherapy": the
    kind before its class; "HBsAg with HBV DNA": the infection before its kind)."""
    later = matches[key]
    for other in order:
        earlier = matches.get(other)
        related = other in vocab.concept_ancestors(key) if broader else key in vocab.concept_ancestors(other)
        if (
            earlier is not None
            and other != key
            and earlier.polarity == later.polarity
            and earlier.end <= later.start
            and related
            and gap.fullmatch(norm, earlier.end, later.start)
        ):
            return earlier
    return None


# A test result that negates what it reports on, written after it: "HIV antibody negative", "HBsAg, HCV
# antibody and HIV antibody are negative", "HCV RNA not detected".
NEGATIVE_RESULT = re.compile(
    r"(?i)(?:is|are|was|were|must\s+be|should\s+be|to\s+be|be|tested|test(?:s|ed)?|result(?:s)?|:)?\s*"
    r"(?:(?:sero-?)?negative|non-?reactive|not\s+detected|undetected|undetectable|not\s+detectable|absent)\b"
)


def _negative_result_after(norm: str, position: int, clause_end: int, vocab: Vocabulary) -> bool:
    """A negative result written after a mention, over a list of tests ("HBsAg, HCV antibody and HIV antibody
    are negative") and not past a clause or a "but"."""
    window_end = min(clause_end, position + 120)
    named = [(m.start(), m.end()) for m in vocab.concept_matcher.finditer(norm, position, window_end)]
    for result in NEGATIVE_RESULT.finditer(norm, position, window_end):
        gap = norm[position : result.start()]
        for a, b in named:
            if b <= result.start():
                gap = gap.replace(norm[a:b], " ")
        words = re.findall(r"[A-Za-z]+|\d+", gap.lower())
        return all(w in cues().result_test_words for w in words) and ";" not in gap
    return False


# "hepatitis B or C", "type 1 or 2 diabetes": a name whose last part is shared, the second written alone
_ELLIPSIS = re.compile(r"\s*(?:,|or|and|/|and/or)\s*([A-Z0-9]{1,3})\b")


def with_elliptic(norm: str, matches: list[PhraseMatch], vocab: Vocabulary) -> list[PhraseMatch]:
    """The matches, with the names written elliptically after one of them: "hepatitis B or C" names hepatitis
    C too (at the "C")."""
    found = list(matches)
    for match in matches:
        name = match.group(0)
        head, _sep, last = name.rpartition(" ")
        if not head or not re.fullmatch(r"[A-Z0-9]{1,3}", last):
            continue
        ellipsis = _ELLIPSIS.match(norm, match.end())
        if ellipsis is None:
            continue
        named = vocab.concept_matcher.search(f"{head} {ellipsis.group(1)}")
        if named is not None and named.key != match.key:
            found.append(PhraseMatch(named.key, ellipsis.start(1), ellipsis.end(1), ellipsis.group(1)))
    return sorted(found, key=lambda m: m.start())


def _restated_as_kind(norm: str, restated: ConceptMatch, match: PhraseMatch, vocab: Vocabulary) -> bool:
    """'cytomegalovirus (CMV) DNA', 'hepatitis B virus (HBV) DNA': a concept named, then at once (over an
    opening bracket) a kind of it: the kind is what the criterion names."""
    if restated.key not in vocab.concept_ancestors(match.key):
        return False
    return re.fullmatch(r"[\s(\[]{0,3}", norm[restated.mentions[-1][1] : match.start()]) is not None


def _same_mention(norm: str, previous: PhraseMatch | None, match: PhraseMatch, vocab: Vocabulary) -> bool:
    """'HIV infection', 'hepatitis B (HBsAg) infection': the head word names the concept just before it; and
    'allogeneic stem cell transplant (HSCT)': a bracketed short name of a broader concept restates it."""
    if previous is None:
        return False
    if (
        re.fullmatch(r"\s*[(\[]\s*", norm[previous.end() : match.start()])
        and re.match(r"\s*[)\]]", norm[match.end() : match.end() + 3])
        and match.key != previous.key
        and match.key in vocab.concept_ancestors(previous.key)
    ):
        return True
    if not _HEAD_WORD.match(match.group(0)):
        return False
    if vocab.concepts[previous.key].category != vocab.concepts[match.key].category:
        return False
    return re.fullmatch(r"[\s)\]-]{0,3}", norm[previous.end() : match.start()]) is not None  # "HIV-infection"


def _apply_washout(
    norm: str, clause_start: int, clause_end: int, matches: dict[str, ConceptMatch], vocab: Vocabulary
) -> None:
    """'At least 2 weeks since prior systemic treatment' in an inclusion is a washout: recent exposure
    excludes, and no exposure is required. The amount becomes the window ('5 half-lives' stays as written)."""
    rules = cues()
    for found in rules.washout.finditer(norm, clause_start, clause_end):
        if not _is_washout(norm, found, clause_end, vocab):
            continue
        raw = found.group("value").lower()
        value = float(WORD_NUMBERS.get(raw, 0) or raw)
        unit = _UNITS[found.group("unit")[0].lower()] if found.group("unit") else "half-lives"
        anchor_match = vocab.anchor_matcher.search(norm, found.end(), clause_end)
        window = Window(value, unit, anchor_match.key if anchor_match else None)
        for m in matches.values():
            if m.category == "prior_therapy":
                m.polarity = "exclude"
                if m.within is None or not m.within.countable or unit != "half-lives":
                    m.within = window


def _is_washout(norm: str, found: re.Match[str], clause_end: int, vocab: Vocabulary) -> bool:
    """Whether a minimum time ("at least 2 weeks") is a washout: a link follows that counts it since a last
    exposure ("since", "after prior therapy", "prior to enrollment"); "steroids for at least 7 days" is a
    duration, not one."""
    rules = cues()
    return any(
        rules.washout_alone.match(link.group(0))
        or rules.washout_last.search(norm, link.end(), link.end() + 40)
        or _before_anchor(norm, link, vocab)
        for link in rules.washout_link.finditer(norm, found.end(), min(clause_end, found.end() + 120))
    )


def _before_anchor(norm: str, link: re.Match[str], vocab: Vocabulary) -> bool:
    """'≥ 7 days prior to enrollment': a time before one of the study's own events."""
    if not re.fullmatch(r"(?i)prior\s+to|before", link.group(0)):
        return False
    anchor = vocab.anchor_matcher.search(norm, link.end(), link.end() + 40)
    return anchor is not None and re.fullmatch(r"[\s\w-]{0,25}", norm[link.end() : anchor.start()]) is not None


def definition_spans(norm: str, start: int, end: int) -> list[tuple[int, int]]:
    """Where a criterion defines a term inside itself ('refractory hypertension (refractory hypertension is
    defined as: ... ≥3 antihypertensive drugs ...)', '[severe allergic reaction is defined as grade 2 ...]'):
    from the cue to the close of the bracket it sits in, else to the end of its sentence. What is stated
    there explains a term; it is not a requirement of its own."""
    spans = []
    for cue in cues().definition.finditer(norm, start, end):
        if _unclosed(norm, range(cue.start() - 1, start - 1, -1), opens=")]", closes="([") is not None:
            stop = _unclosed(norm, range(cue.end(), end), opens="([", closes=")]")
            stop = end if stop is None else stop
        else:
            sentence = _SENTENCE_END.search(norm, cue.end(), end)
            stop = sentence.start() if sentence else end
        if stop > cue.end():
            spans.append((cue.start(), stop))
    return spans


def _unclosed(norm: str, positions: range, opens: str, closes: str) -> int | None:
    """The first bracket in ``positions`` that closes one not opened along the way: walking back from a cue,
    the '(' it sits inside; walking forward, the ')' that ends it."""
    depth = 0
    for position in positions:
        char = norm[position]
        if char in opens:
            depth += 1
        elif char in closes:
            if depth == 0:
                return position
            depth -= 1
    return None


def _exception_text(norm: str, start: int, clause_end: int) -> str:
    """The words of an exception: up to the closing parenthesis (if it opened inside one), a time window that
    closes the sentence ("other than steroids (e.g., ...) within 28 days of the first dose": the window is the
    exclusion's) or the clause end."""
    text = norm[start:clause_end]
    if ")" in text and "(" not in text.split(")")[0]:
        text = text.split(")")[0]
    window = _WINDOW_AFTER_EXCEPTION.search(text)
    if window is not None:
        text = text[: window.start()]
    return " ".join(text.strip(" ,:;.").split())[:400]


_WINDOW_AFTER_EXCEPTION = re.compile(
    r"(?i)\s(?:within|during|in\s+the\s+(?:last|past|previous))\s+(?:the\s+(?:last|past|previous)\s+)?"
    r"(?:\d|one|two|three|four|five|six|twelve)"
)
# a relative clause after an exception's list, said of what the exception narrows
_SAID_OF_THE_HEAD = re.compile(
    r"(?i)\b(?:that|which)\s+(?:is|are|has|have|requires?|required|needs?|needing|causes?)\b|\brequiring\b"
)


def _reopened(norm: str, after_exception: int, position: int) -> bool:
    """A new clause of the list resumes after an exception ends: 'except X) and Y', 'except X; Y', 'other than X
    that requires treatment'."""
    between = norm[after_exception:position]
    return (
        ")" in between
        and "(" not in between.split(")")[-1]
        and norm[after_exception - 40 : after_exception].count("(") > 0
    ) or _SAID_OF_THE_HEAD.search(between) is not None


# What ends a negation's reach before a mention: a contrast, an exception, a relative clause that starts a new
# statement ("without CNS disease who have received chemotherapy"), a semicolon.
_NEGATION_ENDS = re.compile(
    r"(?i)\b(?:but|however|although|though|whereas|unless|except|excluding|who|which|whose|that\s+(?:is|are|has|have)|"
    r"exists?|(?:is|are)\s+(?:available|known|possible)|or\s+(?:has|have|had|is|are|was|were))\b|;"  # "no standard
    # therapy exists: DLBCL, ...", "not eligible for curative therapy or has relapsed"
)


# A contrast before a permission: what precedes it is the exclusion ("CNS metastases, but ... are allowed")
CONTRAST = re.compile(r"(?i)\b(?:but|however|although|though|except\s+that)\b")

# A negation that forbids ("may not have had", "must not", "cannot", "is not allowed"): in an exclusion it says
# the exclusion again rather than turning it into a requirement
_PROHIBITION = re.compile(
    r"(?i)\b(?:may|must|should|shall|can|could|will)\s+not\b|\bcannot\b|\bcan't\b|\bmustn't\b|"
    r"\bnot\s+(?:be\s+)?(?:allowed|permitted|eligible)\b"
)


def _negated(norm: str, clause_start: int, position: int) -> bool:
    """A negation cue before the mention in its clause ("may not have received prior therapy or plan to
    receive ... radiation therapy"), up to 150 characters back, its reach not ended between them (a contrast,
    an exception, a relative clause, a semicolon) and not shut in a bracket that closes before the mention
    ("(no pleural effusion), or psychiatric illness")."""
    return negation_before(norm, clause_start, position) is not None


def negation_before(
    norm: str, clause_start: int, position: int, names: Sequence[tuple[int, int]] = ()
) -> tuple[int, int, str] | None:
    """The negation cue whose reach covers the mention (``_negated``), with the words from a modal before it
    to the cue's end (to tell a prohibition), or None. ``names``: where concepts are named, whose words are
    no cue ("non Hodgkin lymphoma")."""
    start = max(clause_start, position - 250)  # "No significant history of ... (i.e., ..., or heart failure)"
    window = _NOT_A_NEGATION.sub(lambda m: " " * len(m.group(0)), norm[start:position])
    for a, b in names:
        if a < position and b > start:
            a, b = max(a, start) - start, min(b, position) - start
            window = window[:a] + " " * (b - a) + window[b:]
    cues = list(_NEGATION.finditer(window))
    if not cues:
        return None
    cue = cues[-1]
    tail = window[cue.end() :]
    if _NEGATION_ENDS.search(tail):
        return None
    before = window[: cue.start()]
    opened = before.count("(") + before.count("[") - before.count(")") - before.count("]")
    closes = tail.count(")") + tail.count("]") - tail.count("(") - tail.count("[")
    if opened > 0 and closes > 0:
        return None  # the cue sat in a bracket that closed before the mention
    said = window[max(0, cue.start() - 12) : cue.end() + 20]
    return (start + cue.start(), start + cue.end(), said)


# "drugs used for GVHD", "medication to prevent seizures", "therapy for (treatment of) lymphoma": a condition
# named as what unnamed drugs or therapies are for
_PURPOSE_OF_A_DRUG = re.compile(
    r"(?i)\b(?:(?:drugs?|medications?|medicines?|agents?|therap(?:y|ies)|treatments?|chemotherapy|regimens?)\s+"
    r"(?:(?:used|given|taken|prescribed)\s+)?(?:for|to\s+(?:treat|prevent|control|manage))"
    r"|(?:treatment|therapy|management)\s+of)\s+(?:the\s+|an?\s+|their\s+|his\s+|her\s+)?"
    r"(?:[\w-]+\s*(?:,\s*|\s+or\s+|\s+and\s+|/)){0,3}$"  # "for treatment of CLL or SLL": each of them
)

# "GVHD therapies", "graft-versus-host disease prophylaxis": the drugs for the condition, not the condition
_DRUGS_FOR_IT = re.compile(r"(?i)\s*(?:therap(?:y|ies)|drugs?|medications?|prophylaxis)\b")


# "leukemic blasts / lymphoma cells", "myeloma cell line", "tumor tissue": the disease's cells or tissue, named
# to say what is measured, not the diagnosis
DISEASE_MATERIAL = re.compile(r"(?i)\s*(?:cells?|blasts?|tissues?|cell\s+lines?|specimens?|samples?|biops(?:y|ies))\b")


def named_as_purpose(norm: str, start: int, match: PhraseMatch) -> bool:
    """Whether a condition is named only as what a therapy is for ("chemotherapy for treatment of CLL"):
    no diagnosis of its own, and words that narrow the therapy."""
    return _PURPOSE_OF_A_DRUG.search(norm[max(start, match.start() - 80) : match.start()]) is not None


def named_as_plan(norm: str, start: int, match: PhraseMatch) -> bool:
    """Whether a therapy is named only as one the patient is a candidate for, or one the window counts to
    ("eligible for allogeneic HSCT", "within 28 days before ASCT"): no therapy received."""
    return bool(
        _CANDIDATE_FOR.search(norm, max(start, match.start() - 160), match.start())
        or _WINDOW_TO_A_THERAPY.search(norm[max(start, match.start() - 80) : match.start()])
    )


# what a test is done for ("should be tested for HBeAg and HBV DNA"): an instruction, not a finding
_TESTED_FOR = re.compile(r"(?i)\b(?:tested|screened|evaluated|assessed|checked)\s+for\s+(?:[^;.]{0,80}?)$")
# a status named as a time ("CD20-negative status at relapse", "at the time of diagnosis"): not the patient's status
_AT_A_TIME = re.compile(r"(?i)\bat\s+(?:the\s+time\s+of\s+)?(?:first\s+|last\s+|most\s+recent\s+)?$")
# a disease named as an example of a broader group an inclusion requires ("T-cell lymphomas, including ALCL")
_AN_EXAMPLE = re.compile(r"(?i)\b(?:including|such\s+as|e\.g\.?|for\s+example)\b[^;.]{0,80}$")


def _admissible(
    norm: str, category: str, match: PhraseMatch, clause_start: int, clause_end: int, section_polarity: Polarity
) -> bool:
    context_before = norm[max(clause_start, match.start() - 80) : match.start()]
    context_after = norm[match.end() : min(clause_end, match.end() + 40)]
    if category in ("condition", "infection") and _TESTED_FOR.search(context_before):
        return False  # "patients with HBV should be tested for HBeAg and HBV DNA": a test to do
    if category == "disease_status" and _AT_A_TIME.search(context_before):
        return False  # "CD20-negative at relapse": when a test was done, not a status required or excluded
    if category == "condition" and section_polarity == "include" and _AN_EXAMPLE.search(context_before):
        return False  # "mature T-cell neoplasms, including ALCL": one kind of what is required, not all of it
    if category == "condition" and cues().organ_qualifier.match(context_after):
        return False  # "lymphoma infiltrating the heart" is an organ's involvement, not the diagnosis itself
    if category == "condition" and cues().organ_cause.search(context_before):
        return False  # "CNS involvement by lymphoma": the cause of the organ's involvement, not a second diagnosis
    if category == "condition" and DISEASE_MATERIAL.match(context_after):
        return False  # "lymphoma cells": what is measured, not the diagnosis
    if category == "condition" and (_PURPOSE_OF_A_DRUG.search(context_before) or _DRUGS_FOR_IT.match(context_after)):
        # the words stay to be weighed: "chemotherapy for treatment of CLL" is not any chemotherapy
        return False  # "any drug used for GVHD must be stopped": the drug is excluded, not the disease
    if category == "prior_therapy":
        earlier = re.search(
            r"(?i)\b(?:most\s+recent|latest|last|prior|previous|earlier)\s+(?:\w+\s+){0,2}$", context_before
        )
        if not earlier and (
            _STUDY_OWN.match(context_after)
            or re.search(r"(?i)\bfor\s+(?:the\s+)?$", context_before)
            or cues().study_own_therapy.search(context_before)
        ):
            return False  # the study's own procedure: "blood collection for CAR-T manufacturing"
        if _CAUSE.search(context_before):
            return False  # "toxicity caused by previous antitumor therapy": a cause, not a requirement or exclusion
        if _DURING_A_THERAPY.search(context_before):
            return False  # "grade 3 rash during prior lenalidomide": when something happened, not an exposure rule
        if named_as_plan(norm, clause_start, match):
            return False  # "candidates for curative therapy, such as HSCT", "within 28 days before ASCT"
        # an exclusion item that names a therapy excludes exposure to it; an inclusion needs a cue of exposure
        return section_polarity == "exclude" or bool(
            _EXPOSURE.search(context_before) or _EXPOSURE.search(context_after)
        )
    return True


_WINDOW_OWNERS = ("prior_therapy", "condition", "infection")
# a window counted to a therapy named after it: "within 28 days before ASCT", "within 12 weeks before
# blinatumomab treatment": that therapy is the study's step, not one the patient had
_WINDOW_TO_A_THERAPY = re.compile(
    r"(?i)\b(?:within|in\s+the)\s+(?:the\s+)?(?:last\s+|past\s+)?(?:\d+(?:\.\d+)?|one|two|three|four|five|six|eight|ten|twelve|a)"
    r"\s*(?:hours?|days?|weeks?|months?)\s+(?:before|prior\s+to|preceding|of)\s+(?:the\s+)?"
    r"(?:(?:start|initiation|first\s+dose|day\s+1)\s+of\s+)?(?:the\s+)?(?:planned\s+|scheduled\s+|study\s+)?$"
)
_DURING_A_THERAPY = re.compile(
    r"(?i)\b(?:during|while\s+(?:on|receiving|taking))\s+(?:the\s+)?(?:prior\s+|previous\s+)?$"
)
# who is fit for, or due, a therapy named after it: "candidates for potentially curative therapy, such as HSCT"
_CANDIDATE_FOR = re.compile(
    r"(?i)\b(?:candidates?|eligible|eligibility|fit|suitable|scheduled|planned|referred|awaiting)\s+(?:to\s+receive\s+|for\s+)"
    r"[^;.]{0,100}$"
)
_LIST_GAP = re.compile(r"(?i)^[^;.0-9]{0,150}$")  # a list may hold members the engine did not read
# Where a definition outside brackets ends: its sentence (a blank line does not end it).
_SENTENCE_END = re.compile(r";|\.\s+(?=[A-Z])")
# What opens a list of examples of the concept before it.
_EXAMPLES = re.compile(r"(?i)\b(?:including(?:\s+but\s+not\s+limited\s+to)?|such\s+as|e\.g\.|for\s+example)")


# A window before the list it holds for: "within the past 6 months:" or "within 6 months, such as".
_ANCHOR_WORDS_AFTER = re.compile(
    r"(?i)\s*(?:(?:prior\s+to|before|of)\s+)?(?:[\w-]+\s+){0,4}?[\w-]+(?=\s*,?\s*(?:including|such\s+as|e\.g\.))"
)
_LIST_AFTER_WINDOW = re.compile(
    r"(?i)\s*(?::|,?\s*(?:including(?:\s+but\s+not\s+limited\s+to)?|such\s+as|e\.g\.|for\s+example)\b:?)"
)


def _gap(mentions: list[tuple[int, int]], start: int, end: int) -> int:
    return min(max(start - b, a - end, 0) for a, b in mentions)


# a list joint and the words of another member between a concept and a window after it
_BRACKETED = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")  # an aside ("(except diagnostic surgery and biopsy)")
_ANOTHER_MEMBER = re.compile(r"(?i)(?:[,;]|\bor\b|\band\b)\s*(?:(?:a|an|the|any)\s+)?[A-Za-z]{3,}")


_OPENS_LINE = re.compile(r"(?:^|\n)[ \t]*(?:[-*•·]|\d{1,2}[.)])?[ \t]*$")
_NEXT_MEMBER = re.compile(r"(?i)\s*(?:[,;]|\b(?:and|or|and/or)\b)")


def _window_targets(norm: str, matches: dict[str, ConceptMatch], order: list[str], start: int, end: int) -> list[str]:
    """The concept a window belongs to (the nearest in its clause), and those listed before it with it:
    'myocardial infarction, unstable angina, or heart failure within 12 months'."""
    owners = [k for k in order if k in matches and matches[k].category in _WINDOW_OWNERS]
    if not owners:
        return []
    anchored = _ANCHOR_WORDS_AFTER.match(norm, end)  # "within 6 months prior to signing consent, including ..."
    opener = (
        _LIST_AFTER_WINDOW.match(norm, end)
        or (_LIST_AFTER_WINDOW.match(norm, anchored.end()) if anchored else None)
        or (  # "Within 4 weeks, chemotherapy or radiotherapy": a window that opens its line, then its list
            re.match(r"\s*,", norm[end:]) if _OPENS_LINE.search(norm, max(0, start - 12), start) else None
        )
    )
    if opener is not None:  # "events within the past 6 months, such as MI, angina or heart failure": each of them
        listed = [k for k in owners if any(a >= opener.end() for a, _ in matches[k].mentions)]
        if listed:
            before = [k for k in owners if k not in listed and _gap(matches[k].mentions, start, end) <= 30]
            return before + listed
    nearest = min(owners, key=lambda k: _gap(matches[k].mentions, start, end))
    first_after = min((a for a, _b in matches[nearest].mentions if a >= end), default=None)
    if first_after is not None and _NEXT_MEMBER.match(norm, end, first_after):
        # "chemotherapy within 21 days, immunotherapy or surgery within 28 days": a window closes the member it
        # ends; the one after the joint begins another, with a window of its own
        before = [k for k in owners if any(b <= start for _a, b in matches[k].mentions)]
        if before:  # "Within 4 weeks, chemotherapy or radiotherapy": nothing before, so the list after
            nearest = min(before, key=lambda k: _gap(matches[k].mentions, start, end))
    if _gap(matches[nearest].mentions, start, end) > 120:
        return []
    behind = max((b for _a, b in matches[nearest].mentions if b <= start), default=None)
    if behind is not None and _ANOTHER_MEMBER.search(_BRACKETED.sub(" ", norm[behind:start])):
        return []  # "intestinal obstruction, or GI bleeding within 3 months": the window is the unread member's
    targets = [nearest]
    mentions = sorted((a, b, k) for k in owners for a, b in matches[k].mentions)
    position = max(
        (i for i, (a, b, k) in enumerate(mentions) if k == nearest and b <= start), default=-1
    )  # the window follows the concept: extend over the list that ends there, mention by mention
    while position > 0:
        earlier, later = mentions[position - 1], mentions[position]
        if earlier[2] == later[2]:  # one concept's mentions ("cladribine chemotherapy"): the list goes on before it
            position -= 1
            continue
        gap_text = norm[earlier[1] : later[0]]
        if not (_LIST_GAP.match(gap_text) and re.search(r",|\bor\b|\band\b|/", gap_text)):
            break
        if earlier[2] not in targets:
            targets.append(earlier[2])
        position -= 1
    first = min(matches[k].mentions[0][0] for k in targets)
    openers = list(_EXAMPLES.finditer(norm, first, start))
    if openers:  # "severe cardiac disease, including ... MI within 6 months": the head keeps no window
        targets = [k for k in targets if matches[k].mentions[0][0] >= openers[-1].start()]
    return targets


# "drugs that target CD19", "BCMA-targeted therapy", "anti-CD19 treatment": an antigen a therapy is aimed at,
# not the patient's disease expressing it
_THERAPY_TARGET_BEFORE = re.compile(
    r"(?i)(?:\btarget(?:s|ing|ed)?\s+(?:at\s+|against\s+)?|\bagainst\s+|\banti-?\s*)(?:the\s+)?$"
)
_THERAPY_TARGET_AFTER = re.compile(
    r"(?i)^\s*-?\s*(?:targeted|targeting|directed|specific|redirected)\b|^\s*(?:CAR|CART|BiTE|bispecific|antibod|ADC|"
    r"therap|treatment|agent|drug|inhibitor)"
)


def therapy_targets(norm: str, start: int, end: int, vocab: Vocabulary) -> list[tuple[int, int]]:
    """Where norm[start:end] names the antigen a therapy is aimed at ('CD19 CAR T-cell therapy', 'drugs that
    target CD19', 'BCMA-targeted'): what narrows the therapy, which the engine does not model."""
    spans = []
    for match in vocab.antigen_matcher.finditer(norm, start, end):
        before = norm[max(start, match.start() - 30) : match.start()]
        after = norm[match.end() : min(end, match.end() + 25)]
        if _THERAPY_TARGET_BEFORE.search(before) or _THERAPY_TARGET_AFTER.match(after):
            spans.append((match.start(), match.end()))
    return spans


_CELL_COUNT = re.compile(
    r"(?i)\s*(?:\+|-?positive)?\s*(?:T[\s-]*)?(?:cells?|lymphocytes?|T[\s-]*cells?)?\s*(?:counts?|numbers?|levels?)\b|"
    r"\s*(?:\+|-?positive)?\s*(?:T[\s-]*)?(?:cells?|lymphocytes)\b"
)
_ANTIGEN_JOINT = re.compile(r"-?\s*(?:,|or|and|/|and/or|,\s*or|,\s*and)\s*")


def _biomarkers(norm: str, start: int, end: int, vocab: Vocabulary, section_polarity: Polarity) -> list[ConceptMatch]:
    """Antigen expression constraints ('CD123+ AML', 'positive expression of CLL1 target'): not an antigen
    inside an exception ('malignancy other than the B7-H3+ sarcoma') nor one a therapy is aimed at ('drugs
    that target CD19', 'BCMA-targeted therapy')."""
    found: dict[str, ConceptMatch] = {}
    excepted = exception_spans(norm, start, end)
    antigens = vocab.antigen_matcher.finditer(norm, start, end)
    for n, match in enumerate(antigens):
        key = match.key
        if any(a <= match.start() < b for a, b in excepted):
            continue
        before = norm[max(start, match.start() - 30) : match.start()]
        after = norm[match.end() : min(end, match.end() + 25)]
        if _THERAPY_TARGET_BEFORE.search(before) or _THERAPY_TARGET_AFTER.match(after):
            continue
        last = match
        for following in antigens[n + 1 :]:  # "CD19, CD20 or CD22 positive": the listed share the last one's cue
            if not _ANTIGEN_JOINT.fullmatch(norm, last.end(), following.start()):
                break
            last = following
        if last is not match:
            after = norm[last.end() : min(end, last.end() + 25)]
        if not (
            _POSITIVE.match(after.lstrip(" "))
            or _POSITIVE.search(before[-25:])
            or re.match(r"\s*(?:\+|-?positive)", after)
        ):
            continue
        if _RESULT_UNSTATED.match(after) or (
            _TESTED.search(norm, start, end) and not _STATED_RESULT.search(f"{before[-25:]} {after}")
        ):
            continue  # "CD33 expression status must be determined": a test done, whatever its result
        if re.match(r"\s*/\s*CD\d", after) or re.search(r"CD\d+\s*/\s*$", before):
            continue  # "CD3/CD28 co-stimulation": a lab reagent, not the patient's disease
        if _CELL_COUNT.match(after):
            continue  # "CD4+ cell count ≥ 350", "CD4+ T lymphocytes": a count of the patient's cells

        polarity = section_polarity
        if re.search(r"(?i)\bnegative\b", after[:15]) or _negated(norm, max(start, match.start() - 60), match.start()):
            polarity = "exclude" if section_polarity == "include" else "include"
        if key not in found:
            found[key] = ConceptMatch(key, "biomarker", polarity, match.start(), match.end())
    return list(found.values())


_POSITIVITY_WORDS = re.compile(
    r"(?i)\b(?:positive|positivity|pos|express(?:ion|ing|ed|es)?|targets?|targeted|targeting)\b"
)


# What may stand between a window and the event it counts to: link words only ("within 14 days prior to the
# start of lymphodepletion"); anything else is the criterion's own words, to be placed or left over.
_WINDOW_TO_ANCHOR = re.compile(
    r"(?i)[\s,]*(?:(?:prior\s+to|before|preceding|of|from|after|since|until|following|the|first|start|"
    r"initiation|beginning|day|date|planned|scheduled|study|trial|receiving|receipt|dose)\b[\s,]*)*"
)


def window_spans(norm: str, start: int, end: int, vocab: Vocabulary) -> list[tuple[int, int, Window]]:
    """Every time window of norm[start:end], clause by clause, with where it is written."""
    return [w for a, b in clause_bounds(norm, start, end) for w in _windows(norm, a, b, vocab)]


_SAYS_MORE = re.compile(r"(?i)requir|treated|fail")


def construction_spans(
    norm: str, start: int, end: int, vocab: Vocabulary, *, washouts: bool = True
) -> list[tuple[int, int]]:
    """The words of norm[start:end] the concept reader takes as constructions rather than content: cue words
    (negation, exposure, exception, definition, permission, washout and its links, the study's own
    procedures, examples), time windows with their anchor events, and the positivity words of antigens. The
    sure-reading check (``reading.py``) counts them as placed. A washout ("at least 4 weeks since") is placed
    only where it is read (``washouts``: an inclusion's; "more than 3 years before enrollment" in an exclusion
    is not)."""
    rules = cues()
    spans: list[tuple[int, int]] = []
    therapies = [
        (m.start(), m.end())
        for m in vocab.concept_matcher.finditer(norm, start, end)
        if vocab.concepts[m.key].category == "prior_therapy"
    ]
    for cue in rules.exposure.finditer(norm, start, end):
        # "requiring", "treated", "failed" say something of their own ("disease requiring treatment", "treated
        # brain metastases"): placed only beside a therapy, whose exposure they tell
        beside = any(a - 60 <= cue.end() <= a or b <= cue.start() <= b + 40 for a, b in therapies)
        if beside or not _SAYS_MORE.match(cue.group(0)):
            spans.append((cue.start(), cue.end()))
    for pattern in (
        rules.negation_in_criteria,
        rules.exception,
        rules.definition,
        rules.permission,
        rules.heading,
        rules.washout_link,
        _NOT_A_NEGATION,
        _EXAMPLES,
        NOT_REACHED,
        CONTRAST,
    ):
        spans += [(m.start(), m.end()) for m in pattern.finditer(norm, start, end)]
    for clause_start, clause_end in clause_bounds(norm, start, end):
        spans += [
            (m.start(), m.end())
            for m in rules.washout.finditer(norm, clause_start, clause_end)
            if washouts and _is_washout(norm, m, clause_end, vocab)  # "for at least 7 days" is a duration
        ]
        for window_start, window_end, window in _windows(norm, clause_start, clause_end, vocab):
            spans.append((window_start, window_end))
            if window.anchor:
                anchor = vocab.anchor_matcher.search(norm, window_end, min(end, window_end + 60))
                if anchor is not None and _WINDOW_TO_ANCHOR.fullmatch(norm, window_end, anchor.start()):
                    spans.append((window_start, anchor.end()))
                elif anchor is not None:  # other words between ("or 5 half-lives, whichever is shorter"): theirs
                    spans.append((anchor.start(), anchor.end()))
    for antigen in vocab.antigen_matcher.finditer(norm, start, end):
        spans.append((antigen.start(), antigen.end()))
        for near in _POSITIVITY_WORDS.finditer(norm, max(start, antigen.start() - 30), min(end, antigen.end() + 25)):
            spans.append((near.start(), near.end()))
    for anchor in vocab.anchor_matcher.finditer(norm, start, end):
        spans.append((anchor.start(), anchor.end()))
    for named in vocab.concept_matcher.finditer(norm, start, end):
        material = DISEASE_MATERIAL.match(norm, named.end(), end)
        if material is not None:
            spans.append((named.start(), material.end()))
    return spans


@remembered
def exception_spans(norm: str, start: int, end: int) -> list[tuple[int, int]]:
    """Where each clause's exception is written: from its cue ("except", "other than") to the closing bracket
    it sits in, else to the clause's end, as ``extract_concepts`` reads it."""
    spans = []
    for clause_start, clause_end in clause_bounds(norm, start, end):
        found = _EXCEPTION.search(norm, clause_start, clause_end)
        if found is None:
            continue
        stop = clause_end
        text = norm[found.end() : clause_end]
        if ")" in text and "(" not in text.split(")")[0]:
            stop = found.end() + text.index(")")
        said_of = _SAID_OF_THE_HEAD.search(norm, found.end(), stop)
        if said_of is not None:  # "infection other than HIV that requires systemic treatment": the infection's
            stop = said_of.start()
        spans.append((found.end(), stop))
    return spans
