"""Tools for policy analysts, a layer above the engine: variants and sweeps, comparison of
tables, calibration, backtests, small-employer diagnostics and plots.

Each job is one module; the engine never imports this package::

    from ratefloat.analysis import compare, sweep, calibrate, backtest
"""

from .backtests import Backtest, backtest
from .calibration import Calibration, calibrate
from .comparison import Comparison, compare
from .credibility import CREDIBILITY_EXAMPLE, injury_cost, surcharge_by_size
from .population import Population
from .sweeps import sweep

__all__ = [
    "Population",
    "sweep",
    "compare",
    "Comparison",
    "calibrate",
    "Calibration",
    "backtest",
    "Backtest",
    "surcharge_by_size",
    "injury_cost",
    "CREDIBILITY_EXAMPLE",
]
