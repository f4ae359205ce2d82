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
from .rules import RuleTable, TableInfo, list_tables, load_table, rule_table_json_schema, table_hash

__version__ = "0.1.0"

# The analysts' layer sits above the engine; the engine modules never import it.
from .analysis import backtest, calibrate, compare, sweep  # noqa: E402

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
