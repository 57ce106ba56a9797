"""Patient profiles: the typed model and its loaders (trialscope-patient/1 JSON or YAML, FHIR R4, free text)."""

from trialscope.patients.files import load_patient
from trialscope.patients.model import Patient

__all__ = ["Patient", "load_patient"]
