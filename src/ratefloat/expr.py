"""The small, safe expression language of rule tables.

Conditions in a rule table are written the way an analyst reads the policy text::

    payout_ratio > 1.0 or injury_rate > 0.03
    payout_ratio == 0 and injuries == 0 and prev_payout_ratio == 0
    0.5 < payout_ratio <= 1.0
    risk_class in [1, 2]
    deaths >= 3 or (arrears and not fraud)

The text is parsed with Python's :mod:`ast` (never executed) and every node is checked
against a whitelist: boolean ``and``/``or``/``not``; comparisons (``<``, ``<=``, ``>``,
``>=``, ``==``, ``!=``, chained, ``in``/``not in`` a list); arithmetic ``+ - * /`` and
``**`` with a small literal exponent; the functions ``min``, ``max`` and ``abs``; numbers,
``true``/``false``, ``inf``; and names of indicators, input columns and table parameters.
Attribute access, subscripts, calls of anything else, lambdas, comprehensions and strings
are refused. Names are resolved when the table is loaded, so a typo fails then, with a
"did you mean" suggestion.

An expression compiles to a closure over numpy arrays (one element per employer), so a
whole population is evaluated at once. Missing values (NaN) compare as false, like SQL's
NULL in a ``WHERE`` clause.
"""

from __future__ import annotations

import ast
import difflib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np

from .errors import ExpressionError

__all__ = ["Kind", "Expression", "parse_expression", "MAX_EXPRESSION_LENGTH", "MAX_NODES"]

#: Longest expression text accepted, in characters.
MAX_EXPRESSION_LENGTH = 2000
#: Most syntax-tree nodes accepted in one expression.
MAX_NODES = 400
#: Largest absolute literal exponent accepted after ``**``.
MAX_EXPONENT = 10
#: Largest magnitude of a number literal (write ``inf`` for an unbounded value).
MAX_LITERAL = 1e15

_CONSTANTS: dict[str, Any] = {
    "true": True,
    "false": False,
    "True": True,
    "False": False,
    "inf": math.inf,
}


class Kind(StrEnum):
    """The type of a name or sub-expression."""

    NUMBER = "number"
    BOOL = "bool"
    LIST = "list"


Evaluator = Callable[[Mapping[str, Any]], Any]


@dataclass(frozen=True)
class Expression:
    """A parsed, checked expression.

    Attributes
    ----------
    text:
        The source text as the analyst wrote it.
    kind:
        The type of the whole expression (``bool`` for a condition).
    names:
        The names it reads, in first-use order.
    tree:
        The checked syntax tree (used by the scalar reference evaluator).
    """

    text: str
    kind: Kind
    names: tuple[str, ...]
    tree: ast.expr
    _evaluate: Evaluator

    def evaluate(self, env: Mapping[str, Any]) -> Any:
        """Evaluate over an environment of numpy arrays and scalars.

        Every name in :attr:`names` must be a key of ``env``. Arrays must all have the
        same length; scalars broadcast.
        """
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return self._evaluate(env)


def parse_expression(
    text: str,
    names: Mapping[str, Kind],
    *,
    expect: Kind | None = Kind.BOOL,
    where: str = "expression",
) -> Expression:
    """Parse and check ``text`` against the known ``names``.

    Parameters
    ----------
    text:
        The expression source.
    names:
        Every name the expression may use, with its kind.
    expect:
        The kind the whole expression must have (``None`` accepts any).
    where:
        Where the expression comes from (e.g. ``"rule 'high-payout' (when)"``); used as
        the prefix of every error message.

    Raises
    ------
    ExpressionError
        With a message naming ``where``, the offending piece of text and what to do.
    """
    if isinstance(text, bool):
        text = "true" if text else "false"
    if not isinstance(text, str):
        raise ExpressionError(f"{where}: expected an expression as text, got {text!r}")
    source = text.strip()
    if not source:
        raise ExpressionError(f"{where}: the expression is empty")
    if len(source) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError(
            f"{where}: the expression is {len(source)} characters long; "
            f"the limit is {MAX_EXPRESSION_LENGTH}"
        )
    try:
        tree = ast.parse(source, mode="eval").body
    except SyntaxError as exc:
        pointer = f" at column {exc.offset}" if exc.offset else ""
        raise ExpressionError(f"{where}: cannot parse {source!r}{pointer}: {exc.msg}") from None
    node_count = sum(1 for _ in ast.walk(tree))
    if node_count > MAX_NODES:
        raise ExpressionError(
            f"{where}: the expression has {node_count} parts; the limit is {MAX_NODES}"
        )
    compiler = _Compiler(source, names, where)
    kind, evaluate = compiler.compile(tree)
    if expect is not None and kind != expect:
        hint = " (write a comparison, e.g. 'injuries > 0')" if expect == Kind.BOOL else ""
        raise ExpressionError(f"{where}: {source!r} is a {kind}, expected a {expect}{hint}")
    return Expression(source, kind, tuple(compiler.used), tree, evaluate)


def suggest(name: str, candidates: list[str] | tuple[str, ...] | Any) -> str:
    """A ``"; did you mean 'x'?"`` suffix for an unknown name, or an empty string."""
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


class _Compiler:
    def __init__(self, source: str, names: Mapping[str, Kind], where: str) -> None:
        self.source = source
        self.names = names
        self.where = where
        self.used: list[str] = []

    def fail(self, node: ast.AST, message: str) -> ExpressionError:
        piece = ast.get_source_segment(self.source, node) or ""
        at = f" in {piece!r}" if piece and piece != self.source else ""
        return ExpressionError(f"{self.where}: {message}{at} (expression: {self.source!r})")

    def compile(self, node: ast.AST) -> tuple[Kind, Evaluator]:
        method = getattr(self, f"_{type(node).__name__}", None)
        if method is None:
            raise self.fail(node, f"{_describe(node)} is not allowed in a rule expression")
        return method(node)

    # -- leaves -----------------------------------------------------------------------
    def _Constant(self, node: ast.Constant) -> tuple[Kind, Evaluator]:
        value = node.value
        if isinstance(value, bool):
            return Kind.BOOL, lambda env, v=value: v
        if isinstance(value, (int, float)):
            number = self._literal(node, value)
            return Kind.NUMBER, lambda env, v=number: v
        raise self.fail(node, f"the literal {value!r} is not allowed (only numbers and true/false)")

    def _Name(self, node: ast.Name) -> tuple[Kind, Evaluator]:
        name = node.id
        if name in self.names:
            if name not in self.used:
                self.used.append(name)
            return self.names[name], lambda env, n=name: env[n]
        if name in _CONSTANTS:
            value = _CONSTANTS[name]
            kind = Kind.BOOL if isinstance(value, bool) else Kind.NUMBER
            return kind, lambda env, v=value: v
        known = sorted(set(self.names) | {"true", "false", "inf"})
        raise self.fail(node, f"unknown name {name!r}{suggest(name, known)}")

    def _List(self, node: ast.List | ast.Tuple) -> tuple[Kind, Evaluator]:
        values = []
        for element in node.elts:
            negative = isinstance(element, ast.UnaryOp) and isinstance(element.op, ast.USub)
            inner = element.operand if negative else element
            ok = isinstance(inner, ast.Constant) and isinstance(inner.value, (int, float))
            if not ok or isinstance(inner.value, bool):
                raise self.fail(element, "a list may hold only number literals")
            number = self._literal(inner, inner.value)
            values.append(-number if negative else number)
        frozen = tuple(values)
        return Kind.LIST, lambda env, v=frozen: v

    _Tuple = _List

    # -- operators ----------------------------------------------------------------------
    def _BoolOp(self, node: ast.BoolOp) -> tuple[Kind, Evaluator]:
        parts = [self._boolean(value, "and/or") for value in node.values]
        combine = np.logical_and if isinstance(node.op, ast.And) else np.logical_or

        def evaluate(env: Mapping[str, Any]) -> Any:
            result = parts[0](env)
            for part in parts[1:]:
                result = combine(result, part(env))
            return result

        return Kind.BOOL, evaluate

    def _UnaryOp(self, node: ast.UnaryOp) -> tuple[Kind, Evaluator]:
        if isinstance(node.op, ast.Not):
            operand = self._boolean(node.operand, "not")
            return Kind.BOOL, lambda env: np.logical_not(operand(env))
        if isinstance(node.op, (ast.USub, ast.UAdd)):
            operand = self._number(node.operand, "a sign")
            if isinstance(node.op, ast.UAdd):
                return Kind.NUMBER, operand
            return Kind.NUMBER, lambda env: np.negative(operand(env))
        raise self.fail(node, f"{_describe(node.op)} is not allowed")

    def _BinOp(self, node: ast.BinOp) -> tuple[Kind, Evaluator]:
        operations: dict[type, Callable[[Any, Any], Any]] = {
            ast.Add: np.add,
            ast.Sub: np.subtract,
            ast.Mult: np.multiply,
            ast.Div: _divide,
        }
        if isinstance(node.op, ast.Pow):
            exponent = node.right
            negative = isinstance(exponent, ast.UnaryOp) and isinstance(exponent.op, ast.USub)
            literal = exponent.operand if negative else exponent
            if not (
                isinstance(literal, ast.Constant)
                and isinstance(literal.value, (int, float))
                and not isinstance(literal.value, bool)
                and abs(literal.value) <= MAX_EXPONENT
            ):
                raise self.fail(
                    node,
                    f"'**' needs a number literal exponent between -{MAX_EXPONENT} "
                    f"and {MAX_EXPONENT}",
                )
            power = -float(literal.value) if negative else float(literal.value)
            base = self._number(node.left, "'**'")
            return Kind.NUMBER, lambda env: np.power(np.asarray(base(env), dtype=float), power)
        operation = operations.get(type(node.op))
        if operation is None:
            raise self.fail(node, f"the operator {_describe(node.op)} is not allowed")
        left = self._number(node.left, "arithmetic")
        right = self._number(node.right, "arithmetic")
        return Kind.NUMBER, lambda env: operation(left(env), right(env))

    def _Compare(self, node: ast.Compare) -> tuple[Kind, Evaluator]:
        comparisons: dict[type, Callable[[Any, Any], Any]] = {
            ast.Lt: np.less,
            ast.LtE: np.less_equal,
            ast.Gt: np.greater,
            ast.GtE: np.greater_equal,
            ast.Eq: np.equal,
            ast.NotEq: _not_equal,
        }
        left_kind, left = self.compile(node.left)
        operands = [left]
        kinds = [left_kind]
        for comparator in node.comparators:
            kind, right = self.compile(comparator)
            operands.append(right)
            kinds.append(kind)
        checks: list[Callable[[Any, Any], Any]] = []
        for index, op in enumerate(node.ops):
            left_kind, right_kind = kinds[index], kinds[index + 1]
            if isinstance(op, (ast.In, ast.NotIn)):
                if left_kind != Kind.NUMBER or right_kind != Kind.LIST:
                    raise self.fail(node, "'in' needs a number on the left and a list on the right")
                negate = isinstance(op, ast.NotIn)
                checks.append(lambda a, b, negate=negate: _member(a, b, negate))
                continue
            compare = comparisons.get(type(op))
            if compare is None:
                raise self.fail(node, f"the comparison {_describe(op)} is not allowed")
            if Kind.LIST in (left_kind, right_kind):
                raise self.fail(node, "a list can only stand after 'in'")
            if left_kind != right_kind or (
                left_kind == Kind.BOOL and not isinstance(op, (ast.Eq, ast.NotEq))
            ):
                raise self.fail(node, f"cannot compare a {left_kind} with a {right_kind}")
            checks.append(compare)

        def evaluate(env: Mapping[str, Any]) -> Any:
            values = [operand(env) for operand in operands]
            result = checks[0](values[0], values[1])
            for index in range(1, len(checks)):
                result = np.logical_and(result, checks[index](values[index], values[index + 1]))
            return result

        return Kind.BOOL, evaluate

    def _Call(self, node: ast.Call) -> tuple[Kind, Evaluator]:
        functions = {"min": np.minimum, "max": np.maximum, "abs": np.abs}
        if not isinstance(node.func, ast.Name) or node.func.id not in functions:
            name = node.func.id if isinstance(node.func, ast.Name) else _describe(node.func)
            raise self.fail(
                node, f"calling {name} is not allowed; the functions are min, max and abs"
            )
        if node.keywords:
            raise self.fail(node, "functions take no keyword arguments")
        name = node.func.id
        arguments = [self._number(argument, f"{name}()") for argument in node.args]
        if name == "abs":
            if len(arguments) != 1:
                raise self.fail(node, "abs() takes exactly one argument")
            only = arguments[0]
            return Kind.NUMBER, lambda env: np.abs(only(env))
        if len(arguments) < 2:
            raise self.fail(node, f"{name}() takes two or more arguments")
        reduce = functions[name]

        def evaluate(env: Mapping[str, Any]) -> Any:
            result = arguments[0](env)
            for argument in arguments[1:]:
                result = reduce(result, argument(env))
            return result

        return Kind.NUMBER, evaluate

    # -- helpers ------------------------------------------------------------------------
    def _literal(self, node: ast.AST, value: int | float) -> float:
        """A number literal as a float, refusing one beyond MAX_LITERAL or not finite."""
        if isinstance(value, int) and abs(value) > MAX_LITERAL:
            # Not quoted: the literal may be hundreds of digits long.
            raise ExpressionError(
                f"{self.where}: a number literal of {len(str(abs(value)))} digits is out of "
                f"range (at most {MAX_LITERAL:g} in magnitude; write inf for an unbounded value)"
            )
        if not math.isfinite(value) or abs(value) > MAX_LITERAL:
            shown = f"{value:g}" if math.isfinite(value) else "(beyond a float's range)"
            raise self.fail(
                node,
                f"the literal {shown} is out of range (at most {MAX_LITERAL:g} in magnitude; "
                "write inf for an unbounded value)",
            )
        return float(value)

    def _boolean(self, node: ast.AST, context: str) -> Evaluator:
        kind, evaluate = self.compile(node)
        if kind != Kind.BOOL:
            raise self.fail(
                node,
                f"{context} needs conditions on both sides, got a {kind}; "
                "write a comparison such as 'injuries > 0'",
            )
        return evaluate

    def _number(self, node: ast.AST, context: str) -> Evaluator:
        kind, evaluate = self.compile(node)
        if kind != Kind.NUMBER:
            raise self.fail(node, f"{context} needs a number, got a {kind}")
        return evaluate


def _divide(a: Any, b: Any) -> Any:
    return np.true_divide(a, b)


def _not_equal(a: Any, b: Any) -> Any:
    # NaN compares false everywhere, including '!=' (SQL semantics).
    result = np.not_equal(a, b)
    return np.logical_and(result, np.logical_not(np.logical_or(_isnan(a), _isnan(b))))


def _isnan(a: Any) -> Any:
    if isinstance(a, bool) or (isinstance(a, np.ndarray) and a.dtype == bool):
        return False
    return np.isnan(a)


def _member(value: Any, options: tuple[float, ...], negate: bool) -> Any:
    found = np.isin(value, np.asarray(options, dtype=float))
    if negate:
        return np.logical_and(np.logical_not(found), np.logical_not(np.isnan(value)))
    return found


def _describe(node: ast.AST) -> str:
    descriptions = {
        "Attribute": "attribute access ('.')",
        "Subscript": "indexing ('[...]')",
        "Lambda": "a lambda",
        "Call": "a function call",
        "ListComp": "a comprehension",
        "GeneratorExp": "a generator",
        "Starred": "'*'",
        "IfExp": "'... if ... else ...'",
        "Mod": "'%'",
        "FloorDiv": "'//'",
        "BitAnd": "'&' (write 'and')",
        "BitOr": "'|' (write 'or')",
        "BitXor": "'^'",
        "Invert": "'~' (write 'not')",
        "Is": "'is' (write '==')",
        "IsNot": "'is not' (write '!=')",
        "NamedExpr": "':='",
        "JoinedStr": "a string",
        "Dict": "a dict",
        "Set": "a set",
        "Await": "await",
    }
    name = type(node).__name__
    return descriptions.get(name, f"'{name}'")
