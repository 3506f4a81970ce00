"""Parse the seed documents (plain-text scrapes of ML interview collections).

Pure Python, no Django: ``questions/importer.py`` turns the result into rows.

- ``parse_document(filename, text) -> list[SeedItem]``: one document's items.
- ``build_bank(documents)``: all documents' items merged into questions.
- ``dedup_key(title)``: the key that makes the same question one row.
- ``prompt_for(title, kind)``: how a topic to explain is phrased ("Explain: ...").
- ``TOPICS``: the fixed topic vocabulary.
"""

from .bank import (
    REFERENCE_SEPARATOR,
    BankQuestion,
    DocumentStats,
    SourceRef,
    build_bank,
    fold_rewordings,
)
from .normalize import dedup_key, prompt_for
from .parsers import SeedFormatError, SeedItem, detect_format, parse_document
from .topics import TOPICS, Topic

__all__ = [
    "REFERENCE_SEPARATOR",
    "TOPICS",
    "BankQuestion",
    "DocumentStats",
    "SeedFormatError",
    "SeedItem",
    "SourceRef",
    "Topic",
    "build_bank",
    "fold_rewordings",
    "dedup_key",
    "detect_format",
    "parse_document",
    "prompt_for",
]
