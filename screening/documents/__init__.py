"""Reading the documents a committee secretary has: agendas in CSV, text, Word and PDF (:mod:`.agenda`), and the
one text decoder every uploaded or command-line text file goes through (:mod:`.decoding`). Nothing here knows
about matching: the engine only ever sees the items read."""

from .agenda import (
    MAX_COMPRESSION_RATIO,
    MAX_EXTRACTED_CHARS,
    MAX_LINES,
    MAX_PDF_PAGES,
    MAX_UNCOMPRESSED_BYTES,
    MAX_ZIP_ENTRIES,
    DocumentError,
    ParsedItem,
    parse_agenda_text,
    read_agenda_document,
)
from .decoding import UndecodableText, decode_text

__all__ = [
    "DocumentError",
    "MAX_COMPRESSION_RATIO",
    "MAX_EXTRACTED_CHARS",
    "MAX_LINES",
    "MAX_PDF_PAGES",
    "MAX_UNCOMPRESSED_BYTES",
    "MAX_ZIP_ENTRIES",
    "ParsedItem",
    "UndecodableText",
    "decode_text",
    "parse_agenda_text",
    "read_agenda_document",
]
