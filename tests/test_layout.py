"""The layout's rules, checked on the source: no import circles between trialscope's modules, nor between its
packages (counting imports made inside functions and for type checking too), and SQL only in ``store/``."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "src" / "trialscope"


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """The trialscope modules ``path`` imports anywhere in it (a name imported from a package that is a
    module of its own counts as that module)."""
    wanted: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("trialscope"):
            for alias in node.names:
                name = f"{node.module}.{alias.name}"
                wanted.add(name if name in modules else node.module)
        elif isinstance(node, ast.Import):
            wanted.update(a.name for a in node.names if a.name.startswith("trialscope"))
    return {m for m in wanted if m in modules}


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for other in graph[module]:
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                circles.append(sorted(group))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return circles


def test_no_module_imports_one_that_imports_it_back() -> None:
    graph = _module_graph()
    assert len(graph) > 100
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]  # the check sees one
    assert _circles(graph) == []


def _package(module: str) -> str:
    """The first-level part of trialscope a module belongs to: its subpackage ("criteria", "store"), or the
    top-level module itself ("translation", "settings")."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def _package_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    packages: dict[str, set[str]] = {}
    for module, imported in graph.items():
        packages.setdefault(_package(module), set()).update(_package(other) for other in imported)
    return {package: imported - {package} for package, imported in packages.items()}


def _module_graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(path, modules) - {name} for name, path in modules.items()}


def test_no_package_imports_one_that_imports_it_back() -> None:
    """Dependencies between trialscope's packages point one way (criteria never imports presentation, which
    imports matching, which imports criteria): each package can be read with only the ones below it."""
    # the check sees one: modules in different packages that never import each other back still tangle them
    tangled = _package_graph({"trialscope.a.one": {"trialscope.b.one"}, "trialscope.b.two": {"trialscope.a.two"}})
    assert tangled == {"a": {"b"}, "b": {"a"}} and _circles(tangled) == [["a", "b"]]
    packages = _package_graph(_module_graph())
    assert {"criteria", "store", "translation", "web"} <= set(packages)
    assert _circles(packages) == []


def test_sql_lives_in_the_store() -> None:
    """Only ``store/`` talks to the database (sqlalchemy, the schema's tables)."""
    outside = sorted(
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if "store" not in path.relative_to(PACKAGE).parts[:1]
        and ("sqlalchemy" in path.read_text(encoding="utf-8") or "store.schema" in path.read_text(encoding="utf-8"))
    )
    assert outside == []


def test_the_store_keeps_its_engine() -> None:
    """Outside ``store/`` nothing reaches for a store's database engine: callers ask the store (``store.criteria``,
    ``store.sync_state``, ``store.people.leads`` ...), which builds its parts on its own engine."""

    def touching(path: Path) -> list[str]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        return [
            f"{path.relative_to(PACKAGE)}:{node.lineno}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and node.attr == "engine"
        ]

    sample = PACKAGE / "store" / "trial_store.py"
    assert touching(sample)  # the check sees one
    outside = [path for path in sorted(PACKAGE.rglob("*.py")) if "store" not in path.relative_to(PACKAGE).parts[:1]]
    assert [where for path in outside for where in touching(path)] == []


def test_cue_words_are_read_from_the_reviewed_data_file() -> None:
    """Negation, exception and exposure cues, comparator phrases and suffixes, measurement methods and the
    words where a quantity's name ends live in data/criteria/cues.json, read by the criteria engine (no word
    list is written in the numeric readers); the patient-text reader's cues live in
    data/patients/assertion.json, read by patients/assertion.py."""
    import json

    from trialscope.criteria import concepts, quantities, thresholds
    from trialscope.criteria.cues import cues
    from trialscope.patients.assertion import load_rules

    data = json.loads((PACKAGE / "data" / "criteria" / "cues.json").read_text(encoding="utf-8"))
    assert concepts._NEGATION is cues().negation_in_criteria
    assert concepts._EXCEPTION is cues().exception and concepts._EXPOSURE is cues().exposure
    assert "negation_in_patient_text" not in data  # one home for the patient's negation cues
    assert load_rules() is load_rules()  # the reviewed file, read once
    assert (PACKAGE / "data" / "patients" / "assertion.json").is_file()
    assert {tuple(pair) for pair in data["comparators"]} == set(thresholds._COMPARATOR_PHRASES)
    assert [method for _, method in quantities._METHOD] == [m for _, m in data["measurement_methods"]]
    assert [list(pair) for pair in thresholds._SUFFIX_PHRASES] == data["comparator_suffixes"]
    assert set(data["quantity_name_filler"]) == quantities._FILLER
    assert set(data["quantity_name_stop"]) == quantities._PHRASE_STOP
    assert set(data["subgroup_cues"]) == quantities._SUBGROUP_CUES
    assert set(data["counted_not_a_quantity"]) | set(data["counted_links"]) == quantities._COUNT_STOP
    for module in (thresholds, quantities):  # word lists are data: no set of words written in the code
        tree = ast.parse(Path(module.__file__ or "").read_text(encoding="utf-8"))
        assert not [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Set) and len(n.elts) > 8], module.__name__
