#!/usr/bin/env python3
"""Assertion in patient text: our reading (``trialscope.patients.assertion``) beside medspaCy's ConText with
its default rules, on the NegEx test set (``../shared/data/assertion``: 2,376 sentences from 120 discharge
summaries, each with one finding labelled Affirmed or Negated).

The finding is the set's concept column, which the sentence carries in capitals: its span is where the
concept stands upper-cased in the sentence, else where it stands in any case, else the longest run of its
first or last words that does (25 concepts run past their sentence), else the whole sentence. Both systems
get the same span.

Held out, written down before any tuning: reports 1-60 are the development half (cues were developed on
these only), reports 61-120 the held-out half. Figures are printed for each half and for all.

Prints, for each system and half: sentences, accuracy of the negated/affirmed call, negation precision,
recall and F1; then our speed (sentences per second, one core). With ``--errors`` our errors on the
development half (``--errors held-out`` or ``--errors all`` for the others).

medspaCy pins spaCy 3.7.5 and numpy 1.26, so it is not a project dependency: it runs in its own venv, as
a subprocess (``benchmarks/assertion_medspacy.py``). Install it once with

    python3 -m venv benchmarks/out/medspacy-venv && benchmarks/out/medspacy-venv/bin/pip install medspacy

    .venv/bin/python benchmarks/assertion_benchmark.py [--errors [development|held-out|all]] [--no-medspacy]
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from trialscope.patients.assertion import Assertion, assert_findings, load_rules

HERE = Path(__file__).resolve().parent
MEDSPACY_PYTHON = HERE / "out" / "medspacy-venv" / "bin" / "python"
INSTALL = "python3 -m venv benchmarks/out/medspacy-venv && benchmarks/out/medspacy-venv/bin/pip install medspacy"
HALVES: dict[str, Callable[[int], bool]] = {
    "held-out": lambda report: report > 60,
    "development": lambda report: report <= 60,
    "all": lambda report: True,
}


@dataclass(frozen=True)
class Example:
    report: int
    concept: str
    sentence: str
    start: int
    end: int
    negated: bool


def finding_span(concept: str, sentence: str) -> tuple[int, int]:
    """Where the set's concept stands in its sentence (see the module's docstring)."""
    concept = concept.strip()
    at = sentence.find(concept.upper())
    if at >= 0 and concept:
        return at, at + len(concept)
    words = concept.split()
    for n in range(len(words), 0, -1):
        for part in (words[:n], words[-n:]):
            match = re.search(r"\s+".join(map(re.escape, part)), sentence, re.IGNORECASE)
            if match:
                return match.span()
    return 0, len(sentence)


def load(path: Path) -> list[Example]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    examples = []
    for row in rows:
        sentence = row["Sentence"]
        start, end = finding_span(row["Concept"], sentence)
        examples.append(
            Example(int(row["Report No."]), row["Concept"], sentence, start, end, row["Negation"] == "Negated")
        )
    return examples


def scores(examples: list[Example], predicted: list[bool]) -> dict[str, float]:
    tp = sum(1 for e, p in zip(examples, predicted, strict=True) if e.negated and p)
    fp = sum(1 for e, p in zip(examples, predicted, strict=True) if not e.negated and p)
    fn = sum(1 for e, p in zip(examples, predicted, strict=True) if e.negated and not p)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return {
        "n": len(examples),
        "negated": tp + fn,
        "accuracy": (len(examples) - fp - fn) / len(examples),
        "precision": precision,
        "recall": recall,
        "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
    }


def ours(examples: list[Example]) -> tuple[list[Assertion], float]:
    load_rules()  # the cue file read once, outside the timing
    started = time.perf_counter()
    results = [assert_findings(e.sentence, [(e.start, e.end)])[0] for e in examples]
    return results, time.perf_counter() - started


def as_notes(examples: list[Example]) -> tuple[int, int, float]:
    """Our reading as the prescreen meets it: each report's distinct sentences joined into one note, all its
    findings judged in one call. Returns the notes, their sentences, and the seconds taken."""
    notes: dict[int, tuple[list[str], list[tuple[int, int]]]] = {}
    for e in examples:
        texts, spans = notes.setdefault(e.report, ([], []))
        if e.sentence not in texts:
            texts.append(e.sentence)
        offset = sum(len(t) + 1 for t in texts[: texts.index(e.sentence)])
        spans.append((offset + e.start, offset + e.end))
    joined = [(" ".join(texts), spans) for texts, spans in notes.values()]
    started = time.perf_counter()
    for text, spans in joined:
        assert_findings(text, spans)
    return len(joined), sum(len(texts) for texts, _ in notes.values()), time.perf_counter() - started


def medspacy(examples: list[Example], python: Path) -> tuple[list[bool], float] | None:
    if not python.exists():
        print(f"medspaCy: not installed ({python} missing); to compare, install it in its own venv:\n    {INSTALL}\n")
        return None
    items = [[e.sentence, e.start, e.end] for e in examples]
    done = subprocess.run(
        [str(python), str(HERE / "assertion_medspacy.py")],
        input=json.dumps(items),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        sys.exit(f"medspaCy run failed:\n{done.stderr[-2000:]}")
    answer = json.loads(done.stdout)
    return [bool(r["negated"]) for r in answer["results"]], float(answer["seconds"])


def show(name: str, examples: list[Example], predicted: list[bool]) -> None:
    for half, keep in HALVES.items():
        chosen = [(e, p) for e, p in zip(examples, predicted, strict=True) if keep(e.report)]
        s = scores([e for e, _ in chosen], [p for _, p in chosen])
        print(
            f"{name:<10} {half:<12} {s['n']:>6,} {s['negated']:>8} {s['accuracy']:>9.3f} {s['precision']:>10.3f} "
            f"{s['recall']:>7.3f} {s['f1']:>6.3f}"
        )


def marked(example: Example) -> str:
    text = re.sub(r"\s+", " ", example.sentence[: example.start]) + "[[" + example.sentence[example.start : example.end]
    return text + "]]" + re.sub(r"\s+", " ", example.sentence[example.end :])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, default=HERE.parent.parent / "shared")
    parser.add_argument("--errors", nargs="?", const="development", choices=list(HALVES), help="list our errors")
    parser.add_argument("--no-medspacy", action="store_true", help="our reading only")
    parser.add_argument("--medspacy-python", type=Path, default=MEDSPACY_PYTHON)
    args = parser.parse_args()
    path = args.shared / "data" / "assertion" / "negex-annotations-1-120.tsv"
    if not path.exists():
        sys.exit(f"needs the NegEx test set: {path} is missing")
    examples = load(path)
    results, seconds = ours(examples)
    predicted = [r.negated or r.resolved for r in results]  # NegEx calls a resolved finding negated
    other = None if args.no_medspacy else medspacy(examples, args.medspacy_python)
    print(f"NegEx test set: {len(examples):,} sentences, {sum(e.negated for e in examples)} negated")
    print("development half: reports 1-60; held-out half: reports 61-120\n")
    print(
        f"{'system':<10} {'half':<12} {'n':>6} {'negated':>8} {'accuracy':>9} {'precision':>10} {'recall':>7} {'F1':>6}"
    )
    show("ours", examples, predicted)
    if other is not None:
        show("medspaCy", examples, other[0])
    print(f"\nours: {len(examples) / seconds:,.0f} sentences/s ({seconds:.2f} s, one core, finding by finding)")
    notes, distinct, note_seconds = as_notes(examples)
    print(
        f"ours, as notes ({notes} reports, their {distinct:,} distinct sentences joined, all findings in one call): "
        f"{distinct / note_seconds:,.0f} sentences/s, {len(examples) / note_seconds:,.0f} findings/s"
    )
    if other is not None:
        print(f"medspaCy (spaCy sentencizer + ConText): {len(examples) / other[1]:,.0f} sentences/s ({other[1]:.2f} s)")
    if args.errors:
        keep = HALVES[args.errors]
        wrong = [
            (e, r)
            for e, r in zip(examples, results, strict=True)
            if keep(e.report) and (r.negated or r.resolved) != e.negated
        ]
        print(f"\nour errors on {args.errors}: {len(wrong)}")
        for e, r in wrong:
            label = "NEGATED " if e.negated else "AFFIRMED"
            cues = ", ".join(f"{c.text!r}:{c.category}/{c.direction}" for c in r.cues) or "no cue"
            print(
                f"- report {e.report} gold {label} ours {'negated' if r.negated or r.resolved else 'affirmed'} ({cues})"
            )
            print(f"    {marked(e)[:400]}")


if __name__ == "__main__":
    main()
