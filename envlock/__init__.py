"""envlock: reproducible conda environments for machine-learning research."""

__version__ = "0.1.0"
