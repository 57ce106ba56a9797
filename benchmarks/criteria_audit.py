"""A held-out audit of the criteria engine (issue 33): draw trials at random from the shared corpora, show each
criterion beside how trialscope read it, for a reviewer who judges every item by hand; then count the
judgements.

    .venv/bin/python benchmarks/criteria_audit.py draw --seed 33 --trials 30 --out /tmp/audit/round1
    .venv/bin/python benchmarks/criteria_audit.py count benchmarks/audit/round1.jsonl

``draw`` takes trials with a criteria text from the CAR-T monitor's sample (``sample_v1.json``), with
``--pool catalogue`` from the demo catalogue's 2,290 records, with ``--pool hint`` from the HINT benchmark's
trials of a blood cancer (383; all drawn by 2026-12-07 but 5), or with ``--pool hint-cancer`` from its 1,209
trials of another cancer only (never the five seed trials, which the engine was built on) in the order
``random.Random(seed).sample`` gives, and
writes one file per trial: the criteria text, then every item as the engine read it ("read", "partly read"
with the words not weighed, "unread") and its constraints in words. The reviewer reads only these files
(never the code) and writes one JSON line per item: ``{"nct_id", "item", "judgement", "why"}`` with the
judgement one of ``read`` (read whole and right), ``partly`` (what was read is right; the words left over
are honestly marked), ``misread`` (a constraint that could give a wrong "met" or "not met": a wrong concept,
polarity, value, unit or time window, a requirement the text does not state, or an item marked read that
leaves out what changes who qualifies), ``unread`` (nothing read, honestly marked). Administrative items and
headings are ``skip``.

``count`` prints the table of judgements (share of items of each kind, misread share first).
"""

from __future__ import annotations

import argparse
import ast
import csv
import json
import random
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from trialscope.catalogue.readers import read_paths  # noqa: E402
from trialscope.catalogue.records import SourceRecord  # noqa: E402
from trialscope.criteria import parse_criteria  # noqa: E402
from trialscope.criteria.describe import describe_all, item_reading, leftover_words  # noqa: E402
from trialscope.criteria.model import Constraint  # noqa: E402
from trialscope.matching.evaluate import kept_answers  # noqa: E402
from trialscope.model.study import Study  # noqa: E402

DEMO = ROOT / "src" / "trialscope" / "data" / "demo-catalogue.jsonl.gz"
SEEDS = {"NCT07144020", "NCT04599543", "NCT06125652", "NCT07342244", "NCT06585345"}


BLOOD_CANCER = ("leukemia", "leukaemia", "lymphoma", "myeloma", "myelodysplastic", "myeloproliferative")
OTHER_CANCER = ("cancer", "carcinoma", "tumor", "tumour", "neoplasm", "sarcoma", "melanoma", "glioma", "malignan")


def _of_pool(diseases: list[str], pool: str) -> bool:
    """A HINT trial's diseases fall in the pool: "hint", a blood cancer; "hint-cancer", another cancer only."""
    named = [d.lower() for d in diseases]
    blood = any(word in d for d in named for word in BLOOD_CANCER)
    if pool == "hint":
        return blood
    return not blood and any(word in d for d in named for word in OTHER_CANCER)


def hint_studies(shared: Path, pool: str = "hint") -> dict[str, Study]:
    """The HINT benchmark's trials (``criteria-texts/hint``, phase I-III) whose diseases name a blood cancer
    (pool "hint") or another cancer and no blood cancer ("hint-cancer"), as studies with their criteria text
    and diseases as conditions (the CSVs hold no title)."""
    csv.field_size_limit(10**8)
    found: dict[str, Study] = {}
    for path in sorted((shared / "data" / "criteria-texts" / "hint").glob("*.csv")):
        with path.open(encoding="utf-8") as f:
            for row in csv.DictReader(f):
                diseases = [str(d) for d in ast.literal_eval(row.get("diseases") or "[]")]
                text = (row.get("criteria") or "").strip()
                if not text or not _of_pool(diseases, pool):
                    continue
                found[row["nctid"]] = Study.model_validate(
                    {
                        "protocolSection": {
                            "identificationModule": {"nctId": row["nctid"], "briefTitle": "; ".join(diseases)},
                            "conditionsModule": {"conditions": diseases},
                            "eligibilityModule": {"eligibilityCriteria": text},
                        }
                    }
                )
    return found


def candidates(shared: Path, pool: str = "car-t") -> list[str]:
    """The trials a draw takes from: the CAR-T monitor's sample ("car-t", 199 trials, all drawn by 2026-12-07),
    every trial of the demo catalogue with a criteria text ("catalogue": 213 with a text, the sample's among
    them, so exclude the earlier draws; used up by 2026-12-07), or the HINT trials of a blood cancer ("hint");
    never the five seed trials."""
    if pool in ("hint", "hint-cancer"):
        return sorted(set(hint_studies(shared, pool)) - SEEDS)
    if pool == "catalogue":
        found = {
            item.study["protocolSection"]["identificationModule"]["nctId"]
            for item in read_paths([DEMO])
            if isinstance(item, SourceRecord)
            and (item.study["protocolSection"].get("eligibilityModule", {}).get("eligibilityCriteria") or "").strip()
        }
        return sorted(found - SEEDS)
    sample = json.loads((shared / "data" / "car-t-monitor" / "sample_v1.json").read_text(encoding="utf-8"))
    return sorted(
        t["NCTId"] for t in sample["trials"] if (t.get("EligibilityCriteria") or "").strip() and t["NCTId"] not in SEEDS
    )


def render(study: Study) -> str:
    text = study.protocol_section.eligibility_module.eligibility_criteria or ""
    parsed = parse_criteria(text, study)
    lines = [
        f"# {study.nct_id}: {study.title}",
        f"conditions (record): {', '.join(study.protocol_section.conditions_module.conditions)}",
        "",
        "## Criteria as registered",
        text,
        "",
        "## As trialscope read them (item by item)",
    ]
    for item in parsed.items:
        constraints = parsed.for_item(item.index)
        reading = item_reading(constraints) or "administrative or heading"
        lines.append(f"[item {item.index}] ({item.section}; {reading}) {item.text.strip()}")
        lines += [
            f"    -> {words}{_decides(c)}" for c, words in zip(constraints, describe_all(constraints), strict=True)
        ]
        left = leftover_words(constraints)
        if left:
            lines.append(f"    not weighed: {'; '.join(left)}")
    for c in parsed.constraints:
        if c.implicit:
            lines.append(f"[implied] {c.text}")
    lines += [f"[note] {note}" for note in parsed.notes]
    return "\n".join(lines) + "\n"


def _decides(c: Constraint) -> str:
    """What a reading of doubtful words can still answer, as the matcher keeps it (``kept_answers``): a
    reviewer judges the verdicts a reading can give, not only its words."""
    if c.kind not in ("numeric", "concept") or c.definitional or not c.unsure:
        return ""
    kept = kept_answers(c)
    if not kept:
        return "  [decides nothing: asks]"
    if kept == {"met"}:
        return "  [can only let the patient pass; otherwise asks]"
    if kept == {"not_met"}:
        return "  [can only rule the patient out; otherwise asks]"
    return ""


def draw(shared: Path, seed: int, trials: int, out: Path, exclude: set[str], pool_name: str = "car-t") -> list[str]:
    pool = [n for n in candidates(shared, pool_name) if n not in exclude]
    chosen = random.Random(seed).sample(pool, trials)
    wanted = set(chosen)
    out.mkdir(parents=True, exist_ok=True)
    if pool_name in ("hint", "hint-cancer"):
        studies = hint_studies(shared, pool_name)
        for nct_id in chosen:
            (out / f"{nct_id}.txt").write_text(render(studies[nct_id]), encoding="utf-8")
    for item in read_paths([DEMO] if pool_name not in ("hint", "hint-cancer") else []):
        if isinstance(item, SourceRecord) and item.study["protocolSection"]["identificationModule"]["nctId"] in wanted:
            study = Study.model_validate(item.study)
            (out / f"{study.nct_id}.txt").write_text(render(study), encoding="utf-8")
    (out / "trials.txt").write_text("\n".join(chosen) + "\n", encoding="utf-8")
    return chosen


def count(paths: list[Path]) -> None:
    judged: Counter[str] = Counter()
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                judged[json.loads(line)["judgement"]] += 1
    judged.pop("skip", None)
    total = sum(judged.values())
    print(f"items judged: {total}")
    for kind in ("misread", "read", "partly", "unread"):
        share = judged[kind] / total if total else 0.0
        print(f"  {kind:<8} {judged[kind]:>4}  {share:6.1%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("draw")
    d.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    d.add_argument("--seed", type=int, required=True)
    d.add_argument("--trials", type=int, default=30)
    d.add_argument("--out", type=Path, required=True)
    d.add_argument("--exclude", type=Path, nargs="*", default=[], help="trials.txt of earlier draws")
    d.add_argument(
        "--pool",
        choices=("car-t", "catalogue", "hint", "hint-cancer"),
        default="car-t",
        help="where the trials are drawn from",
    )
    c = sub.add_parser("count")
    c.add_argument("judgements", type=Path, nargs="+")
    args = parser.parse_args()
    if args.command == "draw":
        exclude = {n for p in args.exclude for n in p.read_text(encoding="utf-8").split()}
        print("\n".join(draw(args.shared, args.seed, args.trials, args.out, exclude, args.pool)))
    else:
        count(args.judgements)


if __name__ == "__main__":
    main()
