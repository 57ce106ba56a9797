"""On the trial page's map, a site in the reader's own city stays in sight beside the "your place" diamond:
checked on every trial of the demo catalogue with a site in Hangzhou (however the registry spells it), the
reader in Hangzhou, as the issue's family was."""

from __future__ import annotations

import gzip
import json
import math
import re
from importlib import resources

from trialscope.geo import canonical_city, resolve_place
from trialscope.model.study import parse_study
from trialscope.presentation.maps import _YOU_HALF
from trialscope.web.view_models import site_views, sites_map


def _hangzhou_trials() -> list[dict[str, object]]:
    found = []
    source = resources.files("trialscope").joinpath("data/demo-catalogue.jsonl.gz")
    with source.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            sites = record.get("protocolSection", {}).get("contactsLocationsModule", {}).get("locations", []) or []
            if any(canonical_city(s.get("city"), s.get("country")) == "Hangzhou" for s in sites):
                found.append(record)
    return found


def test_every_hangzhou_site_stays_in_sight_beside_the_place_marker() -> None:
    trials = _hangzhou_trials()
    assert len(trials) > 20
    hangzhou = resolve_place("Hangzhou")
    drawn = 0
    for record in trials:
        study = parse_study(record)
        svg = str(sites_map(site_views(study, hangzhou), hangzhou, 1500, "Hangzhou"))
        if not svg:
            continue  # no site with coordinates
        drawn += 1
        diamond = re.search(r'<g class="you[^"]*">.*?<path d="M([\d.]+) ([\d.]+)L', svg)
        assert diamond, study.nct_id
        dx, dy = float(diamond.group(1)), float(diamond.group(2)) + _YOU_HALF
        for x, y, r in re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)" r="([\d.]+)"', svg):
            assert math.hypot(dx - float(x), dy - float(y)) >= float(r) + _YOU_HALF, study.nct_id
    assert drawn > 20
