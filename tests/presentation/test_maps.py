"""The map's land: drawn with array operations, point for point what the plain rule gives."""

from __future__ import annotations

import pytest

from trialscope.presentation import maps
from trialscope.presentation.maps import HEIGHT, WIDTH, MapPoint, site_map


def _side(x: float, y: float) -> int:
    margin = maps._MARGIN
    return 1 if x < -margin else 2 if x > WIDTH + margin else 3 if y < -margin else 4 if y > HEIGHT + margin else 0


def _plain_land(lon: float, lat: float, scale: float) -> str:
    """The rule, one point at a time: every ring whose box meets the frame; of a run of points beyond one
    edge only its first and last; then each point more than a pixel from the last one kept, in whole pixels."""
    frame = maps._Frame(lon, lat, scale)
    west, east, south, north = frame.bounds()
    parts = []
    for outline in maps._outlines():
        if outline.east < west or outline.west > east or outline.north < south or outline.south > north:
            continue
        projected = [frame.project(lo, la) for lo, la in outline.ring]
        sides = [_side(x, y) for x, y in projected]
        left = [
            p
            for i, p in enumerate(projected)
            if i in (0, len(projected) - 1) or not (sides[i] and sides[i - 1] == sides[i] == sides[i + 1])
        ]
        points: list[tuple[float, float]] = []
        for x, y in left:
            if not points or abs(x - points[-1][0]) >= 1 or abs(y - points[-1][1]) >= 1:
                points.append((x, y))
        if len(points) > 2:
            parts.append("M" + "L".join(f"{x:.0f} {y:.0f}" for x, y in points) + "Z")
    return "".join(parts)


@pytest.mark.parametrize(
    ("lon", "lat", "zoom"),
    [(0.0, 0.0, 5), (-98.0, 39.0, 10), (2.35, 48.85, 15), (139.7, 35.7, 21), (178.0, -17.0, 18), (-70.0, -33.0, 25)],
)
def test_land_is_the_plain_rule(lon: float, lat: float, zoom: int) -> None:
    scale = maps._ZOOM**zoom
    maps._land_at.cache_clear()
    assert maps._land_at(lon, lat, scale) == _plain_land(lon, lat, scale)


def test_zoomed_in_frames_keep_little_beyond_the_drawing() -> None:
    """A city's region (France seen from Paris): the rings reaching far beyond the frame are cut to their
    entries and exits."""
    land = maps._land_at(2.35, 48.85, maps._ZOOM**18)
    assert land.startswith("M")
    for ring in land.removesuffix("Z").split("ZM"):
        points = [tuple(map(int, p.split())) for p in ring.lstrip("M").split("L")]
        sides = [_side(x, y) for x, y in points]
        assert not any(s and s == t == u for s, t, u in zip(sides[1:], sides[2:], sides[3:], strict=False))


def test_site_map_frames_its_points() -> None:
    drawn = site_map([MapPoint("site-1", "Paris <b>", 48.85, 2.35)], title="Sites & more")
    assert 'class="land"' in drawn and "Paris &lt;b&gt;" in drawn and "Sites &amp; more" in drawn


def _diamond_centre(svg: str) -> tuple[float, float]:
    import re

    match = re.search(r'<g class="you[^"]*">.*?<path d="M([\d.]+) ([\d.]+)L', svg)
    assert match, svg
    return float(match.group(1)), float(match.group(2)) + maps._YOU_HALF


def _circles(svg: str) -> list[tuple[float, float, float]]:
    import re

    return [
        (float(x), float(y), float(r))
        for x, y, r in re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)" r="([\d.]+)"', svg)
    ]


@pytest.mark.parametrize("sites", [1, 3])
def test_a_site_at_the_persons_place_stays_in_sight_beside_the_place_marker(sites: int) -> None:
    import math

    hangzhou = [MapPoint(f"site-{n}", "Hangzhou hospital", 30.29, 120.16) for n in range(sites)]
    svg = str(site_map(hangzhou, title="sites", reach=maps.Reach("Hangzhou, China", 30.29, 120.16)))
    ((cx, cy, radius),) = _circles(svg)
    dx, dy = _diamond_centre(svg)
    assert math.hypot(dx - cx, dy - cy) >= radius + maps._YOU_HALF  # the diamond does not cover the site
    assert '<g class="you beside">' in svg and "<line" in svg  # with a line to the exact place

    crowded = [*hangzhou, MapPoint("shanghai", "Shanghai hospital", 31.23, 121.47)]  # a marker beside Hangzhou
    svg = str(site_map(crowded, title="sites", reach=maps.Reach("Hangzhou, China", 30.29, 120.16)))
    dx, dy = _diamond_centre(svg)
    assert all(math.hypot(dx - x, dy - y) >= r + maps._YOU_HALF for x, y, r in _circles(svg))  # it hides none


def test_the_place_marker_stays_where_it_is_when_no_site_is_there() -> None:
    svg = str(site_map([MapPoint("a", "Wuhan", 30.58, 114.27)], title="t", reach=maps.Reach("Hangzhou", 30.29, 120.16)))
    assert '<g class="you">' in svg and "<line" not in svg
