"""Synthetic populations built from real profiles: for benchmarks and for the tests that hold the fast
prescreen to the full evaluation. Nothing here reaches a person.

Each patient copies a template profile and varies it the way a site's population varies: age (sometimes
only a birth date, sometimes missing), sex, disease status, performance status and its scale, every lab
value (its unit kept; its upper limit of normal varied or dropped; some values kept), antigen results,
blast counts and their method, the date the profile speaks of and treatment dates, history answered yes or
no, pregnancy. ``spread="wide"`` draws lab values to three significant figures (few repeat: the screen's
worst case); ``"clinical"`` to two decimals, as lab reports do.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator, Sequence
from typing import Literal

from trialscope.patients.model import Patient, PerformanceStatus

Spread = Literal["clinical", "wide"]
_STATUSES = ("relapsed", "refractory", "primary refractory", "newly diagnosed", "relapsed or refractory", None)
_SCALES = (("ECOG", (0, 1, 1, 2, 3, 4)), ("Karnofsky", (50, 60, 70, 80, 90, 100)))


def _lab_value(rng: random.Random, value: float, spread: Spread) -> float:
    drawn = value * rng.uniform(0.4, 2.5)
    return float(f"{drawn:.3g}") if spread == "wide" else round(drawn, 2)


def synthetic_patient(template: Patient, n: int, rng: random.Random, spread: Spread = "clinical") -> Patient:
    """One varied copy of ``template`` (its id ``synthetic-N``)."""
    patient = template.model_copy(deep=True)
    patient.id = f"synthetic-{n}"
    if rng.random() < 0.3:  # seen on another day: dated treatments move in or out of a trial's windows
        patient.as_of = patient.as_of + dt.timedelta(days=rng.randint(1, 400))
    shape = rng.random()
    if shape < 0.8:
        patient.age_years, patient.birth_date = rng.randint(12, 88), None
    elif shape < 0.95:
        patient.age_years = None
        patient.birth_date = patient.as_of - dt.timedelta(days=rng.randint(15 * 365, 85 * 365))
    else:
        patient.age_years = patient.birth_date = None
    patient.sex = rng.choice(("female", "male", "female", "male", None))
    for condition in patient.conditions:
        condition.status = rng.choice(_STATUSES) if rng.random() < 0.5 else condition.status
    if rng.random() < 0.9:
        scale, values = rng.choice(_SCALES) if rng.random() < 0.2 else _SCALES[0]
        patient.performance_status = PerformanceStatus(scale=scale, value=rng.choice(values))
    else:
        patient.performance_status = None
    patient.labs = [lab for lab in patient.labs if rng.random() < 0.9]
    for lab in patient.labs:
        if rng.random() < 0.7:  # else the template's value: the same value beside different upper limits
            lab.value = _lab_value(rng, lab.value, spread)
        if lab.upper_limit_normal is not None:
            lab.upper_limit_normal = lab.upper_limit_normal * rng.choice((0.8, 1.0, 1.0, 1.25))
        if rng.random() < 0.2:
            lab.upper_limit_normal = None
    for marker in patient.biomarkers:
        marker.result = rng.choice(("positive", "positive", "negative", "unknown"))
    for blast in patient.bone_marrow_blasts:
        blast.value = round(rng.uniform(0, 90), 1 if spread == "wide" else 0)
        blast.method = rng.choice(("morphology", "flow cytometry", None))
    for treatment in patient.treatments:
        draw = rng.random()
        if draw < 0.5:
            treatment.end_date = None
            treatment.date = patient.as_of - dt.timedelta(days=rng.randint(3, 900))
        elif draw < 0.8:
            treatment.date = treatment.end_date = None
    patient.history = [item.model_copy(update={"present": rng.random() < 0.3}) for item in patient.history]
    if patient.sex == "female":
        patient.pregnant = rng.choice((None, False, False, True))
        patient.lactating = rng.choice((None, False))
    if rng.random() < 0.3:
        patient.life_expectancy_months = rng.choice((1.0, 2.5, 3.0, 6.0, 12.0))
    return patient


def synthetic_population(
    templates: Sequence[Patient], count: int, *, seed: int = 11, spread: Spread = "clinical"
) -> Iterator[Patient]:
    """``count`` varied patients, cycling through ``templates``; the same seed gives the same population."""
    rng = random.Random(seed)
    for n in range(count):
        yield synthetic_patient(templates[n % len(templates)], n, rng, spread)
