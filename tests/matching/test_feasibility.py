"""The feasibility report (`prescreen --report`): one self-contained HTML file whose counts agree with
`prescreen --format csv`, for a stored trial and for a draft protocol's text."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import FIXTURES
from trialscope.cli import app
from trialscope.matching.catalogue_matching import criteria_text_screen
from trialscope.matching.feasibility import feasibility
from trialscope.patients.files import load_patient
from trialscope.patients.synthetic import synthetic_population

runner = CliRunner()
VIGNETTES = FIXTURES / "vignettes"


def _csv_verdicts(*args: str) -> Counter[str]:
    result = runner.invoke(app, ["prescreen", *args, "--format", "csv"])
    assert result.exit_code == 0, result.output
    return Counter(row["verdict"] for row in csv.DictReader(io.StringIO(result.stdout)))


def _tile(html: str, verdict: str) -> int:
    found = re.search(rf'<div class="tile {verdict}"><strong>(\d+)</strong>', html)
    assert found, verdict
    return int(found.group(1))


@pytest.mark.parametrize(("folder", "count"), [(VIGNETTES, 34), (FIXTURES / "gold" / "patients", 8)])
def test_the_report_counts_what_the_csv_lists(tmp_path: Path, folder: Path, count: int) -> None:
    """Our vignettes, and the shared gold patients (copied into tests/data), on two seed trials."""
    db = f"sqlite:///{tmp_path / 'seed.db'}"
    assert runner.invoke(app, ["ingest", str(FIXTURES / "seed-trials"), "--db", db]).exit_code == 0
    for nct_id in ("NCT07144020", "NCT06585345"):
        report = tmp_path / f"{nct_id}.html"
        result = runner.invoke(app, ["prescreen", nct_id, str(folder), "--report", str(report), "--db", db])
        assert result.exit_code == 0, result.output
        html = report.read_text()
        verdicts = _csv_verdicts(nct_id, str(folder), "--db", db)
        with_report = [nct_id, str(folder), "--db", db, "--report", str(tmp_path / "again.html"), "--format", "csv"]
        without = ["prescreen", nct_id, str(folder), "--db", db, "--format", "csv"]
        assert runner.invoke(app, ["prescreen", *with_report]).stdout == runner.invoke(app, without).stdout
        assert sum(verdicts.values()) == count
        assert re.search(rf"<strong>{count}</strong>screened", html)
        for verdict in ("eligible", "possibly_eligible", "not_eligible"):
            assert _tile(html, verdict) == verdicts[verdict], (nct_id, verdict)
        # self-contained: no script, no stylesheet or image fetched, charts inline
        assert "<script" not in html and "<link" not in html and "src=" not in html
        assert html.count("<svg") == 2
        # every criterion of the text is listed as registered beside how it was understood
        assert "as registered" in html and "understood as" in html
        assert "Left ventricular ejection fraction (LVEF) ≥50%" in html or nct_id != "NCT07144020"


def test_the_funnel_removes_the_most_first_and_ends_at_the_eligible(tmp_path: Path) -> None:
    text = (FIXTURES / "seed-trials" / "NCT07144020.json").read_text()
    criteria = json.loads(text)["protocolSection"]["eligibilityModule"]["eligibilityCriteria"]
    screen = criteria_text_screen(criteria, "draft")
    templates = [load_patient(p) for p in sorted(VIGNETTES.glob("*.json"))]
    patients = list(synthetic_population(templates, 400, seed=6))
    counted = feasibility(screen, patients, criteria_text=criteria, trial="draft", title="draft")
    assert counted.screened == 400 and sum(counted.verdicts.values()) == 400
    left = [n for _, n in counted.funnel]
    removed = [a - b for a, b in zip([400, *left], left, strict=False)]
    assert left == sorted(left, reverse=True) and all(r > 0 for r in removed)
    assert left[-1] == 400 - counted.verdicts["not_eligible"]  # who is left failed nothing
    excluded_by = {id(c): c.excluded for c in counted.criteria}
    assert removed[0] == max(excluded_by.values())  # the first step removes the most
    assert all(c.excluded + c.unknown <= 400 for c in counted.criteria)


def test_a_draft_protocol_report_from_the_command_line(tmp_path: Path) -> None:
    draft = tmp_path / "draft.txt"
    draft.write_text(
        "Inclusion Criteria:\n\n* Relapsed or refractory acute myeloid leukemia\n* ECOG 0-1\n\n"
        "Exclusion Criteria:\n\n* Active hepatitis B infection\n* Pregnant or breastfeeding\n"
    )
    report = tmp_path / "draft.html"
    args = ["draft-1", str(VIGNETTES), "--criteria-file", str(draft)]
    result = runner.invoke(app, ["prescreen", *args, "--report", str(report)])
    assert result.exit_code == 0, result.output
    html = report.read_text()
    verdicts = _csv_verdicts(*args)
    for verdict in ("eligible", "possibly_eligible", "not_eligible"):
        assert _tile(html, verdict) == verdicts[verdict]
    assert "Feasibility: draft-1" in html and "ECOG 0-1" in html
    assert (
        runner.invoke(app, ["prescreen", "x", str(VIGNETTES), "--criteria-file", str(tmp_path / "no.txt")]).exit_code
        == 2
    )


def test_registry_text_is_escaped_in_the_report(tmp_path: Path) -> None:
    draft = tmp_path / "hostile.txt"
    draft.write_text("Inclusion Criteria:\n\n* <script>alert(1)</script> ECOG 0-1 $x^2$\n")
    report = tmp_path / "h.html"
    result = runner.invoke(
        app, ["prescreen", "d", str(VIGNETTES), "--criteria-file", str(draft), "--report", str(report)]
    )
    assert result.exit_code == 0, result.output
    html = report.read_text()
    assert "<script>alert" not in html and "&lt;script&gt;" in html
