"""Keys, index names and expressions are written only in data/ (a check of the source)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ABOVE_DATA = ("server.py", "cli.py", "web", "schema", "resolvers", "loaders", "live")
# A key prefix (`POST#`), an index name (`GSI1`), or DynamoDB expression syntax.
FORBIDDEN = re.compile(
    r"^[A-Z_]+#|#[A-Z_]*$|^GSI\d|"
    r"attribute_(not_)?exists|begins_with|\bBETWEEN\b|[#:][A-Za-z]\w* *(=|<|>)|"
    r"^(Key|Filter|Condition|Update|Projection)Expression$|^IndexName$"
)
# The data/ types that spell out a Query: above data/ a read is named, never built.
QUERY_BUILDERS = {"QuerySpec", "SortCondition", "Filter"}


def _sources() -> list[Path]:
    found: list[Path] = []
    for name in ABOVE_DATA:
        path = ROOT / name
        found += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return [p for p in found if p.exists()]


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the string constants that are docstrings."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def offences(source: str) -> list[str]:
    """What in `source` writes a key, an index name or an expression, or builds a Query."""
    tree = ast.parse(source)
    docs = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            if FORBIDDEN.search(node.value):
                found.append(f"line {node.lineno}: {node.value!r}")
        elif isinstance(node, ast.Call):
            called = node.func
            name = called.attr if isinstance(called, ast.Attribute) else getattr(called, "id", "")
            if name in QUERY_BUILDERS:
                found.append(f"line {node.lineno}: {name}(...)")
    return found


def test_the_check_finds_what_it_looks_for() -> None:
    assert offences('spec = ("GSI2", "POST#" + pid)') == ["line 1: 'GSI2'", "line 1: 'POST#'"]
    assert offences('f = "#st = :approved"')
    assert offences('p = {"FilterExpression": "x"}')
    assert offences("spec = queries.QuerySpec(None, partition)")
    assert offences("def run(spec: QuerySpec) -> None: ...") == []
    assert offences('"""A docstring may say GSI1 and POST#."""\nname = "PUBLISHED"') == []


def test_no_key_index_or_expression_is_written_above_data() -> None:
    sources = _sources()
    assert len(sources) > 20
    found = {
        str(path.relative_to(ROOT)): hits
        for path in sources
        if (hits := offences(path.read_text()))
    }
    assert found == {}
