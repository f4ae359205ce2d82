"""Shared test configuration: hypothesis profiles (fast in CI, expensive on demand)."""

from ratefloat.testing import register_profiles

register_profiles()
