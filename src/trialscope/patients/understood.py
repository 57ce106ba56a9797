"""What trialscope understood of a patient, in a few lines a person can check and correct (diagnosis,
status, age, sex, labs, markers, therapies, history), and the rule that nothing is ranked for a patient of
whom nothing clinical was understood ('hello world', an empty profile)."""

from __future__ import annotations

from trialscope.patients.model import Patient
from trialscope.translation import N_, _

NEEDED = N_("at least a diagnosis or an age")


class NothingUnderstood(ValueError):
    """Nothing clinical could be read from the patient given."""

    def __init__(self) -> None:
        super().__init__(_("nothing clinical was understood about the patient: give %(needed)s", needed=_(NEEDED)))


def understood(patient: Patient) -> list[tuple[str, str]]:
    """(what, as understood) pairs, in the order a clinician reads a case."""
    lines: list[tuple[str, str]] = []
    for condition in patient.conditions:
        lines.append((_("diagnosis"), condition.name + (f" ({condition.status})" if condition.status else "")))
    if patient.age is not None:
        lines.append((_("age"), f"{patient.age:g}"))
    if patient.sex:
        lines.append((_("sex"), patient.sex))
    lines += [(_("marker"), f"{b.name} {b.result}") for b in patient.biomarkers]
    lines += [(_("lab"), f"{v.name} {v.value:g} {v.unit}".rstrip()) for v in patient.labs]
    lines += [(_("lab"), f"{m.name} {m.value:g} {m.unit}".rstrip()) for m in patient.measurements]
    lines += [(_("bone marrow blasts"), f"{b.value:g}%") for b in patient.bone_marrow_blasts]
    if patient.performance_status:
        status = patient.performance_status
        lines.append((_("performance status"), f"{status.scale} {status.value:g}"))
    lines += [(_("therapy"), t.name + (f" ({t.date.isoformat()})" if t.date else "")) for t in patient.treatments]
    lines += [(_("history"), h.name if h.present else _("no %(name)s", name=h.name)) for h in patient.history]
    return lines


def anything_clinical(patient: Patient) -> bool:
    return bool(
        patient.age is not None
        or patient.conditions
        or patient.biomarkers
        or patient.labs
        or patient.measurements
        or patient.bone_marrow_blasts
        or patient.performance_status
        or patient.treatments
        or patient.history
        or patient.pregnant is not None
        or patient.life_expectancy_months is not None
    )


def require_something(patient: Patient) -> Patient:
    """The patient, or ``NothingUnderstood`` when nothing clinical was understood."""
    if not anything_clinical(patient):
        raise NothingUnderstood()
    return patient
