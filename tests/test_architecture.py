"""The written rules of docs/conventions.md that import-linter cannot express, checked on the import
graph (grimp, which sees imports inside functions too): what a feature shows others, which file
names mean what, and that handlers and schemas never reach the tables."""

from __future__ import annotations

import collections
import importlib
import re
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
BACKEND = ROOT / "backend"
FEATURES = sorted(p.name for p in BACKEND.iterdir() if (p / "__init__.py").exists() and p.name != "lib")
# File names found in more than one feature, each with its one meaning (docs/conventions.md).
SHARED_NAMES = {
    "__init__",
    "piccolo_app",
    "tables",
    "schemas",
    "services",
    "routes",
    "views",
    "access",
    "records",
    "seed",
    "vocab",
    "workers",
    "cli",
}


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("backend")


def _feature(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 and parts[1] in FEATURES else None


def cross_feature_imports(graph: grimp.ImportGraph) -> dict[str, set[str]]:
    """Imported module -> the features that import it, for imports between two features."""
    found: dict[str, set[str]] = collections.defaultdict(set)
    for importer in graph.modules:
        source = _feature(importer)
        if source is None:
            continue
        for imported in graph.find_modules_directly_imported_by(importer):
            target = _feature(imported)
            if target is not None and target != source:
                found[imported].add(source)
    return found


def test_features_import_only_what_another_feature_declares_public(graph):
    """A feature shows others the modules its __init__.py lists in PUBLIC, nothing else."""
    wrong = []
    for imported, importers in sorted(cross_feature_imports(graph).items()):
        feature = _feature(imported)
        public = importlib.import_module(f"backend.{feature}").PUBLIC
        if imported.split(".")[2] not in public:
            wrong.append(f"{imported} (imported by {', '.join(sorted(importers))}) is not in backend.{feature}.PUBLIC")
    assert wrong == []


def test_every_public_module_exists_and_is_used():
    unknown, unused = [], []
    used = {m for m in cross_feature_imports(grimp.build_graph("backend"))}
    for feature in FEATURES:
        for name in importlib.import_module(f"backend.{feature}").PUBLIC:
            module = f"backend.{feature}.{name}"
            if not (BACKEND / feature / f"{name}.py").exists():
                unknown.append(module)
            elif name not in ("services", "tables", "schemas") and module not in used:
                unused.append(module)
    assert unknown == [] and unused == []


def test_a_file_name_means_one_thing():
    """A module name used by two features is one of the shared names, each with one meaning."""
    seen: dict[str, list[str]] = collections.defaultdict(list)
    for path in BACKEND.glob("*/*.py"):
        if path.parent.name in FEATURES:
            seen[path.stem].append(path.parent.name)
    repeated = {name for name, features in seen.items() if len(features) > 1}
    assert repeated - SHARED_NAMES == set()


def test_route_modules_are_named_routes_or_routes_topic():
    misnamed = [str(p.relative_to(ROOT)) for p in BACKEND.glob("*/*routes*.py") if not re.fullmatch(r"routes(_[a-z]+)?", p.stem)]
    assert misnamed == []


def test_handlers_and_schemas_never_reach_the_tables(graph):
    """Queries live behind services; a handler or a schema importing tables is a shortcut."""
    wrong = []
    for module in graph.modules:
        stem = module.rsplit(".", 1)[-1]
        if _feature(module) and (stem.startswith("routes") or stem == "schemas"):
            wrong += [f"{module} -> {m}" for m in graph.find_modules_directly_imported_by(module) if m.endswith(".tables")]
    assert wrong == []


def test_tests_import_helpers_never_other_test_modules():
    wrong = []
    for path in (ROOT / "tests").rglob("*.py"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if re.match(r"\s*from tests(\.\w+)*\.test_\w+ import|\s*import tests(\.\w+)*\.test_", line):
                wrong.append(f"{path.relative_to(ROOT)}: {line.strip()}")
    assert wrong == []


def test_services_is_a_face_others_use(graph):
    """A feature's services.py is what others call: something outside the feature imports it (use
    cases only the feature's own routes call live in topic modules: codes/minting.py, consent/grants.py)."""
    faces = [m for m in graph.modules if _feature(m) and m.endswith(".services")]
    unused = []
    for face in faces:
        importers = graph.find_modules_that_directly_import(face)
        if not any(not m.startswith(face.rsplit(".", 1)[0] + ".") for m in importers):
            unused.append(face)
    assert faces and unused == []
