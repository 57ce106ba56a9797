"""Every interface message has its Simplified Chinese translation (a new message left untranslated would
show in English on the Chinese pages). Messages are extracted as ``pybabel extract -F babel.cfg`` does:
the web app, the record sections' titles and labels, and the readable words of data/labels.json."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

import trialscope
from tests.conftest import ROOT

PACKAGE = Path(trialscope.__file__).parent


def test_every_message_is_translated_into_chinese() -> None:
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    in_code = {
        msg for _, _, msg, _, _ in extract_from_dir(str(PACKAGE), method_map, options_map) if isinstance(msg, str)
    }
    with (PACKAGE / "web" / "locales" / "zh_Hans" / "LC_MESSAGES" / "messages.po").open("rb") as source:
        catalogue = read_po(source)
    translated = {m.id for m in catalogue if m.id and m.string}
    assert {"Recruiting", "Key dates", "Could I qualify?"} <= in_code  # labels.json, sections, templates
    assert sorted(in_code - translated) == []


def test_a_chinese_trial_page_shows_the_record_in_chinese_words(client) -> None:  # type: ignore[no-untyped-def]
    html = client.get("/trials/NCT07144020", headers={"accept-language": "zh-CN,zh;q=0.9"}).text  # no cookie set
    assert "关键日期" in html and "入选条件" in html and "研究中心" in html  # section titles
    assert "招募中" in html and "早期 1 期" in html  # the status and the phase
    assert "Donor Derived CD117 CAR-T Cells" in html  # registry text stays as registered
