"""Benchmarks of the engine against PyTorch CPU (run `python -m bench`; not a test).

`workloads.py` holds the registry of training workloads; add one with `@register`.
"""
