"""The criteria engine's clinical vocabulary, read from the data files in ``trialscope/data/criteria/``
(quantities, concepts, antigens, units, anchor events) and compiled once into matchers.

Names match as whole words, case-insensitively (short acronyms listed as case-sensitive match only as
written); a space in a name also matches a hyphen or no space at all ("upper limit ofnormal", "CAR T").
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any


def _load(name: str) -> dict[str, Any]:
    text = resources.files("trialscope").joinpath(f"data/criteria/{name}").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def name_pattern(name: str) -> str:
    """A regex for a name: whole word, flexible spacing and hyphens."""
    parts = [re.escape(p) for p in re.split(r"[\s\-]+", name.strip()) if p]
    body = r"[\s\-]*".join(parts)
    start = r"(?<![A-Za-z0-9])" if name[:1].isalnum() else ""
    end = r"(?![A-Za-z0-9])" if name[-1:].isalnum() else ""
    return f"{start}{body}{end}"


def _alternation(names: list[str]) -> str:
    return "|".join(name_pattern(n) for n in sorted(set(names), key=len, reverse=True))


@dataclass(frozen=True, slots=True)
class Quantity:
    key: str
    kind: str
    names: tuple[str, ...]
    unit: str
    units: tuple[str, ...]
    code: str | None = None
    scale: bool = False
    scale_range: tuple[float, float] | None = None
    uln: float | None = None
    uln_unit: str | None = None
    uln_source: str | None = None
    molar_mass: float | None = None

    @property
    def is_time(self) -> bool:
        return self.unit in ("years", "months", "weeks", "days")


@dataclass(frozen=True, slots=True)
class Concept:
    key: str
    category: str
    names: tuple[str, ...]
    is_a: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Antigen:
    key: str
    names: tuple[str, ...]
    binders: tuple[str, ...] = ()


@dataclass(slots=True)
class Vocabulary:
    quantities: dict[str, Quantity]
    concepts: dict[str, Concept]
    antigens: dict[str, Antigen]
    quantity_matcher: re.Pattern[str]
    quantity_by_group: dict[str, str]
    concept_matcher: re.Pattern[str]
    concept_by_group: dict[str, str]
    antigen_matcher: re.Pattern[str]
    antigen_by_group: dict[str, str]
    binder_matcher: re.Pattern[str]
    binder_by_group: dict[str, str]
    units: list[tuple[str, re.Pattern[str]]]
    pint_units: dict[str, str]
    anchor_matcher: re.Pattern[str]
    anchor_by_group: dict[str, str]
    ancestors: dict[str, frozenset[str]] = field(default_factory=dict)

    def concept_ancestors(self, key: str) -> frozenset[str]:
        """The concept and everything it is a kind of (APL -> AML -> acute leukemia)."""
        return self.ancestors.get(key, frozenset({key}))


def _grouped(entries: list[tuple[str, list[str], list[str]]], prefix: str) -> tuple[re.Pattern[str], dict[str, str]]:
    """One regex with a named group per entry (case-insensitive names, case-sensitive acronyms)."""
    parts = []
    groups: dict[str, str] = {}
    for index, (key, names, case_sensitive) in enumerate(entries):
        group = f"{prefix}{index}"
        groups[group] = key
        alternatives = []
        if names:
            alternatives.append(f"(?i:{_alternation(names)})")
        if case_sensitive:
            alternatives.append(_alternation(case_sensitive))
        parts.append(f"(?P<{group}>{'|'.join(alternatives)})")
    return re.compile("|".join(parts)), groups


def _longest_first(entries: list[tuple[str, list[str], list[str]]]) -> list[tuple[str, list[str], list[str]]]:
    """Order entries so that, at one position, the longest name wins (regex alternation is ordered)."""
    return sorted(entries, key=lambda e: -max((len(n) for n in e[1] + e[2]), default=0))


@cache
def vocabulary() -> Vocabulary:
    quantities = {}
    for q in _load("quantities.json")["quantities"]:
        uln = q.get("uln") or {}
        quantities[q["key"]] = Quantity(
            key=q["key"],
            kind=q["kind"],
            names=tuple(q["names"]),
            unit=q["unit"],
            units=tuple(q["units"]),
            code=q.get("code"),
            scale=bool(q.get("scale")),
            scale_range=(float(q["range"][0]), float(q["range"][1])) if q.get("range") else None,
            uln=uln.get("value"),
            uln_unit=uln.get("unit"),
            uln_source=uln.get("source"),
            molar_mass=q.get("molar_mass_g_per_mol"),
        )
    concepts = {
        c["key"]: Concept(
            c["key"], c["category"], tuple(c["names"] + c.get("case_sensitive_names", [])), tuple(c["is_a"])
        )
        for c in _load("concepts.json")["concepts"]
    }
    concept_entries = [
        (c["key"], c["names"], c.get("case_sensitive_names", [])) for c in _load("concepts.json")["concepts"]
    ]
    antigens = {
        a["key"]: Antigen(a["key"], tuple(a["names"]), tuple(a["binders"])) for a in _load("antigens.json")["antigens"]
    }

    # Every name of every entry in one regex; one name per alternative so the longest name anywhere wins.
    def flat(entries: list[tuple[str, list[str], list[str]]]) -> list[tuple[str, list[str], list[str]]]:
        out: list[tuple[str, list[str], list[str]]] = [(key, [n], []) for key, names, _ in entries for n in names]
        out += [(key, [], [n]) for key, _, cs in entries for n in cs]
        return _longest_first(out)

    quantity_matcher, quantity_groups = _grouped(flat([(q.key, list(q.names), []) for q in quantities.values()]), "q")
    concept_matcher, concept_groups = _grouped(flat(concept_entries), "c")
    antigen_matcher, antigen_groups = _grouped(flat([(a.key, list(a.names), []) for a in antigens.values()]), "a")
    binder_matcher, binder_groups = _grouped(
        flat([(a.key, list(a.binders), []) for a in antigens.values() if a.binders]), "b"
    )
    units = []
    pint_units = {}
    for unit in _load("units.json")["units"]:
        units.append((unit["canonical"], re.compile("|".join(f"(?:{p})" for p in unit["patterns"]), re.IGNORECASE)))
        if unit.get("pint_unit"):
            pint_units[unit["canonical"]] = unit["pint_unit"]
    anchor_matcher, anchor_groups = _grouped(
        flat([(a["key"], a["names"], []) for a in _load("anchors.json")["anchors"]]), "e"
    )
    ancestors: dict[str, frozenset[str]] = {}
    for key in concepts:
        seen = {key}
        frontier = [key]
        while frontier:
            current = frontier.pop()
            for parent in concepts[current].is_a if current in concepts else ():
                if parent not in seen:
                    seen.add(parent)
                    frontier.append(parent)
        ancestors[key] = frozenset(seen)
    return Vocabulary(
        quantities=quantities,
        concepts=concepts,
        antigens=antigens,
        quantity_matcher=quantity_matcher,
        quantity_by_group=quantity_groups,
        concept_matcher=concept_matcher,
        concept_by_group=concept_groups,
        antigen_matcher=antigen_matcher,
        antigen_by_group=antigen_groups,
        binder_matcher=binder_matcher,
        binder_by_group=binder_groups,
        units=units,
        pint_units=pint_units,
        anchor_matcher=anchor_matcher,
        anchor_by_group=anchor_groups,
        ancestors=ancestors,
    )


def group_key(match: re.Match[str], groups: dict[str, str]) -> str:
    """The vocabulary key of whichever named group matched."""
    name = match.lastgroup
    assert name is not None
    return groups[name]
