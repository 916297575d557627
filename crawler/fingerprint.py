"""Text normalisation and the content hash that identifies a document.

The same summary reposted on another site arrives with other indentation, other line breaks and
full-width instead of half-width punctuation. The hash is taken over a form of the body in which
all of that agrees, so the reposts count as one document with many sightings.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

_WHITESPACE = re.compile(r"\s+", re.UNICODE)
# Characters that are invisible on the page but survive NFKC: zero-width spaces and joiners,
# the BOM used as a zero-width no-break space, and soft hyphens.
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")


def normalise(text: str) -> str:
    """Return the hashing form of ``text``.

    NFKC folds full-width letters, digits and punctuation (，：（）) to their half-width forms and
    the ideographic space (U+3000, the 　　 paragraph indent) to a plain space; every kind of
    whitespace is then removed, because Chinese text has no spaces between words and line breaks
    depend only on the template.
    """
    folded = unicodedata.normalize("NFKC", text)
    folded = _INVISIBLE.sub("", folded)
    return _WHITESPACE.sub("", folded)


def content_hash(body: str) -> str:
    """SHA-256 (hex) of the normalised body: the identity of a document in the archive."""
    return hashlib.sha256(normalise(body).encode("utf-8")).hexdigest()
