"""One text decoder for every file a person hands the service: the command line's register and agenda CSVs, and
the web app's uploaded agendas and registers.

A byte-order mark decides first (UTF-8, or UTF-16 as Excel's "Unicode text" writes it); without one, UTF-8 is
tried, then Windows-1252 (what Excel on Windows writes for "CSV": it covers £ and the en dash, and any text in it
that is also valid UTF-8 is almost always ASCII)."""

from __future__ import annotations

import codecs


class UndecodableText(ValueError):
    """Bytes that are text in none of the encodings tried; ``offset`` is the first byte that fails."""

    def __init__(self, data: bytes, offset: int, encoding: str):
        self.offset = offset
        self.byte = data[offset] if offset < len(data) else None
        self.line = data[:offset].count(b"\n") + 1
        self.encoding = encoding
        byte = f"byte 0x{self.byte:02x}" if self.byte is not None else "the end"
        super().__init__(f"not valid {encoding} ({byte} at offset {offset})")


def decode_text(data: bytes) -> str:
    """The text of ``data``: UTF-8 or UTF-16 after their byte-order mark, else UTF-8, else Windows-1252.

    Raises :class:`UndecodableText` for bytes that are none of these: a file starting with a byte-order mark must
    be that encoding throughout, and a file without one must be UTF-8 or Windows-1252 (whose five unused bytes
    0x81, 0x8d, 0x8f, 0x90, 0x9d mark it as something else)."""
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8")
        except UnicodeDecodeError as error:
            raise UndecodableText(data, error.start + len(codecs.BOM_UTF8), "UTF-8") from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise UndecodableText(data, error.start, "UTF-16") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as utf8_error:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            raise UndecodableText(data, utf8_error.start, "UTF-8 or Windows-1252") from None
