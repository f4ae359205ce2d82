"""Variants of a rule table: other parameter values, scaled base rates.

Every variant is a new, validated table (:meth:`RuleTable.with_changes`), so it carries
its own content hash; nothing is patched in place.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import ParameterError
from ..expr import suggest
from ..rules.model import RuleTable

__all__ = ["BASE_RATE_SCALE", "with_base_rate_scale", "with_parameter_defaults", "grid_points"]

#: The name that scales every base rate (classes and dated schedules) in a sweep or a
#: calibration, next to the table's own parameters.
BASE_RATE_SCALE = "base_rate_scale"


def with_base_rate_scale(table: RuleTable, factor: float) -> RuleTable:
    """The table with every base rate (class rates and dated schedules) times ``factor``."""
    changes: dict[str, Any] = {
        f"classes.{number}.base_rate": spec.base_rate * factor
        for number, spec in table.classes.items()
    }
    for position, schedule in enumerate(table.base_rates):
        if schedule.rates:
            changes[f"base_rates.{position}.rates"] = {
                str(k): v * factor for k, v in schedule.rates.items()
            }
    changes["version"] = f"{table.version} (base rates × {factor:.6g})"
    return table.with_changes(changes)


def with_parameter_defaults(table: RuleTable, values: Mapping[str, Any]) -> RuleTable:
    """The table with these parameters' defaults set to ``values``."""
    check_names(table, values)
    said = ", ".join(f"{k}={v!r}" for k, v in values.items())
    changes: dict[str, Any] = {f"parameters.{k}.default": v for k, v in values.items()}
    changes["version"] = f"{table.version} ({said})"
    return table.with_changes(changes)


def check_names(table: RuleTable, names: Mapping[str, Any] | Sequence[str]) -> None:
    """Raise :class:`ParameterError` for a name that is not a parameter of ``table``."""
    for name in names:
        if name != BASE_RATE_SCALE and name not in table.parameters:
            known = ", ".join([BASE_RATE_SCALE, *sorted(table.parameters)])
            raise ParameterError(
                f"table {table.id!r} has no parameter {name!r}"
                f"{suggest(name, [BASE_RATE_SCALE, *table.parameters])}; it can vary: {known}"
            )


def grid_points(grid: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Every combination of the grid's values, in the grid's order (last name fastest)."""
    if not grid:
        raise ParameterError("grid is empty: give {'name': [value, ...]}")
    for name, values in grid.items():
        if isinstance(values, (str, bytes)) or not len(values):
            raise ParameterError(f"grid[{name!r}] must be a non-empty list of values")
    names = list(grid)
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*grid.values())]
