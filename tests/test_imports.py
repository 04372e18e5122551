"""Imports go one way: no cycles between modules, and the layers of pyproject's import-linter
contracts (command line → crawl | publish | sample site → storage → parsers)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import grimp

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("qarchive", "crawler", "publish", "sample_sites", "archive", "parsers")


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            module, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(
                        child)))))
                elif child in on_stack:
                    low[module] = min(low[module], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[module])
            if low[module] == index[module]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == module:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return groups


def test_no_module_imports_itself_back() -> None:
    """A cycle, even through a TYPE_CHECKING or function-level import, is a finding."""
    sys.path.insert(0, str(REPO))
    try:
        graph = grimp.build_graph(*PACKAGES, cache_dir=None)
    finally:
        sys.path.remove(str(REPO))
    # Each package imports its own modules from __init__; the package-to-module edges
    # that re-export are not cycles of the code, so only module-to-module edges count.
    for package in PACKAGES:
        for module in graph.find_children(package):
            if graph.direct_import_exists(importer=package, imported=module):
                graph.remove_import(importer=package, imported=module)
    assert _cycles(graph) == []


def test_the_import_contracts_hold() -> None:
    lint_imports = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint_imports is not None, "import-linter is in the test extra"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run([lint_imports, "--no-cache"], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_import_and_reparse_load_no_http_stack(tmp_path: Path) -> None:
    """What the contract's ignore_imports line claims: they never load httpx or aiohttp."""
    code = (
        "import sys; from pathlib import Path\n"
        "from archive import open_archive\n"
        "from crawler.importer import import_files\n"
        "from crawler.reparse import reparse_pages\n"
        f"db = open_archive({str(tmp_path / 'a.db')!r})\n"
        f"import_files(db, [Path({str(REPO / 'tests/fixtures/answer-2kxyq3m7vd.html')!r})])\n"
        "reparse_pages(db, all_pages=True)\n"
        "print(sorted(name for name in ('httpx', 'aiohttp') if name in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
