"""The single place the Strata version is defined."""

__version__ = "0.1.0"
