"""Probe 3: control characters in a feed's query, or in a stored trial's title, made every feed that held
them answer 500. A feed now always answers a well-formed XML document, the forbidden characters replaced."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from fastapi.testclient import TestClient

from tests.security.conftest import write_record
from trialscope.ingest import ingest_paths
from trialscope.store.trial_store import TrialStore


@pytest.mark.parametrize("query", ["a%00b", "a%01b", "a%0Bb", "a%EF%BF%BEb"])
def test_a_feed_of_a_query_with_control_characters_is_well_formed(client: TestClient, query: str) -> None:
    answer = client.get(f"/search.atom?q={query}")
    assert answer.status_code == 200
    ElementTree.fromstring(answer.content)


def test_a_feed_holding_a_title_with_a_form_feed_is_well_formed(
    seeded_store: TrialStore, app_client: TestClient, tmp_path: Path
) -> None:
    def titled(record: dict[str, Any]) -> None:
        record["protocolSection"]["identificationModule"]["briefTitle"] = "Form\x0cfeed CD117 CAR-T\x01 trial"

    ingest_paths(seeded_store, [write_record(tmp_path, "NCT09990001", titled)])
    app_client.app.state.site.index.ensure_current(force_check=True)  # type: ignore[attr-defined]
    answer = app_client.get("/search.atom?q=NCT09990001")
    assert answer.status_code == 200
    feed = ElementTree.fromstring(answer.content)
    titles = [e.text or "" for e in feed.iter("{http://www.w3.org/2005/Atom}title")]
    assert any("Form\ufffdfeed" in t for t in titles), titles
