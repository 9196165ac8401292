"""The house's rules, checked on the source: a pure engine, apps that import in one direction, no aliases.

docs/architecture.md draws the same stack; a change to it changes both.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "relais"

# The apps from the bottom of the stack to the top: an app may import the apps below it, never one above.
APP_LAYERS = [
    "audit",
    "accounts",
    "knowledge",
    "assistant",
    "helpdesk",
    "procedures",
    "insights",
    "diagnostic",
    "operations",
    "demo",
]
# Project modules, not apps: config and admin_base sit under every app; settings, urls, asgi, wsgi and cli wire
# the apps together and may import any of them.
FOUNDATIONS = {"config", "admin_base"}
WIRING = {"settings", "urls", "asgi", "wsgi", "cli", "__init__"}


def _modules_imported(path: Path) -> list[tuple[str, int]]:
    """Every module an import statement names, at any depth (function-level and TYPE_CHECKING imports too).

    `from relais import knowledge` names relais.knowledge; a relative import is resolved against the file's package.
    """
    package = ".".join(path.relative_to(SRC.parent).with_suffix("").parts[:-1])
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*parent, *([base] if base else [])])
            found.append((base, node.lineno))
            found += [
                (f"{base}.{alias.name}", node.lineno) for alias in node.names if base in {"relais", "relais.engine"}
            ]
    return found


def _room(path: Path) -> str:
    """The app (or project module) a source file belongs to: the first part of its path under relais/."""
    return path.relative_to(SRC).parts[0].removesuffix(".py")


def _relais_imports() -> list[tuple[str, str, str]]:
    """(importing room, imported room, "file:line") for every import of one part of relais by another."""
    edges = []
    for path in SRC.rglob("*.py"):
        for module, line in _modules_imported(path):
            parts = module.split(".")
            if parts[0] == "relais" and len(parts) > 1 and parts[1] != _room(path):
                edges.append((_room(path), parts[1], f"{path.relative_to(SRC)}:{line}"))
    return edges


def test_the_engine_imports_neither_django_nor_any_app():
    offending = []
    for path in (SRC / "engine").rglob("*.py"):
        for module, line in _modules_imported(path):
            top = module.split(".")
            if top[0] == "django" or (top[0] == "relais" and len(top) > 1 and top[1] not in {"engine", "config"}):
                offending.append(f"{path.relative_to(SRC)}:{line} imports {module}")
    assert offending == []


def test_importing_every_engine_module_loads_no_django():
    """The static check above misses an indirect import (through a third-party package): this one runs it."""
    modules = [
        ".".join(path.relative_to(SRC.parent).with_suffix("").parts)
        for path in sorted((SRC / "engine").rglob("*.py"))
        if path.name != "__init__.py"
    ]
    script = "import importlib, sys\n"
    script += "".join(f"importlib.import_module({name!r})\n" for name in modules)
    script += "print(sorted(name for name in sys.modules if name == 'django' or name.startswith('django.')))\n"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_every_app_is_placed_in_the_stack():
    rooms = {path.name for path in SRC.iterdir() if path.is_dir() and (path / "apps.py").exists()}
    assert rooms <= set(APP_LAYERS), f"place {sorted(rooms - set(APP_LAYERS))} in APP_LAYERS and the docs"


def test_apps_import_only_apps_below_them():
    upward = []
    for importer, imported, where in _relais_imports():
        if importer in WIRING or importer == "engine" or imported in FOUNDATIONS or imported == "engine":
            continue
        if importer in FOUNDATIONS:
            upward.append(f"{where}: {importer} (a foundation) imports {imported}")
        elif imported in WIRING:
            upward.append(f"{where}: {importer} imports the wiring module {imported}")
        elif APP_LAYERS.index(imported) > APP_LAYERS.index(importer):
            upward.append(f"{where}: {importer} imports {imported}, which sits above it")
    assert upward == []


def test_no_two_apps_import_each_other():
    pairs = {(importer, imported) for importer, imported, _ in _relais_imports()}
    mutual = sorted({tuple(sorted(pair)) for pair in pairs if pair[::-1] in pairs})
    assert mutual == []


def test_the_engine_has_at_most_six_modules_at_its_top():
    modules = [path.name for path in (SRC / "engine").glob("*.py") if path.name != "__init__.py"]
    assert len(modules) <= 6, modules


@pytest.mark.parametrize("folder", ["src", "tests", "bench"])
def test_no_module_of_relais_is_imported_under_another_name(folder):
    """A newcomer reads `filling.answer(...)` and finds relais/engine/procedures/filling.py: no alias hides it."""
    root = SRC.parents[1] / folder
    aliased = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "relais":
                names = node.names
            elif isinstance(node, ast.Import):
                names = [alias for alias in node.names if alias.name.split(".")[0] == "relais"]
            aliased += [f"{path.relative_to(root)}:{node.lineno} {a.name} as {a.asname}" for a in names if a.asname]
    assert aliased == []
