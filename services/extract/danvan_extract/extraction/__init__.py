"""The extraction engine: pure functions from a report's text to an ``Extraction``.

from danvan_extract.extraction import extract_report, EXTRACTOR_VERSION
"""

from .engine import EXTRACTOR_VERSION, extract_report

__all__ = ["EXTRACTOR_VERSION", "extract_report"]
