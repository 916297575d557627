"""Text normalisation and the content hash that identifies a document.

The same summary reposted on another site arrives with other indentation, other line breaks and
full-width instead of half-width punctuation. The hash is taken over a form of the body in which
all of that agrees, so the reposts count as one document with many sightings.
"""

from __future__ import annotations

import functools
import hashlib
import re
import struct
import unicodedata

_WHITESPACE = re.compile(r"\s+", re.UNICODE)
# Characters that are invisible on the page but survive NFKC: zero-width spaces and joiners,
# the BOM used as a zero-width no-break space, and soft hyphens.
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")


@functools.lru_cache(maxsize=16)  # a new document's body is normalised for its hash and shingles
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


# --- near-duplicates ---------------------------------------------------------------------------
#
# Reposts of one summary differ by an editor's note, a dropped paragraph, a corrected figure or
# another ending, so their hashes differ. They are recognised by their character shingles (runs
# of SHINGLE characters, punctuation and whitespace removed): a repost contains most of the
# shingles of the shorter text. Every shingle hash that falls in 1/SAMPLE_MOD of the hash space
# is kept as a sample; documents sharing samples are candidates, and a candidate is linked when
# the exact containment of the full shingle sets reaches FAMILY_CONTAINMENT.

SHINGLE = 5
SAMPLE_MOD = 16
FAMILY_CONTAINMENT = 0.5
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


def shingles(text: str, size: int = SHINGLE) -> set[int]:
    """The hashes (signed 64-bit, as SQLite stores integers) of the text's character shingles."""
    letters = _NOT_WORD.sub("", normalise(text))
    if len(letters) < size:
        letters = letters.ljust(size, "\0") if letters else ""
    count = max(0, len(letters) - size + 1)
    blake2b = hashlib.blake2b
    # each shingle's 8-byte BLAKE2b digest, read as a big-endian signed integer; the digests are
    # read in one call (a third of the time of reading them one by one)
    digests = b"".join(
        [
            blake2b(letters[i : i + size].encode("utf-8"), digest_size=8).digest()
            for i in range(count)
        ]
    )
    return set(struct.unpack(f">{count}q", digests))


def samples(hashes: set[int]) -> set[int]:
    """The shingle hashes kept for finding candidates: the same shingle is kept in every text."""
    return {value for value in hashes if value % SAMPLE_MOD == 0}


def containment(a: set[int], b: set[int]) -> float:
    """How much of the smaller shingle set is in the other: 1.0 for a text inside another."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))
