"""Legacy clinical_study XML maps onto the API v2 modules with v2 spellings."""

from __future__ import annotations

import pytest

from tests.conftest import FIXTURES
from trialscope.catalogue.legacy_xml import parse_legacy_date, read_clinical_study
from trialscope.model.study import parse_study


def test_dates_are_iso() -> None:
    assert parse_legacy_date("May 11, 2018") == "2018-05-11"
    assert parse_legacy_date("June 2016") == "2016-06"
    with pytest.raises(ValueError):
        parse_legacy_date("February 30, 2018")
    with pytest.raises(ValueError):
        parse_legacy_date("Smarch 2018")


def test_a_full_record_maps_every_page_section() -> None:
    study, problems = read_clinical_study((FIXTURES / "ctgov-xml-fixtures" / "NCT02028676.xml").read_bytes())
    assert not problems
    model = parse_study(study)
    protocol = model.protocol_section
    assert model.nct_id == "NCT02028676"
    assert protocol.status_module.overall_status and protocol.status_module.overall_status.isupper()
    assert protocol.eligibility_module.eligibility_criteria
    assert (
        protocol.sponsor_collaborators_module.lead_sponsor and protocol.sponsor_collaborators_module.lead_sponsor.name
    )
    assert protocol.outcomes_module.primary_outcomes
    assert all(p.startswith(("PHASE", "EARLY_PHASE", "NA")) for p in model.phases)
    assert protocol.status_module.last_update_post_date_struct is not None


def test_status_and_phase_spellings() -> None:
    xml = b"""<clinical_study><id_info><nct_id>NCT00000001</nct_id></id_info>
      <overall_status>Active, not recruiting</overall_status><phase>Phase 1/Phase 2</phase>
      <start_date type="Anticipated">March 2030</start_date>
      <enrollment type="Anticipated">40</enrollment>
      <eligibility><gender>Both</gender><minimum_age>18 Years</minimum_age><maximum_age>N/A</maximum_age>
        <healthy_volunteers>Accepts Healthy Volunteers</healthy_volunteers></eligibility></clinical_study>"""
    study, problems = read_clinical_study(xml)
    assert not problems
    protocol = study["protocolSection"]
    assert protocol["statusModule"]["overallStatus"] == "ACTIVE_NOT_RECRUITING"
    assert protocol["statusModule"]["startDateStruct"] == {"date": "2030-03", "type": "ESTIMATED"}
    assert protocol["designModule"]["phases"] == ["PHASE1", "PHASE2"]
    assert protocol["designModule"]["enrollmentInfo"] == {"count": 40, "type": "ESTIMATED"}
    assert protocol["eligibilityModule"] == {"sex": "ALL", "minimumAge": "18 Years", "healthyVolunteers": True}


def test_impossible_date_is_reported_with_its_field() -> None:
    xml = b"""<clinical_study><id_info><nct_id>NCT00000001</nct_id></id_info>
      <start_date>February 31, 2020</start_date></clinical_study>"""
    _, problems = read_clinical_study(xml)
    assert problems and problems[0][0] == "protocolSection.statusModule.startDateStruct"
