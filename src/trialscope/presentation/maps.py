"""Maps of trial sites, drawn as SVG on the server: no tile server, no script needed to see them.

The country outlines are Natural Earth's (public domain) as the ``world-atlas`` package ships them
(``data/geo/world-atlas``, TopoJSON, decoded here). The map frames the points it shows (the sites, and the
person's place with the circle of the distance they chose), in an equirectangular projection whose
horizontal scale is that of the frame's middle latitude, so a country looks as it does on a wall map.
Sites closer than a marker's width on the drawing are drawn as one marker, sized and numbered by count;
each marker links to its entry in the list beside the map (the map's text alternative), and carries the
ids of the entries it stands for (``data-sites``), which ``static/app.js`` uses to highlight one when the
other is hovered or focused.

Every text drawn (site names are registry text) is escaped.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from typing import Literal

import numpy as np
from markupsafe import Markup, escape

SiteStatus = Literal["open", "closed", "unknown"]
WIDTH, HEIGHT = 640, 400
_KM_PER_DEGREE = 111.2
_MIN_SPAN_DEGREES = 5.0  # a single city is shown with its region around it
_CLUSTER_PX = 20.0  # markers closer than this on the drawing become one
_ZOOM = 1.25  # frames are snapped to powers of this (pixels per degree)
_MARGIN = 2  # pixels beyond the drawing's edge where the coastline's stroke still shows


@dataclass(frozen=True, slots=True)
class MapPoint:
    """A site on the map: ``key`` is the id of its entry in the list beside the map."""

    key: str
    label: str
    lat: float
    lon: float
    status: SiteStatus = "open"


@dataclass(frozen=True, slots=True)
class Reach:
    """The person's place, and the distance they chose (a circle), if any."""

    label: str
    lat: float
    lon: float
    radius_km: float | None = None


Ring = tuple[tuple[float, float], ...]  # (lon, lat) points


@dataclass(frozen=True, slots=True)
class _Outline:
    ring: Ring
    west: float
    east: float
    south: float
    north: float


@cache
def _outlines() -> tuple[_Outline, ...]:
    """Every country ring of the vendored TopoJSON, decoded (arcs delta-encoded and quantized)."""
    source = resources.files("trialscope").joinpath("data/geo/world-atlas/countries-110m.json")
    topology = json.loads(source.read_text("utf-8"))
    (scale_x, scale_y), (shift_x, shift_y) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs: list[list[tuple[float, float]]] = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * scale_x + shift_x, y * scale_y + shift_y))
        arcs.append(points)

    def ring_of(indexes: list[int]) -> Ring:
        points: list[tuple[float, float]] = []
        for index in indexes:
            arc = arcs[index] if index >= 0 else arcs[~index][::-1]
            points.extend(arc if not points else arc[1:])
        return tuple(points)

    rings: list[Ring] = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        polygons = geometry.get("arcs") or []
        if geometry["type"] == "Polygon":
            polygons = [polygons]
        for polygon in polygons:
            for ring in (_unwrapped(ring_of(r)) for r in polygon):
                rings.append(ring)
                west, east = min(p[0] for p in ring), max(p[0] for p in ring)
                if west < -180:  # a ring across the antimeridian (Fiji, Chukotka): drawn on both edges
                    rings.append(tuple((lon + 360, lat) for lon, lat in ring))
                if east > 180:
                    rings.append(tuple((lon - 360, lat) for lon, lat in ring))
    return tuple(
        _Outline(r, min(p[0] for p in r), max(p[0] for p in r), min(p[1] for p in r), max(p[1] for p in r))
        for r in rings
        if r
    )


def _unwrapped(ring: Ring) -> Ring:
    """The ring with no jump of more than 180 degrees of longitude between two points (one that crosses the
    antimeridian continues past 180 instead of jumping to -180, which would draw a line around the world)."""
    if not ring:
        return ring
    points = [ring[0]]
    shift = 0.0
    for (lon0, _lat0), (lon, lat) in itertools.pairwise(ring):
        if lon - lon0 > 180:
            shift -= 360
        elif lon0 - lon > 180:
            shift += 360
        points.append((lon + shift, lat))
    return tuple(points)


@dataclass(slots=True)
class _Frame:
    """The part of the world drawn, and the projection onto the drawing."""

    lon: float  # centre
    lat: float
    scale: float  # pixels per degree of latitude
    squeeze: float = field(init=False)  # cos(centre latitude): pixels per degree of longitude / scale

    def __post_init__(self) -> None:
        self.squeeze = math.cos(math.radians(self.lat))

    @classmethod
    def around(cls, lons: list[float], lats: list[float]) -> _Frame:
        west, east, south, north = min(lons), max(lons), min(lats), max(lats)
        pad_lon = max((east - west) * 0.12, 0.8)
        pad_lat = max((north - south) * 0.12, 0.8)
        west, east, south, north = west - pad_lon, east + pad_lon, south - pad_lat, north + pad_lat
        lat = max(-80.0, min(80.0, (south + north) / 2))
        squeeze = math.cos(math.radians(lat))
        span_lat = max(north - south, _MIN_SPAN_DEGREES)
        span_lon = max(east - west, _MIN_SPAN_DEGREES) * squeeze
        scale = min(WIDTH / span_lon, HEIGHT / span_lat)
        # Snapped to a few zoom steps and a grid of centres, so the frames of nearby pages are equal and
        # their land is drawn once (``_land`` keeps the last few hundred); snapping only zooms out.
        scale = _ZOOM ** math.floor(math.log(scale, _ZOOM))
        step = 40 / scale  # 40 px on the drawing
        centre_lon = round((west + east) / 2 / step) * step
        centre_lat = round(lat / step) * step
        return cls(centre_lon, max(-80.0, min(80.0, centre_lat)), scale)

    def project(self, lon: float, lat: float) -> tuple[float, float]:
        return (
            WIDTH / 2 + (lon - self.lon) * self.squeeze * self.scale,
            HEIGHT / 2 - (lat - self.lat) * self.scale,
        )

    def bounds(self) -> tuple[float, float, float, float]:
        """West, east, south, north of the drawing, in degrees."""
        half_lon = WIDTH / 2 / (self.squeeze * self.scale)
        half_lat = HEIGHT / 2 / self.scale
        return self.lon - half_lon, self.lon + half_lon, self.lat - half_lat, self.lat + half_lat


def _land(frame: _Frame) -> str:
    return _land_at(frame.lon, frame.lat, frame.scale)


@dataclass(frozen=True, slots=True)
class _Atlas:
    """Every outline's points in two arrays, ring after ring (``starts``: where each ring begins, and the
    end), with each ring's bounding box: what ``_land_at`` projects in a few array operations."""

    lons: np.ndarray
    lats: np.ndarray
    starts: np.ndarray
    west: np.ndarray
    east: np.ndarray
    south: np.ndarray
    north: np.ndarray


@cache
def _atlas() -> _Atlas:
    outlines = _outlines()
    points = np.array([p for outline in outlines for p in outline.ring], dtype=np.float64)
    starts = np.cumsum([0, *(len(outline.ring) for outline in outlines)])
    box = np.array([(o.west, o.east, o.south, o.north) for o in outlines], dtype=np.float64)
    return _Atlas(points[:, 0], points[:, 1], starts, box[:, 0], box[:, 1], box[:, 2], box[:, 3])


def read_outlines() -> None:
    """Read the country outlines into the arrays maps are drawn from (a server does it at start, beside the
    gazetteer, so a visitor's first map does not wait for it)."""
    _atlas()


@lru_cache(maxsize=512)
def _land_at(lon: float, lat: float, scale: float) -> str:
    """The countries' outlines as one SVG path for a frame, in whole pixels (the drawing is 640 wide): of a
    run of points beyond one edge of the drawing its first and last (found with array operations over the
    whole atlas), then the points more than a pixel from the last one kept (a ring left with fewer than
    three is left out). What a frame not drawn before costs: ``benchmarks/map_benchmark.py``."""
    frame = _Frame(lon, lat, scale)
    west, east, south, north = frame.bounds()
    atlas = _atlas()
    seen = (atlas.east >= west) & (atlas.west <= east) & (atlas.north >= south) & (atlas.south <= north)
    on = np.repeat(seen, np.diff(atlas.starts))  # the points of the rings in the frame
    x = WIDTH / 2 + (atlas.lons[on] - frame.lon) * (frame.squeeze * frame.scale)
    y = HEIGHT / 2 - (atlas.lats[on] - frame.lat) * frame.scale
    lengths = np.diff(atlas.starts)[seen]
    firsts = np.zeros(len(x), dtype=bool)
    firsts[np.cumsum(lengths) - lengths] = True
    # a run of points beyond one edge of the drawing is drawn as its first and last point: the straight line
    # between them stays beyond that edge, so what shows is the same
    side = np.select([x < -_MARGIN, x > WIDTH + _MARGIN, y < -_MARGIN, y > HEIGHT + _MARGIN], [1, 2, 3, 4], 0)
    inner = np.zeros(len(x), dtype=bool)
    inner[1:-1] = (side[1:-1] != 0) & (side[1:-1] == side[:-2]) & (side[1:-1] == side[2:])
    kept = firsts | np.roll(firsts, -1) | ~inner
    rings = np.cumsum(firsts)[kept]  # the ring (1, 2, ...) of each point left
    bounds = np.searchsorted(rings, np.arange(1, len(lengths) + 2)).tolist()
    xs, ys = x[kept].tolist(), y[kept].tolist()
    parts = []
    for begin, end in itertools.pairwise(bounds):
        points: list[str] = []
        last_x = last_y = math.inf
        for px, py in zip(xs[begin:end], ys[begin:end], strict=True):
            if abs(px - last_x) < 1 and abs(py - last_y) < 1:
                continue
            last_x, last_y = px, py
            points.append(f"{px:.0f} {py:.0f}")
        if len(points) > 2:
            parts.append("M" + "L".join(points) + "Z")
    return "".join(parts)


@dataclass(slots=True)
class _Marker:
    x: float
    y: float
    status: SiteStatus
    points: list[MapPoint]


def _markers(points: Sequence[MapPoint], frame: _Frame) -> list[_Marker]:
    markers: list[_Marker] = []
    for point in points:
        x, y = frame.project(point.lon, point.lat)
        near = next(
            (m for m in markers if m.status == point.status and math.hypot(m.x - x, m.y - y) < _CLUSTER_PX),
            None,
        )
        if near is None:
            markers.append(_Marker(x, y, point.status, [point]))
        else:
            near.points.append(point)
    return markers


_YOU_HALF = 8.0  # half the height of the place's diamond


def _radius(marker: _Marker) -> float:
    return 5.0 + 3.0 * math.log2(len(marker.points))


def _you(reach: Reach, frame: _Frame, markers: Sequence[_Marker]) -> str:
    """The person's place as a diamond, drawn over the markers. Where a site's marker is at the place (a
    trial in the person's own city), the diamond is drawn beside it with a line to the exact place, on the
    side (above, right, left, below) where it covers no other marker, so that neither hides the other."""
    x, y = frame.project(reach.lon, reach.lat)

    def clearance(px: float, py: float) -> float:  # how far the diamond at (px, py) is from covering a marker
        return min((math.hypot(m.x - px, m.y - py) - _radius(m) - _YOU_HALF for m in markers), default=math.inf)

    line = ""
    beside = clearance(x, y) < 0
    if beside:
        covering = [m for m in markers if math.hypot(m.x - x, m.y - y) < _radius(m) + _YOU_HALF]
        away = max(_radius(m) + math.hypot(m.x - x, m.y - y) for m in covering) + _YOU_HALF + 4
        sides = [(x, y - away), (x + away, y), (x - away, y), (x, y + away)]
        inside = [
            (px, py) for px, py in sides if _YOU_HALF < px < WIDTH - _YOU_HALF and _YOU_HALF < py < HEIGHT - _YOU_HALF
        ]
        free = [side for side in inside or sides if clearance(*side) >= 0]
        px, py = free[0] if free else max(inside or sides, key=lambda side: clearance(*side))
        line = f'<line x1="{x:.1f}" y1="{y:.1f}" x2="{px:.1f}" y2="{py:.1f}"/>'
        x, y = px, py
    half = _YOU_HALF
    return (
        f'<g class="you{" beside" if beside else ""}"><title>{escape(reach.label)}</title>{line}'
        f'<path d="M{x:.1f} {y - half:.1f}L{x + 7:.1f} {y:.1f}L{x:.1f} {y + half:.1f}L{x - 7:.1f} {y:.1f}Z"/></g>'
    )


def site_map(points: Sequence[MapPoint], *, title: str, reach: Reach | None = None, ids: str = "map") -> Markup:
    """The SVG of the points (and the person's place and reach), framed around them; empty Markup when there
    is nothing with coordinates to show. ``ids`` prefixes the SVG's own element ids (two maps on a page)."""
    if not points and reach is None:
        return Markup("")
    lons = [p.lon for p in points]
    lats = [p.lat for p in points]
    if reach is not None:
        lons.append(reach.lon)
        lats.append(reach.lat)
        if reach.radius_km:
            dlat = reach.radius_km / _KM_PER_DEGREE
            dlon = dlat / max(math.cos(math.radians(reach.lat)), 0.05)
            lons += [reach.lon - dlon, reach.lon + dlon]
            lats += [max(reach.lat - dlat, -85.0), min(reach.lat + dlat, 85.0)]
    frame = _Frame.around(lons, lats)
    drawn = [
        # a group, not an image: its markers are links (an image's parts are hidden from assistive technology)
        f'<svg class="site-map" viewBox="0 0 {WIDTH} {HEIGHT}" xmlns="http://www.w3.org/2000/svg" '
        f'role="group" aria-labelledby="{ids}-title">',
        f'<title id="{ids}-title">{escape(title)}</title>',
        f'<rect class="sea" width="{WIDTH}" height="{HEIGHT}"/>',
        f'<path class="land" fill-rule="evenodd" d="{_land(frame)}"/>',
    ]
    if reach is not None and reach.radius_km:
        x, y = frame.project(reach.lon, reach.lat)
        ry = reach.radius_km / _KM_PER_DEGREE * frame.scale
        rx = ry / max(math.cos(math.radians(reach.lat)), 0.05) * frame.squeeze
        drawn.append(f'<ellipse class="reach" cx="{x:.1f}" cy="{y:.1f}" rx="{rx:.1f}" ry="{ry:.1f}"/>')
    markers = _markers(points, frame)
    drawn.append('<g class="markers">')
    order = {"closed": 0, "unknown": 1, "open": 2}  # open sites drawn last, on top
    for marker in sorted(markers, key=lambda m: order[m.status]):
        count = len(marker.points)
        radius = _radius(marker)
        names = "; ".join(p.label for p in marker.points[:8]) + (" …" if count > 8 else "")
        keys = " ".join(p.key for p in marker.points)
        drawn.append(
            f'<a class="marker {marker.status}" href="#{escape(marker.points[0].key)}" data-sites="{escape(keys)}">'
            f"<title>{escape(names)}</title>"
            f'<circle cx="{marker.x:.1f}" cy="{marker.y:.1f}" r="{radius:.1f}"/>'
            + (
                f'<text x="{marker.x:.1f}" y="{marker.y + 3.5:.1f}" text-anchor="middle">{count}</text>'
                if count > 1
                else ""
            )
            + "</a>"
        )
    drawn.append("</g>")
    if reach is not None:
        drawn.append(_you(reach, frame, markers))
    drawn.append("</svg>")
    return Markup("".join(drawn))
