"""The antigens a trial's therapy targets, read from its interventions, arms and titles.

An antigen counts when it is named next to a targeting cue (CAR, CAR-T, chimeric antigen receptor,
targeting, bispecific, antibody, ADC) in the same text, or through a binder ("IL3 CAR-T" targets CD123).
"""

from __future__ import annotations

import re

from trialscope.criteria.vocabulary import Vocabulary, vocabulary
from trialscope.model.study import Study

_TARGETING = re.compile(
    r"(?i)\bCAR[\s\-]*(?:T|NK|M)?\b|chimeric\s+antigen\s+receptor|\btarget(?:s|ing|ed)?\b|bispecific|"
    r"\bBiTE\b|antibod(?:y|ies)|\bADC\b|\bimmunotoxin|\bTCR\b|-directed|\bredirected\b"
)


def _texts(study: Study) -> list[str]:
    protocol = study.protocol_section
    arms = protocol.arms_interventions_module
    texts = [i.name or "" for i in arms.interventions] + [i.description or "" for i in arms.interventions]
    texts += [a.label or "" for a in arms.arm_groups] + [a.description or "" for a in arms.arm_groups]
    texts += [protocol.identification_module.brief_title or "", protocol.identification_module.official_title or ""]
    texts += [name for i in arms.interventions for name in i.other_names]
    return [t for t in texts if t]


def targets_in_text(text: str, vocab: Vocabulary | None = None) -> list[str]:
    """Antigens a piece of text says a therapy targets, in order of first mention."""
    vocab = vocab or vocabulary()
    if not _TARGETING.search(text):
        return []
    found: dict[str, int] = {}
    for match in vocab.antigen_matcher.finditer(text):
        found.setdefault(match.key, match.start())
    for match in vocab.binder_matcher.finditer(text):
        after = text[match.end() : match.end() + 12]
        if re.match(r"[\s\-]*(?:CAR|chimeric)", after, re.IGNORECASE):
            found.setdefault(match.key, match.start())
    return sorted(found, key=found.__getitem__)


def trial_targets(study: Study, vocab: Vocabulary | None = None) -> list[str]:
    """Target antigens of a trial (empty when none is named with a targeting cue)."""
    vocab = vocab or vocabulary()
    targets: dict[str, None] = {}
    for text in _texts(study):
        for key in targets_in_text(text, vocab):
            targets.setdefault(key, None)
    return list(targets)
