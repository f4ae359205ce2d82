"""Hand-written baselines of the Jiangsu 2023 rule, raced against ``ratefloat.rerate()``.

Each module implements the same rule (see :mod:`baselines.rule`) in one idiom and exposes
plain functions ``frame -> DataFrame[employer_id, grade, multiplier, rate]`` sorted by
``employer_id`` (and, where the engine can read files itself, ``path -> DataFrame``).
"""
