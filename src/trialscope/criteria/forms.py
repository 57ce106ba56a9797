"""The forms of a trial's criteria that the store keeps, computed from its record: the flat constraints, the
notes, the unparsed share, the outline the matcher screens with, and the segmentation a trial page shows.

``forms_of`` is the one place they are made from a parse (the store's lazy path and the import's parsing
step both use it). ``FormsReader`` makes them for many trials in a row and reads each distinct criteria text
once: the record-free part of a parse (``read_text``, nearly all of its cost) is kept, pickled, and completed
with each trial's own record (``with_record``), which gives exactly what a fresh parse gives. Registry texts
repeat (a sponsor's studies, a trial's sub-studies), and a synthetic catalogue built from a few thousand
real texts repeats them all.
"""

from __future__ import annotations

import hashlib
import pickle
import zlib
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

from trialscope.criteria.model import ParsedCriteria
from trialscope.criteria.outline import Outline
from trialscope.criteria.segment import items_to_json
from trialscope.model.study import Study, parse_study

if TYPE_CHECKING:
    from trialscope.criteria.engine import TextReading


def text_hash(text: str) -> str:
    """What a stored parse says it was computed from (sha256 of the criteria text)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class CriteriaForms:
    text_hash: str
    constraints: str  # JSON list in the flat constraint format
    notes: str  # JSON list
    unparsed_share: float
    outline: str  # criteria/outline.py, as JSON
    segmentation: str  # criteria/segment.py ``items_to_json``

    def flat(self) -> list[dict[str, Any]]:
        flat: list[dict[str, Any]] = orjson.loads(self.constraints)
        return flat


def forms_of(parsed: ParsedCriteria) -> CriteriaForms:
    flat = [c.as_flat() for c in parsed.constraints]
    return CriteriaForms(
        text_hash=text_hash(parsed.text),
        constraints=orjson.dumps(flat).decode(),
        notes=orjson.dumps(parsed.notes).decode(),
        unparsed_share=parsed.unparsed_share,
        outline=Outline.of_flat(flat).to_json(),
        segmentation=items_to_json(parsed.items),
    )


def criteria_text(study: Study) -> str:
    return study.protocol_section.eligibility_module.eligibility_criteria or ""


class FormsReader:
    """Forms for trial after trial, each distinct criteria text read once while its reading is remembered
    (``remembered`` texts, the least recently used forgotten first; ~4 kB each, pickled and compressed)."""

    def __init__(self, remembered: int = 20_000) -> None:
        self.remembered = remembered
        self._readings: OrderedDict[str, bytes] = OrderedDict()
        self.read = 0  # texts read
        self.reused = 0  # trials whose text had been read already

    def reading(self, text: str) -> TextReading:
        """The record-free reading of a text: a fresh object each time (``with_record`` uses it up)."""
        key = text_hash(text)
        kept = self._readings.get(key)
        if kept is not None:
            self._readings.move_to_end(key)
            self.reused += 1
            reading: TextReading = pickle.loads(zlib.decompress(kept))
            return reading
        from trialscope.criteria.engine import read_text  # the engine: loaded where a text is read

        reading = read_text(text)
        self.read += 1
        self._readings[key] = zlib.compress(pickle.dumps(reading, protocol=pickle.HIGHEST_PROTOCOL), 1)
        if len(self._readings) > self.remembered:
            self._readings.popitem(last=False)
        return reading

    def forms(self, study: Study) -> CriteriaForms:
        from trialscope.criteria.engine import with_record

        return forms_of(with_record(self.reading(criteria_text(study)), study))

    def forms_of_record(self, record: str | bytes) -> CriteriaForms:
        """Forms from a stored record's JSON (as the store keeps it); raises ValueError (pydantic's
        ValidationError, orjson's JSONDecodeError) when it is not a valid study."""
        return self.forms(parse_study(orjson.loads(record)))
