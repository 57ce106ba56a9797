"""Places offline, distances, and `match --near --within`."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tests.conftest import FIXTURES
from trialscope.cli import app
from trialscope.geo import PlaceNotFound, country_spellings, haversine_km, local_names, resolve_place
from trialscope.geo.places import suggest_places


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


@pytest.mark.parametrize(
    ("typed", "registry"),
    [
        ("Netherlands", "Netherlands"),
        ("The Netherlands", "Netherlands"),
        ("Turkey", "Turkey (Türkiye)"),
        ("Korea, Republic of", "Korea, Republic of"),
        ("Russia", "Russian Federation"),
    ],
)
def test_a_country_is_found_however_the_registry_spells_it(typed: str, registry: str) -> None:
    """ClinicalTrials.gov's spellings ("Korea, Republic of", "Turkey (Türkiye)") are read as countries, and a
    country typed any way finds the sites the registry records under its own spelling (data/geo)."""
    place = resolve_place(typed)
    assert place.kind == "country"
    assert registry in country_spellings(place.country or place.name)


def test_suggestions_and_place_names_in_the_readers_script() -> None:
    from trialscope.translation import reading_in
    from trialscope.web.i18n import translations

    assert suggest_places("Hangzou")[0] == "Hangzhou, China"
    assert suggest_places("Bostn")[0] == "Boston, United States"
    assert all(s.count(",") == 1 for s in suggest_places("Atlantisville"))  # real places, not romanised variants
    with reading_in(translations("zh")):
        assert suggest_places("Hangzou")[0] == "杭州, 中国"
        assert suggest_places("杭洲")[0] == "杭州, 中国"  # a slip in Chinese characters
        assert local_names("Wuhan", "China") == ("武汉", "中国")  # simplified, not 武漢
        assert local_names("Ankara", "Turkey (Türkiye)") == ("安卡拉", "土耳其")
        assert local_names("Nowhereville", "Atlantis") == ("Nowhereville", "Atlantis")  # unknown: as written
    assert local_names("Wuhan", "China") == ("Wuhan", "China")  # English: the registry's words
