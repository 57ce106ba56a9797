"""Every criteria text in ../shared/data parses without error; the unparsed share is reported."""

from __future__ import annotations

from tests.conftest import shared_data
from trialscope.criteria import parse_criteria
from trialscope.quality.corpora import iter_criteria_texts


def test_every_text_parses_and_reports_its_unparsed_share() -> None:
    shares: dict[str, list[float]] = {}
    count = 0
    for source, text in iter_criteria_texts(shared_data()):
        parsed = parse_criteria(text)
        count += 1
        shares.setdefault(source.split("/")[0], []).append(parsed.unparsed_share)
        assert all(c.span is None or c.text == text[c.span[0] : c.span[1]] for c in parsed.constraints)
    assert count > 5000
    for corpus, values in shares.items():
        print(f"{corpus}: {len(values)} texts, mean unparsed share of items {sum(values) / len(values):.1%}")
