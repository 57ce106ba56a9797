"""The search page's facet links: a value's link is built from the rest of the search encoded once per facet;
it must be the very link the general builder (``query_with``) makes (issue 18: cheaper, not different)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from trialscope.web.facets import _adding
from trialscope.web.site import query_with

_NAMES = st.sampled_from(["q", "status", "phase", "target", "country", "near", "within", "condition", "page", "lang"])
_VALUES = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)


@given(
    params=st.lists(st.tuples(_NAMES, _VALUES), max_size=8),
    name=st.sampled_from(["status", "phase", "target", "country", "condition", "within", "sex"]),
    value=_VALUES,
    repeats=st.booleans(),
)
def test_a_value_link_is_the_general_builders_link(
    params: list[tuple[str, str]], name: str, value: str, repeats: bool
) -> None:
    chosen = any(k == name and v.strip().casefold() == value.strip().casefold() for k, v in params)
    if not chosen:  # chosen values take the general path (a link that removes them)
        if repeats:  # one more value beside those chosen
            general = "/search?" + query_with(params, add=(name, value), changes={"page": None})
        else:  # this value in place of the one chosen
            general = "/search?" + query_with(params, changes={"page": None, name: value})
        assert _adding(params, name, repeats=repeats)(value) == general
