"""Where each page's and document's date was read from."""

from __future__ import annotations

import sqlite_utils


def migrate(db: sqlite_utils.Database) -> None:
    # The evidence of the date (crawler/extract: "under the headline", "sign-off in the text",
    # "document metadata (no date printed)"): a file dated only by its metadata (when the file or
    # its template was made) is told from one that prints its date. Rows archived before stay NULL
    # until `crawler reprocess` reads their stored copies again.
    db.execute("ALTER TABLE pages ADD COLUMN published_from TEXT")
    db.execute("ALTER TABLE documents ADD COLUMN published_from TEXT")
