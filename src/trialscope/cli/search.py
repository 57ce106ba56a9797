"""``trialscope search``, ``related`` and ``index``: the search API (trialscope.search) on the command line."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from trialscope.cli.app import DbOption, JsonOption, app, console, err, fail, open_store, print_json
from trialscope.settings import SEARCH_SORTS

if TYPE_CHECKING:
    from trialscope.search import SearchIndex
    from trialscope.search.request import SearchResults
    from trialscope.store.trial_store import TrialStore


def _phase_words(phases: list[str]) -> str:
    return "/".join(p.replace("EARLY_PHASE", "early ").replace("PHASE", "") for p in phases) or "-"


def _print_results(results: SearchResults) -> None:
    from rich.table import Table

    from trialscope.presentation.terminal import add_columns, clean, print_table
    from trialscope.search.documents import card_freshness
    from trialscope.translation import facet_label

    q = results.query
    where = ""
    if results.place is not None:
        where = f" near {results.place.describe()}" + (f" within {q.within_km:g} km" if q.within_km else "")
    console.print(
        Text(f"{results.total:,} trials{where} · page {q.page} of {results.pages} · sorted by {q.sort}", style="bold")
    )
    if results.total and q.page > results.pages:
        last = "page 1" if results.pages == 1 else f"pages 1-{results.pages}"
        console.print(Text(f"There is no page {q.page}: the {results.total:,} trials fit on {last}."))
        return
    table = Table(show_lines=False)
    add_columns(table, ("trial", "title", "status", "phase", "target", "conditions", "nearest open site", "updated"))
    for hit in results.hits:
        card = hit.card
        site = "-"
        if hit.nearest_site:
            site = hit.nearest_site + (f" ({hit.distance_km:,.0f} km)" if hit.distance_km is not None else "")
        stale = card_freshness(card).stale
        table.add_row(
            Text(hit.nct_id),
            Text(clean(card["title"])),
            Text(card["status"].replace("_", " ").lower() + (" (may be out of date)" if stale else "")),
            Text(_phase_words(card["phases"])),
            Text(", ".join(card["targets"]) or "-"),
            Text(clean("; ".join(card["conditions"][:3])) or "-"),
            Text(clean(site)),
            Text(card["last_update"] or "-"),
        )
    print_table(console, table)
    for name, values in results.facets.items():
        if values:
            shown = ", ".join(f"{clean(facet_label(name, v))} {c}" for v, c in values[:8])
            console.print(Text(f"{name}: {shown}", style="dim"))
    for note in results.notes:
        console.print(Text(note, style="dim"))
    if results.place is not None and results.place.kind != "country" and q.within_km is None:
        console.print(
            Text(
                "No distance limit: trials with open sites anywhere, the nearest first (--within KM narrows them).",
                style="dim",
            )
        )


@app.command()
def search(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(help='Words, "phrases", AND/OR/NOT, field:term (title, condition, ...).')] = "",
    condition: Annotated[str | None, typer.Option(help="A disease (AML also finds its subtypes) or words.")] = None,
    target: Annotated[
        list[str] | None, typer.Option(help="Target antigen: CD117, CLL1, CD123 ... (repeatable).")
    ] = None,
    status: Annotated[list[str] | None, typer.Option(help="open, recruiting, completed ... (repeatable).")] = None,
    phase: Annotated[list[str] | None, typer.Option(help="1, 2, 3, 4, early1, NA (repeatable).")] = None,
    country: Annotated[list[str] | None, typer.Option(help="A site in this country (repeatable).")] = None,
    age: Annotated[
        str | None, typer.Option(metavar="YEARS", help="Trials open to a person of this age (70.5: within 18-70).")
    ] = None,
    age_group: Annotated[list[str] | None, typer.Option(help="child, adult, older adult (repeatable).")] = None,
    sex: Annotated[str | None, typer.Option(help="female or male: trials open to them.")] = None,
    near: Annotated[
        str | None, typer.Option(help="A city ('Hangzhou', 'Boston, MA'), 'lat,lon', or a country.")
    ] = None,
    within: Annotated[str | None, typer.Option(help="Distance from --near to an open site: 500km, 300mi.")] = None,
    study_type: Annotated[list[str] | None, typer.Option("--type", help="interventional, observational ...")] = None,
    intervention_type: Annotated[list[str] | None, typer.Option(help="biological, drug, ... (repeatable).")] = None,
    healthy_volunteers: Annotated[bool | None, typer.Option("--healthy-volunteers/--patients-only")] = None,
    state: Annotated[list[str] | None, typer.Option(help="A site in this state or province.")] = None,
    city: Annotated[list[str] | None, typer.Option(help="A site in this city.")] = None,
    start_from: Annotated[str | None, typer.Option(help="Started on or after (2024, 2024-05, 2024-05-31).")] = None,
    start_to: Annotated[str | None, typer.Option(help="Started on or before.")] = None,
    updated_from: Annotated[str | None, typer.Option(help="Last updated on or after.")] = None,
    updated_to: Annotated[str | None, typer.Option(help="Last updated on or before.")] = None,
    results: Annotated[bool | None, typer.Option("--with-results/--without-results")] = None,
    sponsor_class: Annotated[list[str] | None, typer.Option(help="industry, nih, other, other_gov ...")] = None,
    sort: Annotated[str | None, typer.Option(help=f"{', '.join(SEARCH_SORTS)} (default: relevance with text).")] = None,
    page: Annotated[str | None, typer.Option(metavar="N", help="The page of results (1 to 1000).")] = None,
    per_page: Annotated[str | None, typer.Option(metavar="N", help="Results per page (1 to 100; 20).")] = None,
    facets: Annotated[bool, typer.Option("--facets/--no-facets", help="Count the facets beside the hits.")] = True,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Search the catalogue: full text with synonyms (AML = acute myeloid leukemia, CAR-T = CAR T = chimeric
    antigen receptor T cell ...), filters, facet counts, distance to open sites (city-level coordinates).
    The options are the search page's parameters (``SearchQuery``), read and checked there."""
    from trialscope.search import QueryError, SearchQuery, run_search

    try:
        query = SearchQuery.from_params({k: v for k, v in ctx.params.items() if k not in ("as_json", "db")})
    except QueryError as exc:
        raise fail(str(exc)) from None
    with open_store(db) as store:
        try:
            found = run_search(_index(store), query)
        except QueryError as exc:
            raise fail(str(exc)) from None
    if as_json:
        print_json(found.as_dict())
    else:
        _print_results(found)


@app.command()
def related(
    nct_id: Annotated[str, typer.Argument(metavar="NCT")],
    limit: Annotated[int, typer.Option(min=1, max=50)] = 5,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """The trials most like this one, with the reason in words."""
    from rich.table import Table

    from trialscope.presentation.terminal import add_columns, clean, print_table
    from trialscope.search import related_trials

    with open_store(db) as store:
        try:
            found = related_trials(_index(store), nct_id, limit)
        except KeyError:
            raise fail(f"{nct_id} is not in the catalogue", code=1) from None
    if as_json:
        print_json([r.as_dict() for r in found])
        return
    table = Table(title=f"Trials like {nct_id.upper()}", title_justify="left")
    add_columns(table, ("trial", "title", "status", "why"))
    for r in found:
        table.add_row(
            Text(r.card["nct_id"]),
            Text(clean(r.card["title"])),
            Text(r.card["status"].replace("_", " ").lower()),
            Text("; ".join(r.reasons)),
        )
    print_table(console, table)


@app.command("index")
def index_command(
    rebuild: Annotated[bool, typer.Option(help="Index every trial again from scratch.")] = False,
    db: DbOption = None,
) -> None:
    """Bring the search index up to date with the catalogue (searches do this by themselves; a first build
    of a large catalogue is quicker to watch here)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from trialscope.search import SearchIndexError

    with open_store(db) as store:
        index = _index(store)
        with Progress(
            TextColumn("indexing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err
        ) as bar:
            task = bar.add_task("index", total=None)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            try:
                count = index.rebuild(progress) if rebuild else index.ensure_current(progress, force_check=True)
            except SearchIndexError as exc:
                raise fail(str(exc)) from None
    console.print(f"{count:,} trials indexed; {index.meta.trials:,} in the index at {index.path}")


def _index(store: TrialStore) -> SearchIndex:
    from trialscope.search import SearchIndexError, open_index

    try:
        return open_index(store)
    except SearchIndexError as exc:
        raise fail(str(exc)) from None
