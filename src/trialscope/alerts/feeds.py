"""Atom feeds of saved searches (``/search.atom?...``), for people who want alerts without email: the
newest trials the search finds, newest update first (feedgen writes and escapes the XML)."""

from __future__ import annotations

import datetime as dt

from feedgen.feed import FeedGenerator

from trialscope.presentation.labels import phases_label, status_label
from trialscope.search import SearchResults
from trialscope.translation import _


def atom_feed(results: SearchResults, *, what: str, feed_url: str, page_url: str, base_url: str) -> bytes:
    feed = FeedGenerator()
    feed.id(feed_url)
    feed.title(f"trialscope: {what}")
    feed.link(href=feed_url, rel="self")
    feed.link(href=page_url, rel="alternate")
    feed.language("en")
    newest = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    for hit in results.hits:
        card = hit.card
        url = f"{base_url.rstrip('/')}/trials/{card['nct_id']}"
        updated = (
            dt.datetime.fromisoformat(card["last_update"]).replace(tzinfo=dt.UTC) if card.get("last_update") else newest
        )
        newest = max(newest, updated)
        entry = feed.add_entry(order="append")
        entry.id(url)
        entry.title(f"{card['nct_id']}: {card.get('title') or ''}")
        entry.link(href=url)
        entry.updated(updated)
        facts = [_(status_label(card.get("status")))] if card.get("status") else []
        if card.get("phases"):
            facts.append(phases_label(card["phases"], _))
        facts += card.get("conditions") or []
        entry.summary(" · ".join(facts))
    feed.updated(newest)
    data: bytes = feed.atom_str(pretty=True)
    return data
