"""The trial's own patient passes (issue 33): for every trial, a patient with exactly the trial's condition,
the disease status and the markers its criteria require, and nothing else stated, must never be "not
eligible".

    .venv/bin/python benchmarks/own_patient.py [--shared ../shared] [--verbose]

Trials: the demo catalogue (the five seed trials, the API v2 fixtures, the CAR-T monitor's trials, 200 of
them with their criteria text), the v2 fixtures again as files, and the LCT corpus's criteria texts (no
record: the trial's condition is what its inclusions require). The patient of a trial with several
conditions is tried once per condition. Prints each rejection with the criteria that failed, then, last,
``own patient: rejected R of N trials``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from trialscope.catalogue.readers import read_paths  # noqa: E402
from trialscope.catalogue.records import SourceRecord  # noqa: E402
from trialscope.matching.verdict import TrialMatch  # noqa: E402
from trialscope.model.study import Study  # noqa: E402
from trialscope.quality.own_patient import rejections, text_trials, trials_of  # noqa: E402

DEMO = ROOT / "src" / "trialscope" / "data" / "demo-catalogue.jsonl.gz"


def studies(shared: Path) -> Iterator[Study]:
    """The demo catalogue's studies, then the v2 fixtures' (each trial once; the deliberately broken variants
    left out)."""
    seen: set[str] = set()
    fixtures = shared / "data" / "ctgov-v2-fixtures"
    for item in read_paths([p for p in (DEMO, fixtures) if p.exists()]):
        if not isinstance(item, SourceRecord):
            continue
        try:
            study = Study.model_validate(item.study)
        except ValueError:
            continue
        if study.nct_id not in seen:
            seen.add(study.nct_id)
            yield study


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--verbose", action="store_true", help="also list the trials that pass")
    args = parser.parse_args()
    total = rejected = with_text = 0
    lct = sorted((args.shared / "data" / "criteria-corpora" / "lct").rglob("*.txt"))
    for info, parsed in [*trials_of(studies(args.shared)), *text_trials(iter(lct))]:
        total += 1
        with_text += any(not c.implicit for c in parsed.constraints)
        found = rejections(info, parsed)
        if found is not None:
            rejected += 1
            print(f"{info.nct_id}: rejected")
            for failure in found.matches:
                _print_failing(failure)
        elif args.verbose:
            print(f"{info.nct_id}: passes")
    print(f"trials with criteria text: {with_text} of {total}")
    print(f"own patient: rejected {rejected} of {total} trials")


def _print_failing(match: TrialMatch) -> None:
    for r in match.failing:
        print(f"    not met: {r.constraint.text.strip()[:140]!r} -> {r.explanation[:200]}")


if __name__ == "__main__":
    main()
