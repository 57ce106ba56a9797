"""ECOG <-> Karnofsky <-> Lansky as bands."""

from __future__ import annotations

import pytest

from trialscope.criteria.performance import convert_performance


@pytest.mark.parametrize(
    ("value", "source", "target", "band"),
    [
        (1, "ECOG", "Karnofsky", (70, 80)),
        (2, "ECOG", "Lansky", (50, 60)),
        (80, "Karnofsky", "ECOG", (1, 1)),
        (65, "Karnofsky", "ECOG", (1, 2)),  # between bands: could be either grade
        (70, "Lansky", "Karnofsky", (70, 70)),
    ],
)
def test_bands(value: float, source: str, target: str, band: tuple[float, float]) -> None:
    assert convert_performance(value, source, target) == band


def test_unknown_scale() -> None:
    with pytest.raises(ValueError, match="unknown performance scale"):
        convert_performance(1, "WHO", "Karnofsky")
