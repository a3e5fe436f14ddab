"""The shape of the code, checked: what issue 11 ("one core") promised stays true.

- no import cycle among earl's modules, counting imports inside functions
  (`from pkg import submodule` imports the submodule, as import-linter counts it);
- the IR imports nothing else of earl; the front end imports only the IR;
- no cache hidden on an object's `__dict__`;
- every module well under 800 lines.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

# the folders the distribution maps to packages (pyproject.toml's package-dir)
PACKAGES = {"cli": "earl", "ir": "earl.ir", "parser": "earl.parser", "solver": "earl.solver",
            "spec": "earl.spec", "web": "earl.web"}
MAX_LINES = 600


def _modules(root: Path) -> dict[str, Path]:
    out = {}
    for folder, package in PACKAGES.items():
        for path in sorted((root / folder).rglob("*.py")):
            rel = path.relative_to(root / folder).with_suffix("")
            parts = [p for p in rel.parts if p != "__init__"]
            out[".".join([package, *parts])] = path
    return out


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    out = set()
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name in modules}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            for a in node.names:
                if f"{mod}.{a.name}" in modules:
                    out.add(f"{mod}.{a.name}")
                elif mod in modules:
                    out.add(mod)
    return out


@pytest.fixture(scope="module")
def graph(repo_root) -> dict[str, set[str]]:
    modules = _modules(repo_root)
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    out.append(sorted(component))
    return out


def test_no_import_cycles(graph):
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_ir_imports_nothing_else_and_the_front_end_only_the_ir(graph):
    for name, imported in graph.items():
        if name.startswith("earl.ir"):
            assert all(i.startswith("earl.ir") for i in imported), (name, imported)
        if name.startswith("earl.parser"):
            assert all(i.startswith(("earl.ir", "earl.parser")) for i in imported), (name, imported)


def test_no_cache_on_an_objects_dict(repo_root):
    offenders = [str(p.relative_to(repo_root)) for p in _modules(repo_root).values()
                 if "__dict__" in p.read_text()]
    assert offenders == []


def test_every_module_is_well_under_800_lines(repo_root):
    long = {str(p.relative_to(repo_root)): n for p in _modules(repo_root).values()
            if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert long == {}


def test_every_package_folder_is_installed(repo_root):
    """A non-editable install (CI's `pip install .`) ships only the packages pyproject lists."""
    import tomllib
    listed = set(tomllib.loads((repo_root / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    folders = {".".join([package, *init.parent.relative_to(repo_root / folder).parts])
               for folder, package in PACKAGES.items() for init in (repo_root / folder).rglob("__init__.py")}
    assert folders <= listed, sorted(folders - listed)
