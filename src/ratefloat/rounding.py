"""Rounding half up (四舍五入), vectorised, as the decimal number a person reads.

``round_half_up(x, 2)`` rounds to the fen: 0.125 → 0.13 and 2.675 → 2.68, exactly like
``decimal.Decimal(repr(x)).quantize(Decimal("0.01"), ROUND_HALF_UP)``. numpy's ``round``
does banker's rounding on the binary value instead (2.675 → 2.67, because 2.675 is stored
as 2.67499999999999982236431605997495353221893310546875); that is not what a premium
notice means.

The method: scale by 10**decimals and round to nearest in numpy. Only values whose scaled
fraction lies within a few units in the last place of one half are ambiguous in binary;
those few are rounded with :mod:`decimal` from their shortest decimal representation, so
the result is exact for every input while the bulk stays vectorised.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import numpy as np

__all__ = ["round_half_up", "round_money"]

# Scaled values this many ulps from a half are settled by decimal arithmetic.
_AMBIGUOUS_ULPS = 16


def round_half_up(values: np.ndarray | float, decimals: int) -> np.ndarray:
    """Round to ``decimals`` places, halves away from zero; NaN and inf unchanged.

    Parameters
    ----------
    values:
        Numbers (any shape).
    decimals:
        Places after the decimal point (0..12).

    Examples
    --------
    >>> round_half_up(np.array([0.125, 2.675, -0.125, 1.005]), 2).tolist()
    [0.13, 2.68, -0.13, 1.01]
    """
    x = np.asarray(values, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return _round_half_up(x, decimals)


def _round_half_up(x: np.ndarray, decimals: int) -> np.ndarray:
    scale = 10.0**decimals
    scaled = x * scale
    magnitude = np.abs(scaled)
    whole = np.floor(magnitude)
    fraction = magnitude - whole
    rounded = np.copysign(whole + (fraction >= 0.5), scaled) / scale
    finite = np.isfinite(x)
    # From 2**52 on every scaled float is a whole number: nothing left to round.
    exact = ~finite | (magnitude >= 2.0**52)
    result = np.where(exact, x, rounded)
    ambiguous = ~exact & (np.abs(fraction - 0.5) <= _AMBIGUOUS_ULPS * np.spacing(magnitude))
    if ambiguous.any():
        quantum = Decimal(1).scaleb(-decimals)
        flat = result.reshape(-1)
        for position in np.flatnonzero(ambiguous.reshape(-1)):
            exact_decimal = Decimal(repr(float(x.reshape(-1)[position])))
            flat[position] = float(exact_decimal.quantize(quantum, rounding=ROUND_HALF_UP))
        result = flat.reshape(result.shape)
    return result if result.ndim else result[()]


def round_money(amounts: np.ndarray | float, decimals: int = 2) -> np.ndarray:
    """Round yuan amounts half up to the fen (``decimals=2``)."""
    return round_half_up(amounts, decimals)
