"""The package version, importable without loading numpy or pandas."""

__version__ = "0.1.0"
