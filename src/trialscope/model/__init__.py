"""Typed models of what trialscope stores."""

from trialscope.model.study import Study, parse_study

__all__ = ["Study", "parse_study"]
