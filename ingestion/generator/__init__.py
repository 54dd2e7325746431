"""Seeded sample-data generator: the stand-in for the platforms, and the keeper of the truth.

It writes platform report files under a landing folder exactly as the platforms would deliver
them, plus ``manifest.json`` with the true totals per file. Tests read their expectations
from that manifest, never from the pipeline's own parsers.
"""

from ingestion.generator.params import GeneratorParams
from ingestion.generator.writer import generate

__all__ = ["GeneratorParams", "generate"]
