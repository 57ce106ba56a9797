"""The operator page behind a log-in (argon2 passwords, an HttpOnly SameSite session cookie), the
browse-by-location pages, the privacy page and what the trial page gained (registry link, documents)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import csrf
from trialscope.operators import add_operator
from trialscope.store.trial_store import TrialStore

pytestmark = pytest.mark.usefixtures("fresh_limits")


def test_the_operator_page_needs_a_log_in(client: TestClient, web_store: TrialStore) -> None:
    add_operator(web_store.people, "olga", "a long passphrase 1")
    assert client.get("/operator", follow_redirects=False).headers["location"] == "/operator/login"
    token = csrf(client, "/operator/login")
    wrong = client.post("/operator/login", data={"csrf_token": token, "name": "olga", "password": "wrong password 1"})
    assert wrong.status_code == 403
    right = client.post(
        "/operator/login",
        data={"csrf_token": token, "name": "olga", "password": "a long passphrase 1"},
        follow_redirects=False,
    )
    assert right.status_code == 303
    cookie = right.headers["set-cookie"]
    assert "trialscope_operator=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    page = client.get("/operator")
    assert "Leads and outbox" in page.text and "No mail server is set" in page.text
    client.post("/operator/logout", data={"csrf_token": csrf(client, "/operator")})
    assert client.get("/operator", follow_redirects=False).status_code == 303
    client.cookies.clear()


def test_a_forged_session_cookie_is_refused(client: TestClient) -> None:
    client.cookies.set("trialscope_operator", "olga.AAAAAA.forged")
    assert client.get("/operator", follow_redirects=False).status_code == 303
    client.cookies.clear()


def test_trials_by_location(client: TestClient) -> None:
    countries = client.get("/locations")
    assert countries.status_code == 200 and 'href="/locations/China"' in countries.text
    cities = client.get("/locations/China")
    assert 'href="/locations/China/' in cities.text
    assert "trials" in cities.text or "trial" in cities.text
    houston = client.get("/locations/United States/Houston")
    assert houston.status_code == 200 and "/trials/NCT03281889" in houston.text
    assert client.get("/locations/Atlantis").status_code == 404
    zh = client.get("/locations?lang=zh")
    client.cookies.clear()
    assert "中国" in zh.text


def test_the_trial_page_links_the_registry_record_and_its_documents(client: TestClient) -> None:
    page = client.get("/trials/NCT02552212")
    assert 'href="https://clinicaltrials.gov/study/NCT02552212"' in page.text
    assert 'href="https://cdn.clinicaltrials.gov/large-docs/12/NCT02552212/Prot_000.pdf"' in page.text
    assert "First submitted" in page.text


def test_the_privacy_page_and_the_faq(client: TestClient) -> None:
    privacy = client.get("/privacy")
    assert "Kept 90 days" in privacy.text and "never" in privacy.text
    faq = client.get("/faq").text
    assert "Why take part" in faq and "How long does a trial last" in faq and "compensation" in faq


def test_the_city_list_has_one_name_per_city_and_no_countries_or_provinces(client: TestClient) -> None:
    import re

    page = client.get("/locations/China").text
    cities = re.findall(r'<a href="/locations/China/([^"]+)">', page)
    names = [c.replace("%27", "'").replace("%20", " ") for c in cities]
    assert len(names) == len(set(names))
    assert "Hangzhou" in names and "Xi'an" in names
    assert not {"Hanzhou", "Xi%E2%80%99an", "Xian", "China", "Beijingcun", "Guangdong", "Henan"} & set(names)
    xian = client.get("/locations/China/Xi'an")
    assert xian.status_code == 200 and "Jiaotong" in xian.text  # sites written "Xi’an" and "Xi'an"
    assert client.get("/locations/China/Xi’an").status_code == 200  # the other spelling finds the same city
    zh = client.get("/locations/China?lang=zh").text
    client.cookies.clear()
    assert "西安" in zh and "杭州" in zh and "沪" not in zh
