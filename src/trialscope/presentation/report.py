"""The feasibility report as one self-contained HTML file: styles inline, charts as inline SVG drawn by
matplotlib, no script, nothing fetched; it opens offline and prints.

matplotlib is an optional dependency (the ``report`` extra: ``pip install 'trialscope[report]'``), imported
only when a report is written.
"""

from __future__ import annotations

import datetime as dt
import io
from importlib import resources
from typing import TYPE_CHECKING

from jinja2 import Environment, select_autoescape
from markupsafe import Markup

from trialscope.extras import needs_extra
from trialscope.matching.feasibility import CriterionCount, Feasibility

if TYPE_CHECKING:
    from matplotlib.figure import Figure


class ReportUnavailable(RuntimeError):
    """matplotlib is not installed."""


def _short(text: str, limit: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _svg(figure: Figure) -> Markup:
    out = io.StringIO()
    figure.savefig(
        out, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None, "Format": None, "Type": None}
    )
    svg = out.getvalue()
    return Markup(svg[svg.index("<svg") :])  # drop the XML prolog and doctype: the SVG sits inside HTML


def _bar_chart(criteria: list[CriterionCount], value: str, title: str, colour: str) -> Markup:
    """Horizontal bars, the largest on top; labels are registry text, so matplotlib's mathtext is off."""
    from matplotlib.figure import Figure  # a bare figure draws itself: no pyplot, no backend state

    shown = criteria[:12]
    figure = Figure(figsize=(8, 0.45 * len(shown) + 1.0))
    axes = figure.subplots()
    labels = [_short(c.text) for c in shown]
    counts = [getattr(c, value) for c in shown]
    bars = axes.barh(range(len(shown)), counts, color=colour)
    axes.set_yticks(range(len(shown)), labels, fontsize=8)
    for label in axes.get_yticklabels():
        label.set_usetex(False)
        label.set_parse_math(False)
    axes.invert_yaxis()
    axes.bar_label(bars, padding=3, fontsize=8)
    axes.set_xlabel("patients")
    axes.set_title(title, fontsize=10, loc="left")
    axes.spines[["top", "right"]].set_visible(False)
    return _svg(figure)


def render_report(report: Feasibility, *, source: str) -> str:
    """The report as HTML text; ``source`` says where the patients came from (a file name)."""
    try:
        import matplotlib
    except ImportError as exc:  # pragma: no cover - the test extra installs it
        raise ReportUnavailable(f"a report needs matplotlib, so it {needs_extra('report')}") from exc
    excluded, unknown = report.most_excluding, report.most_unknown
    with matplotlib.rc_context({"svg.fonttype": "none"}):  # text stays text (searchable, small)
        charts = {
            "excluded": _bar_chart(excluded, "excluded", "Criteria that exclude the most patients", "#a61b1b")
            if excluded
            else Markup(""),
            "unknown": _bar_chart(unknown, "unknown", "Criteria most often unknown (the data to collect)", "#bf8700")
            if unknown
            else Markup(""),
        }
    template = resources.files("trialscope").joinpath("presentation/templates/feasibility.html").read_text("utf-8")
    environment = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
    return environment.from_string(template).render(
        report=report,
        charts=charts,
        source=source,
        written=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        share=lambda n: f"{100 * n / report.screened:.1f}%" if report.screened else "-",
    )
