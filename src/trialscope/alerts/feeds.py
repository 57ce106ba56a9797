"""Atom feeds of saved searches (``/search.atom?...``), for people who want alerts without email: the
newest trials the search finds, newest update first (feedgen writes and escapes the XML). Every text put in
the feed passes ``xml_text`` first: a character XML 1.0 forbids (a control character in a query or in a
registry title, a noncharacter such as U+FFFE) would make the document unwritable."""

from __future__ import annotations

import datetime as dt
import re

from feedgen.feed import FeedGenerator

from trialscope.search import SearchResults
from trialscope.translation import _, phases_label, status_label

# what XML 1.0 does not allow anywhere (its ``Char`` production): C0 controls but tab, newline and carriage
# return; lone surrogates; U+FFFE and U+FFFF
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """``text`` with each character XML forbids replaced by U+FFFD (the replacement character)."""
    return _NOT_XML.sub("\ufffd", text)


def atom_feed(results: SearchResults, *, what: str, feed_url: str, page_url: str, base_url: str) -> bytes:
    feed = FeedGenerator()
    feed.id(xml_text(feed_url))
    feed.title(xml_text(f"trialscope: {what}"))
    feed.link(href=xml_text(feed_url), rel="self")
    feed.link(href=xml_text(page_url), rel="alternate")
    feed.language("en")
    newest = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    for hit in results.hits:
        card = hit.card
        url = xml_text(f"{base_url.rstrip('/')}/trials/{card['nct_id']}")
        updated = (
            dt.datetime.fromisoformat(card["last_update"]).replace(tzinfo=dt.UTC) if card.get("last_update") else newest
        )
        newest = max(newest, updated)
        entry = feed.add_entry(order="append")
        entry.id(url)
        entry.title(xml_text(f"{card['nct_id']}: {card.get('title') or ''}"))
        entry.link(href=url)
        entry.updated(updated)
        facts = [_(status_label(card.get("status")))] if card.get("status") else []
        if card.get("phases"):
            facts.append(phases_label(card["phases"], _))
        facts += card.get("conditions") or []
        entry.summary(xml_text(" · ".join(facts)))
    feed.updated(newest)
    data: bytes = feed.atom_str(pretty=True)
    return data
