"""Why a document file could not be read."""

from __future__ import annotations


class Unreadable(Exception):
    """A document file that gives no text. ``kind`` is what the archive records (crawl_errors.kind):
    encrypted, no_text (a scanned, image-only PDF), corrupt_file, file_too_large (a decompression
    bomb, or a reader past its memory limit), not_a_document (the server sent something else),
    unreadable_format (no reader for it installed here), read_timeout, garbled_text (fonts that
    give no Unicode for the text: an embedded subset without a ToUnicode map)."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind
        self.message = message
