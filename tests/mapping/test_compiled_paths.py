"""Compiled mapping paths give exactly what ``jmespath.search`` gives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jmespath
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mpsync.mapping.compiled import compile_expression

KEYS = ["a", "b", "price", "count"]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.sampled_from(["", "x", "0"]),
    st.just(0.5),
    st.just(10**20),
)
documents = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.sampled_from(KEYS), children, max_size=4)
    ),
    max_leaves=12,
)


def _expressions() -> st.SearchStrategy[str]:
    field = st.sampled_from(KEYS)

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(
            st.tuples(inner, field).map(lambda p: f"{p[0]}.{p[1]}"),
            st.tuples(inner, st.integers(-1, 2)).map(lambda p: f"{p[0]}[{p[1]}]"),
            st.tuples(inner, inner).map(lambda p: f"{p[0]} || {p[1]}"),
            st.tuples(inner, inner).map(lambda p: f"{p[0]} && {p[1]}"),
            st.tuples(inner, field).map(lambda p: f"{p[0]}[].{p[1]}"),
            st.tuples(inner, field).map(lambda p: f"{p[0]}[*].{p[1]}"),
            st.tuples(inner, field, field).map(lambda p: f"{p[0]}[].[{p[1]}, {p[2]}]"),
            st.tuples(field, field).map(lambda p: f"[{p[0]}, {p[1]}]"),
            st.tuples(inner, field).map(lambda p: f"{p[0]} | [0].{p[1]}"),
            st.tuples(inner, field).map(lambda p: f"{p[0]}[?{p[1]}].{p[1]}"),
            inner.map(lambda e: f"to_string({e})"),
            st.tuples(inner, inner).map(lambda p: f"join('/', [to_string({p[0]}), {p[1]}])"),
            inner.map(lambda e: f"join(', ', {e})"),
            inner.map(lambda e: f"[{e}][0]"),
            inner.map(lambda e: f"!{e}"),
        )

    return st.recursive(st.one_of(field, st.just("@")), extend, max_leaves=5)


@settings(max_examples=3000, deadline=None)
@given(expression=_expressions(), document=documents)
def test_compiled_matches_jmespath(expression: str, document: Any) -> None:
    parsed = jmespath.compile(expression)
    try:
        expected = parsed.search(document)
    except jmespath.exceptions.JMESPathError as error:
        with pytest.raises(type(error)):
            compile_expression(parsed)(document)
        return
    assert compile_expression(parsed)(document) == expected, expression


def _mapping_paths() -> list[str]:
    import tomllib

    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("path", "substatus_path") and isinstance(value, str):
                    found.append(value)
                elif isinstance(value, str) and key not in ("marketplace", "type", "transform"):
                    found.append(value)  # a field given as a bare path
                else:
                    walk(value)

    root = Path(__file__).resolve().parents[2] / "mappings"
    for file in sorted(root.glob("*.toml")):
        walk(tomllib.loads(file.read_text()))
    return found


@pytest.mark.parametrize(
    "document",
    [
        {"products": [{"price": "10.50", "quantity": 2}, {"price": {"amount": 3}, "quantity": 1}]},
        {"items": [{"prices": {"payment": {"value": 5}}, "count": 2}], "orderId": 7, "id": 8},
        {"delivery": {"courier": {"address": {"city": "Москва", "house": "1"}}}, "status": "x"},
        {"stocks": [{"type": "AVAILABLE", "count": 3}, {"type": "FREEZE", "count": 1}]},
        {"convertedPrice": 0, "price": 1200, "customer": None, "addressee": {"name": ""}},
        {},
    ],
)
def test_every_shipped_mapping_path_matches_jmespath(document: dict[str, Any]) -> None:
    for path in _mapping_paths():
        try:
            parsed = jmespath.compile(path)
        except jmespath.exceptions.JMESPathError:
            continue  # a status-map value or a name, not a path
        assert compile_expression(parsed)(document) == parsed.search(document), path
