"""The shipped seed documents on disk, their metadata, and reading documents safely."""

import json
from pathlib import Path

from .parsers import SeedFormatError

SEED_DIR = Path(__file__).resolve().parent.parent / "seed_data"
METADATA_FILE = SEED_DIR / "sources.json"
# The reviewed list of reworded duplicates to merge (questions.seeds.bank.fold_rewordings).
MERGES_FILE = SEED_DIR / "merges.json"


def default_paths() -> list[Path]:
    """The shipped documents, in file-name order (the order their questions are merged in)."""
    return sorted(SEED_DIR.glob("*.txt"))


def read_documents(paths: list[Path]) -> list[tuple[str, str]]:
    """(file name, text) for each path; unreadable, non-UTF-8 or duplicate files raise SeedFormatError."""
    documents, seen = [], set()
    for path in map(Path, paths):
        if path.name in seen:
            raise SeedFormatError(
                path.name, "given twice (documents are told apart by file name)"
            )
        seen.add(path.name)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise SeedFormatError(
                str(path), f"can't read the file ({exc.strerror})"
            ) from exc
        try:
            documents.append((path.name, raw.decode("utf-8")))
        except UnicodeDecodeError as exc:
            raise SeedFormatError(
                path.name, f"not UTF-8 text (invalid byte at offset {exc.start})"
            ) from exc
    return documents


def load_metadata(path: Path = METADATA_FILE) -> dict[str, dict]:
    """sources.json by file name: slug, title, description, origin and url of each shipped document."""
    return {
        entry["filename"]: entry
        for entry in json.loads(path.read_text(encoding="utf-8"))
    }


def load_merges(path: Path = MERGES_FILE) -> list[dict]:
    """merges.json's entries: {"keep": member, "merge": [member, ...]}, each member a
    {"document", "title"} (and the "line" it was read at); none when the file is absent."""
    if not path.exists():
        return []
    return json.loads(path.read_text(encoding="utf-8"))["merges"]
