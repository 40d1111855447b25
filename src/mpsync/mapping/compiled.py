"""JMESPath expressions compiled to Python closures, once, at mapping load time.

``jmespath``'s ``TreeInterpreter`` walks the AST for every record: a dict lookup and
a method dispatch per node. Mapping paths are a handful of node kinds (fields,
sub-expressions, indexes, ``||``, ``&&``, projections, multi-select lists), so each of those
becomes a closure that does only its own work; function calls go to
``jmespath.functions`` (argument checks included) and any other node (filters, slices,
...) is evaluated by the interpreter, so every expression keeps exactly JMESPath's
semantics. ``tests/mapping/test_compiled_paths.py`` checks the two agree.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from jmespath.functions import Functions
from jmespath.parser import ParsedResult
from jmespath.visitor import TreeInterpreter

if TYPE_CHECKING:
    from jmespath.visitor import _TreeNode as Node

Getter = Callable[[Any], Any]


def compile_expression(expression: ParsedResult) -> Getter:
    """A function of one record returning what ``expression.search(record)`` returns."""
    return _Compiler().compile(expression.parsed)


def _is_false(value: Any) -> bool:
    """JMESPath falsiness: empty string, list or object, null and false (not 0)."""
    return value is None or value is False or value == "" or value == [] or value == {}


def _field(name: str) -> Getter:
    def get(value: Any) -> Any:
        try:
            return value.get(name)
        except AttributeError:
            return None

    return get


def _fields(names: tuple[str, ...]) -> Getter:
    """``a.b.c``: the common case, one loop instead of a closure per step."""

    def get(value: Any) -> Any:
        for name in names:
            try:
                value = value.get(name)
            except AttributeError:
                return None
        return value

    return get


def _index(position: int) -> Getter:
    def get(value: Any) -> Any:
        if not isinstance(value, list):
            return None
        try:
            return value[position]
        except IndexError:
            return None

    return get


def _chain(steps: list[Getter]) -> Getter:
    if len(steps) == 1:
        return steps[0]
    first, second, *rest = steps
    if not rest:
        return lambda value: second(first(value))

    def get(value: Any) -> Any:
        for step in steps:
            value = step(value)
        return value

    return get


def _or(left: Getter, right: Getter) -> Getter:
    def get(value: Any) -> Any:
        matched = left(value)
        return right(value) if _is_false(matched) else matched

    return get


def _and(left: Getter, right: Getter) -> Getter:
    def get(value: Any) -> Any:
        matched = left(value)
        return matched if _is_false(matched) else right(value)

    return get


def _flatten(base: Getter) -> Getter:
    def get(value: Any) -> Any:
        items = base(value)
        if not isinstance(items, list):
            return None
        merged: list[Any] = []
        for item in items:
            if isinstance(item, list):
                merged.extend(item)
            else:
                merged.append(item)
        return merged

    return get


def _projection(base: Getter, each: Getter) -> Getter:
    def get(value: Any) -> Any:
        items = base(value)
        if not isinstance(items, list):
            return None
        collected = []
        for item in items:
            current = each(item)
            if current is not None:
                collected.append(current)
        return collected

    return get


def _multi_select_list(children: list[Getter]) -> Getter:
    def get(value: Any) -> Any:
        if value is None:
            return None
        return [child(value) for child in children]

    return get


def _identity(value: Any) -> Any:
    return value


_UNHANDLED = object()


def _to_string(arguments: list[Any]) -> Any:
    if len(arguments) == 1:
        (argument,) = arguments
        if isinstance(argument, str):
            return argument
        if type(argument) is int:  # what json.dumps writes for an int
            return str(argument)
    return _UNHANDLED


def _join(arguments: list[Any]) -> Any:
    if len(arguments) == 2:
        glue, items = arguments
        strings = isinstance(items, list) and all(isinstance(item, str) for item in items)
        if isinstance(glue, str) and strings:
            return glue.join(items)
    return _UNHANDLED


# The functions mapping files use most, for the argument types they usually get;
# anything else (other types, wrong arity) goes to jmespath, which also words the error.
_NATIVE: dict[str, Callable[[list[Any]], Any]] = {"to_string": _to_string, "join": _join}


def _function(call: Callable[[str, list[Any]], Any], name: str, arguments: list[Getter]) -> Getter:
    """Arguments evaluated by their closures; the call by a native version of a common
    function when its arguments allow, else by ``jmespath.functions`` (type checks and all).
    """
    native = _NATIVE.get(name)

    def get(value: Any) -> Any:
        resolved = [argument(value) for argument in arguments]
        if native is not None:
            result = native(resolved)
            if result is not _UNHANDLED:
                return result
        return call(name, resolved)

    return get


class _Compiler:
    def __init__(self) -> None:
        self._functions = Functions()
        self._interpreter = TreeInterpreter()

    def compile(self, node: Node) -> Getter:
        kind = node["type"]
        children: list[Node] = node.get("children", [])
        if kind == "field":
            return _field(node["value"])
        if kind in ("current", "identity"):
            return _identity
        if kind == "index":
            return _index(node["value"])
        if kind in ("subexpression", "index_expression", "pipe"):
            if all(child["type"] == "field" for child in children):
                return _fields(tuple(child["value"] for child in children))
            return _chain([self.compile(child) for child in children])
        if kind == "or_expression":
            return _or(self.compile(children[0]), self.compile(children[1]))
        if kind == "and_expression":
            return _and(self.compile(children[0]), self.compile(children[1]))
        if kind == "flatten":
            return _flatten(self.compile(children[0]))
        if kind == "projection":
            return _projection(self.compile(children[0]), self.compile(children[1]))
        if kind == "multi_select_list":
            return _multi_select_list([self.compile(child) for child in children])
        if kind == "function_expression":
            arguments = [self.compile(child) for child in children]
            return _function(self._functions.call_function, node["value"], arguments)
        if kind == "literal":
            literal = node["value"]
            return lambda _value: literal
        return self._interpreted(node)

    def _interpreted(self, node: Node) -> Getter:
        visit = self._interpreter.visit
        return lambda value: visit(node, value)
