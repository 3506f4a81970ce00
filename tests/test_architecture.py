"""The house's rules about imports: apps never import the project package (`mlqa/` is wiring
only), there is no import cycle between apps, the caching layer knows only Django, and no app
imports devtools (which may import all of them). Imports inside functions count too."""

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = [
    "caching",
    "jobs",
    "replicas",
    "accounts",
    "questions",
    "practice",
    "moderation",
    "api",
    "notifications",
    "devtools",
]
PROJECT = "mlqa"


def imports_of(app) -> dict[str, list[str]]:
    """{top-level package imported: ["file:line", ...]} for one app's modules."""
    found = {}
    for path in sorted((ROOT / app).rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                found.setdefault(name.split(".")[0], []).append(where)
    return found


def app_graph() -> dict[str, set[str]]:
    return {
        app: {other for other in imports_of(app) if other in APPS and other != app}
        for app in APPS
    }


def find_cycle(graph):
    """One cycle of the graph as a list of nodes, or None."""
    state = {}

    def visit(node, path):
        state[node] = "open"
        for other in sorted(graph[node]):
            if state.get(other) == "open":
                return [*path[path.index(other) :], other]
            if other not in state and (cycle := visit(other, [*path, other])):
                return cycle
        state[node] = "done"
        return None

    for node in graph:
        if node not in state and (cycle := visit(node, [node])):
            return cycle
    return None


@pytest.mark.parametrize("app", APPS)
def test_no_app_imports_the_project_package(app):
    assert PROJECT not in imports_of(app), imports_of(app).get(PROJECT)


def test_there_is_no_import_cycle_between_apps():
    assert find_cycle(app_graph()) is None, find_cycle(app_graph())


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_the_caching_layer_knows_only_django():
    allowed = {"caching", "django", "redis", *sys.stdlib_module_names}
    imported = imports_of("caching")
    foreign = {name: where for name, where in imported.items() if name not in allowed}
    assert foreign == {}


def test_no_app_imports_devtools():
    users = {app for app, imported in app_graph().items() if "devtools" in imported}
    assert users == set()


def test_domain_code_names_no_cache_token():
    """Models, querysets, filters, selectors and services say nothing of caching: what feeds a
    token is declared in each app's caching.py; services may only report writes that send no
    signal (and may reverse URLs through caching.reverse)."""
    for app in ("accounts", "questions", "practice", "moderation", "api"):
        for path in (ROOT / app).rglob("*.py"):
            relative = path.relative_to(ROOT).as_posix()
            text = path.read_text()
            domain = any(
                part in relative
                for part in ("models", "filters", "/services", "querysets", "selectors")
            ) or relative.endswith("services.py")
            if not domain:
                continue
            tree = ast.parse(text)
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.module == "caching":
                    names = {alias.name for alias in node.names}
                    # reverse: django.urls.reverse with each URL shape reversed once
                    # (caching/reversal.py); it names no token.
                    assert names <= {"rows_changed", "reverse"}, (relative, names)
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                    "caching."
                ):
                    pytest.fail(f"{relative} imports {node.module}")


def test_the_replicas_layer_knows_only_django_and_the_caching_clock():
    allowed = {"replicas", "django", *sys.stdlib_module_names}
    imported = imports_of("replicas")
    foreign = {name: where for name, where in imported.items() if name not in allowed}
    assert set(foreign) <= {"caching"}
    assert [where.split(":")[0] for where in imported["caching"]] == [
        "replicas/router.py"
    ]


def test_the_jobs_layer_knows_only_django_and_the_queue():
    allowed = {"jobs", "django", "django_tasks_db", *sys.stdlib_module_names}
    imported = imports_of("jobs")
    foreign = {name: where for name, where in imported.items() if name not in allowed}
    assert foreign == {}
