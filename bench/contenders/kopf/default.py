"""Kopf 1.44 with its default settings: one create handler returning a small result."""
from bench_handlers import created  # noqa: F401  (registers the handler)
