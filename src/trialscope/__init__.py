"""trialscope: find clinical trials a patient can actually join.

The pipeline, module by module: ``catalogue`` (read and check records) -> ``store`` (keep them, with
history) -> ``sync`` (keep them current from ClinicalTrials.gov) -> ``presentation`` (show them).
"""

__version__ = "0.1.0"
