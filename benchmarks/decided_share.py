"""The share of criteria decided (met or not met) when one patient is evaluated against the five seed
trials: how often trialscope gives an answer rather than a question.

    .venv/bin/python benchmarks/decided_share.py [examples/patient-aml.json]
"""

import json
import sys
from pathlib import Path

from trialscope.criteria import parse_criteria
from trialscope.matching.facts import patient_facts
from trialscope.matching.verdict import match_trial
from trialscope.model.study import parse_study
from trialscope.patients.files import load_patient

ROOT = Path(__file__).resolve().parent.parent
p = load_patient(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "examples" / "patient-aml.json")
facts = patient_facts(p)
tot = dec = 0
for f in sorted((ROOT / "tests" / "data" / "seed-trials").glob("NCT*.json")):
    s = parse_study(json.loads(f.read_text()))
    m = match_trial(s, parse_criteria(s.protocol_section.eligibility_module.eligibility_criteria, s), facts)
    rs = [r for r in m.criteria if r.status != "not_applicable"]
    d = sum(r.status in ("met", "not_met") for r in rs)
    print(s.nct_id, m.verdict, f"{d}/{len(rs)}", len(m.questions))
    tot += len(rs)
    dec += d
print(f"decided {dec}/{tot} = {dec / tot:.3f}")
