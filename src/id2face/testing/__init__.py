"""Helpers for tests (of this package and of its users): tiny models and datasets, seconds on a CPU.

Kept out of model/ and training/ so that neither ships test scaffolding beside its real code.
"""
