"""The import layers of ../shared/DESIGN.md ("Layout"), enforced.

- ``hgvcov -> constellation -> (orbits | hgv_models)``, a private (``_``-prefixed) module
  imported only from inside its own package, and no kernel module importing an API module
  of its package: import-linter's contracts in pyproject.toml
  (``[tool.importlinter]``), run here exactly as ``lint-imports`` runs them.
- No module uses another module's ``_private`` names (``from m import _x`` or ``m._x``):
  import-linter sees modules, not names, so an AST walk checks this one.

Each rule has a test that breaks it on purpose in a copy of the packages and sees it fail,
so a contract that silently matches nothing cannot pass.
"""
from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("orbits", "hgv_models", "constellation", "hgvcov")

#: lint-imports on the repository: its own import of the packages must come from the source
#: tree given as cwd (lint_imports puts cwd first on sys.path), not from an installed copy.
LINT = ("import sys; from importlinter.cli import lint_imports; "
        "sys.exit(lint_imports(config_filename='pyproject.toml', no_cache=True, no_logo=True))")


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", LINT], cwd=root, capture_output=True,
                          text=True, timeout=300)


def copy_tree(dst: Path) -> Path:
    """The four packages and pyproject.toml copied to ``dst`` (sources only)."""
    for pkg in PACKAGES:
        shutil.copytree(ROOT / pkg, dst / pkg, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", dst / "pyproject.toml")
    return dst


def append_line(path: Path, line: str) -> None:
    path.write_text(path.read_text() + f"\n{line}\n")


def test_import_contracts_are_kept():
    proc = lint_imports(ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 broken" in proc.stdout and "BROKEN" not in proc.stdout, proc.stdout
    # Every package was analysed (a contract on an empty graph would pass too).
    analysed = int(proc.stdout.split("Analyzed ")[1].split(" files")[0])
    n_files = sum(len(list((ROOT / p).rglob("*.py"))) for p in PACKAGES)
    assert analysed == n_files, (analysed, n_files)


@pytest.mark.parametrize("where, line, contract", [
    ("orbits/constants.py", "import hgvcov.run  # noqa", "Imports flow one way"),
    ("orbits/constants.py", "import constellation.grid  # noqa", "Imports flow one way"),
    ("hgv_models/vehicles.py", "import orbits.constants  # noqa", "Imports flow one way"),
    ("constellation/grid.py", "import hgvcov.outputs  # noqa", "Imports flow one way"),
    ("hgvcov/outputs.py", "import orbits._kernels  # noqa", "private (_-prefixed) module"),
    ("constellation/_geometry.py", "import constellation.sensors  # noqa",
     "Kernel modules import no API module"),
    ("orbits/_kernels.py", "import orbits.timegrid  # noqa", "Kernel modules import no API module"),
])
def test_a_reverse_or_private_import_breaks_a_contract(tmp_path, where, line, contract):
    root = copy_tree(tmp_path)
    append_line(root / where, line)
    proc = lint_imports(root)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    broken = proc.stdout.split("Broken contracts")[1]
    assert contract in broken, proc.stdout


# ------------------------------------------------------------------ private names, by AST

def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def resolve(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """Absolute name of the module an ``ImportFrom`` reads from."""
    if not node.level:
        return node.module or ""
    base = module.split(".")
    base = base[:len(base) - node.level + (1 if is_package else 0)]
    return ".".join(base + ([node.module] if node.module else []))


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def is_our_module(name: str, root: Path) -> bool:
    p = root.joinpath(*name.split("."))
    return name.split(".")[0] in PACKAGES and (p.with_suffix(".py").exists() or p.is_dir())


def private_name_uses(root: Path) -> list[str]:
    """``file:line: module._name`` for each use of another module's private name."""
    found = []
    for pkg in PACKAGES:
        for path in sorted((root / pkg).rglob("*.py")):
            module = module_name(path, root)
            tree = ast.parse(path.read_text(), str(path))
            aliases = {}  # local name -> our module it stands for
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    for a in node.names:
                        if is_our_module(a.name, root) and a.asname:
                            aliases[a.asname] = a.name
                elif isinstance(node, ast.ImportFrom):
                    src = resolve(node, module, path.name == "__init__.py")
                    for a in node.names:
                        full = f"{src}.{a.name}"
                        if is_our_module(full, root):  # a module: import-linter's business
                            aliases[a.asname or a.name] = full
                        elif is_private(a.name) and src != module:
                            found.append(f"{path.relative_to(root)}:{node.lineno}: {full}")
            for node in ast.walk(tree):
                if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                        and node.value.id in aliases and is_private(node.attr)
                        and aliases[node.value.id] != module):
                    found.append(f"{path.relative_to(root)}:{node.lineno}: "
                                 f"{aliases[node.value.id]}.{node.attr}")
    return found


def test_no_module_uses_another_modules_private_names():
    assert private_name_uses(ROOT) == []


@pytest.mark.parametrize("line", [
    "from orbits.timegrid import _require_finite  # noqa",
    "from orbits import timegrid as _tg\n_tg._anything  # noqa",
])
def test_private_name_check_sees_a_violation(tmp_path, line):
    root = copy_tree(tmp_path)
    before = set(private_name_uses(root))
    append_line(root / "hgvcov" / "outputs.py", line)
    new = set(private_name_uses(root)) - before
    assert len(new) == 1 and new.pop().startswith("hgvcov/outputs.py:"), new
