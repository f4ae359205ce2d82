"""Rounding half up (四舍五入), vectorised, as the decimal number a person reads.

``round_half_up(x, 2)`` rounds to the fen: 0.125 → 0.13 and 2.675 → 2.68, exactly like
``decimal.Decimal(repr(x)).quantize(Decimal("0.01"), ROUND_HALF_UP)``. numpy's ``round``
rounds halves to even (0.125 → 0.12), and Python's ``round`` works on the binary value
(2.675 is stored as 2.67499999999999982236431605997495353221893310546875, so → 2.67);
neither is what a premium notice means.

The method, exact while the spacing of doubles near x is far below 10**-d: with
``w = floor(|x| × 10**d)``, the half-way point between ``w`` and ``w + 1`` is the decimal
``(2w + 1) / (2 × 10**d)``. IEEE division of these two exactly representable integers
gives the double nearest to that decimal, so ``x`` lies at or above the half-way point,
as a decimal, exactly when ``|x|`` is at least that double.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal

import numpy as np

__all__ = ["round_half_up", "round_money"]

_BLOCK = 1 << 18

# Largest spacing of doubles, in quanta, for which the vectorised test is exact.
_COARSE_SPACING = 1e-3

# Enough digits for any finite double (up to 309 before the point) plus 15 decimals: the
# default context's 28 would make quantize() fail from about 1e26 on.
_EXACT = Context(prec=330, rounding=ROUND_HALF_UP)


def round_half_up(values: np.ndarray | float, decimals: int) -> np.ndarray:
    """Round to ``decimals`` places, halves away from zero; NaN and inf unchanged.

    Parameters
    ----------
    values:
        Numbers (any shape).
    decimals:
        Places after the decimal point (0..15).

    Examples
    --------
    >>> round_half_up(np.array([0.125, 2.675, -0.125, 1.005]), 2).tolist()
    [0.13, 2.68, -0.13, 1.01]
    """
    if not 0 <= decimals <= 15:
        raise ValueError(f"decimals must be between 0 and 15, got {decimals}")
    x = np.asarray(values, dtype=np.float64)
    if x.ndim == 1 and len(x) > _BLOCK:
        # Cache-sized blocks: the temporaries are reused instead of paged in afresh.
        out = np.empty_like(x)
        for start in range(0, len(x), _BLOCK):
            out[start : start + _BLOCK] = round_half_up(x[start : start + _BLOCK], decimals)
        return out
    scale = 10.0**decimals
    with np.errstate(invalid="ignore", over="ignore"):
        magnitude = np.abs(x)
        whole = np.floor(magnitude * scale)
        half_way = (2.0 * whole + 1.0) / (2.0 * scale)
        rounded = np.copysign((whole + (magnitude >= half_way)) / scale, x)
        exact = ~np.isfinite(x)
    result = np.where(exact, x, rounded)
    # The argument above needs the spacing of doubles near x to be far below the quantum
    # 10**-d. Beyond about 4.5e12 quanta (45 billion yuan at the fen) it is not; those rare
    # values are rounded from their shortest decimal representation instead.
    with np.errstate(over="ignore"):
        coarse = ~exact & (np.spacing(magnitude) * scale > _COARSE_SPACING)
    if coarse.any():
        quantum = Decimal(1).scaleb(-decimals)
        flat = result.reshape(-1)
        for position in np.flatnonzero(coarse.reshape(-1)):
            shortest = Decimal(repr(float(x.reshape(-1)[position])))
            flat[position] = float(shortest.quantize(quantum, context=_EXACT))
        result = flat.reshape(result.shape)
    return result if result.ndim else result[()]


def round_money(amounts: np.ndarray | float, decimals: int = 2) -> np.ndarray:
    """Round yuan amounts half up to the fen (``decimals=2``)."""
    return round_half_up(amounts, decimals)
