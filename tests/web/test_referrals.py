"""Every trial can be reached (issue 36, items 1 and 2): for a record without an email address the contact
form still works and the request becomes a referral lead for this site's operator; the page says who receives
it and what happens next; a record with no contact at all says so and links to the registry record and the
sponsor; and nothing is called "sent" unless a mail server accepted it. On the seed trials, in both
languages."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import csrf
from trialscope.cli.web import mail_line
from trialscope.contact.referrals import is_referral, reach_route
from trialscope.mail.smtp import SmtpSettings
from trialscope.store.trial_store import TrialStore

pytestmark = pytest.mark.usefixtures("fresh_limits")

ZH = {"accept-language": "zh-CN,zh;q=0.9"}
SEEDS = ("NCT04599543", "NCT06125652", "NCT06585345", "NCT07144020", "NCT07342244")
NO_CONTACT = "NCT06125652"  # no central contact, a site without contacts
PHONE_ONLY = "NCT07342244"  # a central contact with a phone number, no email address


def _entries(token: str, **changes: str) -> dict[str, str]:
    return {
        "csrf_token": token,
        "recipient": "referral",
        "name": "Mei Wang",
        "email": "mei.wang@example.org",
        "phone": "",
        "language": "中文",
        "message": "我父亲67岁，复发AML，能参加吗？",
        "consent": "yes",
        **changes,
    }


@pytest.mark.parametrize("nct_id", SEEDS)
@pytest.mark.parametrize("headers", [{}, ZH], ids=["en", "zh"])
def test_every_seed_trial_offers_a_way_to_reach_its_team(
    client: TestClient, nct_id: str, headers: dict[str, str]
) -> None:
    page = client.get(f"/trials/{nct_id}", headers=headers)
    assert f'href="/trials/{nct_id}/contact"' in page.text
    form = client.get(f"/trials/{nct_id}/contact", headers=headers)
    assert form.status_code == 200
    assert re.findall(r'name="recipient" value="([\w-]+)"', form.text) == ["referral"]
    who, next_ = (
        ("Who receives your request", "What happens next") if not headers else ("谁会收到您的请求", "接下来会发生什么")
    )
    assert who in form.text and next_ in form.text
    assert "use the phone numbers" not in form.text


def test_a_phone_only_record_says_the_operator_calls_that_number(client: TestClient) -> None:
    form = client.get(f"/trials/{PHONE_ONLY}/contact").text
    assert 'href="tel:15926614832"' in form and "Donghua Zhang" in form
    assert "names no phone number" not in form
    zh = client.get(f"/trials/{PHONE_ONLY}/contact", headers=ZH).text
    assert "他们会拨打登记记录列出的研究团队电话" in zh


@pytest.mark.parametrize("headers", [{}, ZH], ids=["en", "zh"])
def test_a_record_with_no_contact_says_so_and_links_the_registry_and_sponsor(
    client: TestClient, headers: dict[str, str]
) -> None:
    form = client.get(f"/trials/{NO_CONTACT}/contact", headers=headers).text
    said = "names no phone number and no email address" if not headers else "没有列出本试验的电话号码和电子邮箱"
    assert said in form
    assert f'href="https://clinicaltrials.gov/study/{NO_CONTACT}"' in form
    assert 'href="https://clinicaltrials.gov/search?lead=Xuzhou%20Medical%20University"' in form


def test_reach_route_reads_the_record(web_store: TrialStore) -> None:
    route = reach_route(web_store.get(PHONE_ONLY).study)  # type: ignore[union-attr]
    assert route.reachable and route.phones[0][1] == "15926614832" and route.sponsor == "Donghua Zhang"
    assert "call Andie Fu Fu 15926614832" in route.for_operator()
    assert not reach_route(web_store.get(NO_CONTACT).study).reachable  # type: ignore[union-attr]


@pytest.mark.parametrize("headers", [{}, ZH], ids=["en", "zh"])
def test_a_referral_is_kept_for_the_operator_and_the_page_says_saved_not_sent(
    client: TestClient, web_store: TrialStore, headers: dict[str, str]
) -> None:
    token = csrf(client, f"/trials/{PHONE_ONLY}/contact")
    sent = client.post(f"/trials/{PHONE_ONLY}/contact", data=_entries(token), headers=headers, follow_redirects=False)
    assert sent.status_code == 303
    lead_id = sent.headers["location"].split("/")[2].split("?")[0]
    lead = web_store.people.leads.get(lead_id)
    assert lead is not None and is_referral(lead.recipient) and lead.recipient_email == ""
    assert "15926614832" in lead.recipient  # what the operator calls
    waiting = [m for m in web_store.people.outbox.messages("waiting") if m.lead_id == lead_id]
    assert [m.kind for m in waiting] == ["lead_receipt"]  # no address to write to: the operator page has it
    page = client.get(sent.headers["location"], headers=headers).text
    if headers:
        assert "谢谢：您的请求已保存" in page and "我们暂时无法向您发送确认邮件" in page
        assert "已发送" not in page
    else:
        assert "Thank you: your request is saved" in page
        assert "We could not send you the confirmation email yet" in page
        assert "sent" not in re.sub(r"<[^>]+>", " ", page).replace("not sent", "").split("Your request")[-1].lower()


def test_without_a_mail_server_nothing_is_called_sent(client: TestClient) -> None:
    token = csrf(client, "/trials/NCT03281889/contact")
    entries = _entries(token, recipient="central-1", message="May I join?")
    sent = client.post("/trials/NCT03281889/contact", data=entries, follow_redirects=False)
    page = client.get(sent.headers["location"]).text
    assert "your request is saved" in page and "this site has no mail server set" in page
    assert "We sent you" not in page and "on its way" not in page
    token = csrf(client, "/trials/NCT03281889")
    alert = client.post(
        "/alerts",
        data={
            "csrf_token": token,
            "kind": "trial",
            "nct_id": "NCT03281889",
            "email": "a@example.org",
            "consent": "yes",
        },
    )
    assert "We could not send the confirmation email yet" in alert.text and "We sent" not in alert.text


def test_serve_says_whether_mail_is_sent() -> None:
    assert "No mail server is set" in mail_line(None)
    assert "smtp://127.0.0.1:2525" in mail_line(SmtpSettings.from_url("smtp://127.0.0.1:2525"))
