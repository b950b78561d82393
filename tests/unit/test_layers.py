"""The packages' layering, enforced with the standard library until import-linter is enabled.

The same contracts as `.importlinter`: from the bottom up `core` (the shared kernel: database
plumbing, migrations, the clock, phone numbers, numerals, Rasa's `events` table), `kb`,
`activities`, `handoff` and `staff`, then `actions`, `bot`, `ops` and `console` on top (those
four may import each other). A package may import its own layer and the layers below it, never one above; `core`
imports nothing of ours. Every `import x` / `from x import y` of every .py file counts, at
module level or inside a function or an `if TYPE_CHECKING:` block; relative imports are
resolved against the file's package.

The one allowed exception: `core.migrations.env` imports every package's models, because
Alembic needs their metadata to migrate their tables.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
# Bottom to top; packages of one layer may import each other.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("core",),
    ("kb",),
    ("activities",),
    ("handoff", "staff"),
    ("actions", "bot", "ops", "console"),
)
RANK = {package: rank for rank, layer in enumerate(LAYERS) for package in layer}
# (importing module, imported package) pairs allowed against the layering, each with its reason.
ALLOWED = {
    # Alembic's environment must see every table: it imports each package's models.
    ("core.migrations.env", "kb"),
    ("core.migrations.env", "activities"),
    ("core.migrations.env", "handoff"),
    ("core.migrations.env", "staff"),
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path) -> set[str]:
    """Every module `path` imports, anywhere in the file, as absolute dotted names."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            # `from pkg import module` imports pkg.module too.
            found.update(f"{target}.{alias.name}" for alias in node.names)
    return found


def package_files() -> list[Path]:
    return sorted(path for package in RANK for path in (ROOT / package).rglob("*.py"))


def upward_imports() -> list[str]:
    found = []
    for path in package_files():
        module = module_name(path)
        own = RANK[module.split(".")[0]]
        for imported in sorted(imported_modules(path)):
            top = imported.split(".")[0]
            if top in RANK and RANK[top] > own and (module, top) not in ALLOWED:
                found.append(f"{module} imports {imported} ({top} is above {module.split('.')[0]})")
    return sorted(set(found))


def test_every_package_is_checked() -> None:
    files = package_files()
    assert {module_name(path).split(".")[0] for path in files} == set(RANK)
    assert any(module_name(path) == "core.migrations.env" for path in files)


def test_no_package_imports_a_layer_above_it() -> None:
    assert upward_imports() == []


def test_core_imports_nothing_of_ours() -> None:
    ours = set(RANK) - {"core"}
    found = sorted(
        f"{module_name(path)} imports {imported}"
        for path in (ROOT / "core").rglob("*.py")
        if module_name(path) != "core.migrations.env"
        for imported in imported_modules(path)
        if imported.split(".")[0] in ours
    )
    assert found == []


def test_the_exceptions_are_still_needed() -> None:
    """An exception nobody needs any more is removed from ALLOWED."""
    used = {
        (module_name(path), imported.split(".")[0])
        for path in package_files()
        for imported in imported_modules(path)
    }
    assert ALLOWED <= used


def test_the_contracts_file_names_the_same_layers() -> None:
    """`.importlinter` (for when import-linter is installed) says what this test enforces."""
    text = (ROOT / ".importlinter").read_text(encoding="utf-8")
    for layer in LAYERS:
        assert " : ".join(layer) in text
    for module, package in ALLOWED:
        assert f"{module} -> {package}" in text
