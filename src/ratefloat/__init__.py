"""ratefloat: floating work-injury premium rates (工伤保险费率浮动) from rule tables.

The data flow, one module per step::

    extract → schema (validate) → window (aggregate) → indicators → rules (tables)
            → engine (grades, rates) → result (rated, rejects, reasons) → reports

Start with :func:`rerate`::

    import ratefloat
    result = ratefloat.rerate(extract, rules="cn-jiangsu-2023", as_of="2025-01-01")
    result.rated, result.rejects, result.summary(), result.explain("E000123")

For analysts, :mod:`ratefloat.analysis`: ``compare``, ``sweep``, ``calibrate``,
``backtest`` (also here), credibility diagnostics and plots.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from .analysis import backtest, calibrate, compare, sweep
    from .classification import classify, list_classifications, load_classification
    from .errors import (
        ExpressionError,
        ParameterError,
        RateFloatError,
        RejectReason,
        RuleTableError,
        SchemaError,
    )
    from .examples import load_example
    from .rerate import required_columns, rerate
    from .result import Explanation, RerateResult
    from .rounding import round_half_up, round_money
    from .rules import (
        RuleTable,
        TableInfo,
        list_tables,
        load_table,
        rule_table_json_schema,
        table_hash,
    )

# The public names load their modules on first use, so that ``ratefloat --version`` and
# ``import ratefloat`` do not pay for numpy and pandas until something needs them.
_EXPORTS = {
    "classify": ".classification",
    "list_classifications": ".classification",
    "load_classification": ".classification",
    "ExpressionError": ".errors",
    "ParameterError": ".errors",
    "RateFloatError": ".errors",
    "RejectReason": ".errors",
    "RuleTableError": ".errors",
    "SchemaError": ".errors",
    "load_example": ".examples",
    "required_columns": ".rerate",
    "rerate": ".rerate",
    "Explanation": ".result",
    "RerateResult": ".result",
    "round_half_up": ".rounding",
    "round_money": ".rounding",
    "RuleTable": ".rules",
    "TableInfo": ".rules",
    "list_tables": ".rules",
    "load_table": ".rules",
    "rule_table_json_schema": ".rules",
    "table_hash": ".rules",
    # The analysts' layer sits above the engine; the engine modules never import it.
    "compare": ".analysis",
    "sweep": ".analysis",
    "calibrate": ".analysis",
    "backtest": ".analysis",
}


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name], __name__), name)
    else:
        try:
            value = importlib.import_module(f".{name}", __name__)
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise  # the submodule exists but needs something missing: say what
            raise AttributeError(f"module 'ratefloat' has no attribute {name!r}") from None
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


class _Package(types.ModuleType):
    """Importing the submodule ``ratefloat.rerate`` must not hide the function ``rerate``
    (the import system sets a package attribute for each submodule it loads)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _EXPORTS and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package

__all__ = [
    "__version__",
    "rerate",
    "RerateResult",
    "Explanation",
    "load_table",
    "list_tables",
    "RuleTable",
    "TableInfo",
    "table_hash",
    "rule_table_json_schema",
    "required_columns",
    "classify",
    "load_classification",
    "list_classifications",
    "load_example",
    "round_half_up",
    "round_money",
    "RejectReason",
    "RateFloatError",
    "SchemaError",
    "RuleTableError",
    "ExpressionError",
    "ParameterError",
    "compare",
    "sweep",
    "calibrate",
    "backtest",
]
