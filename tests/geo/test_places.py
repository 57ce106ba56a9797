"""Places offline, distances, and `match --near --within`."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tests.conftest import FIXTURES
from trialscope.cli import app
from trialscope.geo import PlaceNotFound, haversine_km, resolve_place


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Hangzhou", "Hangzhou, China"),
        ("Wuhan, China", "Wuhan, China"),
        ("Boston, MA", "Boston, United States"),
        ("杭州", "Hangzhou, China"),
        ("Xuzhou", "Xuzhou, China"),
    ],
)
def test_cities(text: str, name: str) -> None:
    place = resolve_place(text)
    assert place.name == name and place.kind == "city" and place.lat is not None


def test_countries_coordinates_and_unknowns() -> None:
    assert resolve_place("China").kind == "country"
    assert resolve_place("30.27, 120.15").kind == "coordinates"
    with pytest.raises(PlaceNotFound, match="did you mean"):
        resolve_place("Hangzzhou")


def test_distance() -> None:
    a, b = resolve_place("Hangzhou"), resolve_place("Wuhan")
    assert a.lat and a.lon and b.lat and b.lon
    assert 540 < haversine_km(a.lat, a.lon, b.lat, b.lon) < 590


def test_match_near_filters_by_open_sites(db_url: str) -> None:
    runner = CliRunner()
    runner.invoke(app, ["ingest", str(FIXTURES / "seed-trials"), "--db", db_url])
    patient = str(FIXTURES / "gold" / "patients" / "v01-fit-relapsed.json")

    def near(*args: str) -> dict[str, dict[str, object]]:
        result = runner.invoke(app, ["match", "--patient", patient, "--format", "json", "--db", db_url, *args])
        return {m["nct_id"]: m for m in json.loads(result.stdout)}

    close = near("--near", "Hangzhou", "--within", "300")
    assert "NCT07144020" in close and close["NCT07144020"]["distance_km"] == 0  # the CD117 trial, in Hangzhou
    assert "NCT07342244" not in close  # Wuhan is 566 km away
    assert "NCT07342244" in near("--near", "Hangzhou", "--within", "700")
    assert set(near("--near", "China")) >= {"NCT07144020", "NCT07342244"}
    result = runner.invoke(app, ["match", "--patient", patient, "--near", "Qwzxyville", "--db", db_url])
    assert result.exit_code == 2 and "no city or country called 'Qwzxyville'" in result.output
