"""Every interface message has its Simplified Chinese translation (a new message left untranslated would
show in English on the Chinese pages)."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import trialscope.web

WEB = Path(trialscope.web.__file__).parent
METHODS = [("**.py", "python"), ("templates/**.html", "jinja2")]  # as babel.cfg says


def test_every_message_is_translated_into_chinese() -> None:
    in_code = {msg for _, _, msg, _, _ in extract_from_dir(str(WEB), METHODS) if isinstance(msg, str)}
    with (WEB / "locales" / "zh_Hans" / "LC_MESSAGES" / "messages.po").open("rb") as source:
        catalogue = read_po(source)
    translated = {m.id for m in catalogue if m.id and m.string}
    assert len(in_code) > 100
    assert sorted(in_code - translated) == []
