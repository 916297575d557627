"""Bytes to text for pages whose declared charset cannot be trusted.

Chinese government sites declare gb2312 while serving characters outside it, declare nothing at
all, or declare utf-8 in a template that an editor saved as GBK. The decoder tries the evidence in
order of trust (BOM, HTTP header, meta tag) and checks it against the bytes; the choice and the
reason for it are returned so they can be recorded with the page.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field, replace

from w3lib.encoding import read_bom, resolve_encoding

# Labels Chinese sites use that the WHATWG table (w3lib's resolve_encoding) does not list.
_EXTRA_LABELS = {"x-gbk": "gb18030", "csgb2312": "gb18030", "unicode-1-1-utf-8": "utf-8"}
# Codecs read as the superset a Chinese page needs: w3lib up to 2.5 named gb18030 for gb2312 and
# gbk labels, 2.6 names Python's gbk, which loses every character outside GBK.
_SUPERSETS = {"gbk": "gb18030", "gb2312": "gb18030", "euc_cn": "gb18030"}

_META_CHARSET = re.compile(
    rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.IGNORECASE
)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_\-.]+)""", re.IGNORECASE)
_SNIFF_BYTES = 8192


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # the Python codec used, e.g. "gb18030" or "utf-8"
    reason: str  # why that codec, in words a user can check against the page
    # the page's bytes when they are the text's UTF-8 as they stand (read strictly as UTF-8):
    # what the text is parsed from without encoding it again
    utf8: bytes | None = field(default=None, repr=False, compare=False)

    def describe(self) -> str:
        return f"{self.encoding} ({self.reason})"


def canonical_encoding(label: str | None) -> str | None:
    """The codec that reads a charset label best, or None when none is known. The WHATWG table
    reads gb2312 and gbk as gb18030, a superset, so characters a site's editor typed outside the
    declared set (common in names: 堃, 祎, 昇) still decode."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    codec = _EXTRA_LABELS.get(label) or resolve_encoding(label)
    codec = _SUPERSETS.get(codec, codec)
    # "replacement": WHATWG's codec for labels it refuses (hz-gb-2312, iso-2022-cn), which w3lib up
    # to 2.5 read as Python's hz; the page's bytes decide instead
    if codec in (None, "replacement", "hz"):
        return None
    try:
        codecs.lookup(codec)
    except LookupError:
        return None
    return codec


def charset_from_content_type(content_type: str | bytes | None) -> str | None:
    """The charset parameter of a Content-Type header value, if any."""
    if not content_type:
        return None
    if isinstance(content_type, bytes):
        content_type = content_type.decode("latin-1")
    match = re.search(r"charset\s*=\s*[\"']?([A-Za-z0-9_\-:.]+)", content_type, re.IGNORECASE)
    return match.group(1) if match else None


def sniff_meta_charset(body: bytes) -> str | None:
    """The charset named by a <meta> tag or an XML declaration near the top of the page."""
    head = body[:_SNIFF_BYTES]
    match = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    return match.group(1).decode("ascii", "ignore") if match else None


def _strict(body: bytes, encoding: str) -> str | None:
    try:
        return body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _has_multibyte_utf8(body: bytes) -> bool:
    return any(b >= 0x80 for b in body[: _SNIFF_BYTES * 4])


def decode_html(
    body: bytes, header_charset: str | None = None, forced: str | None = None
) -> Decoded:
    """Decode a page's bytes to text and say which codec was used and why.

    ``header_charset`` is the charset from the HTTP Content-Type header; ``forced`` is a codec the
    user insists on (``--encoding``). Nothing here raises: bytes that no codec reads cleanly are
    decoded as UTF-8 with replacement characters, and the reason says so.
    """
    if forced:
        codec = canonical_encoding(forced) or forced
        text = _strict(body, codec)
        if text is not None:
            return Decoded(text, codec, "given by the user")
        return Decoded(
            body.decode(codec, "replace"), codec, "given by the user; some bytes invalid"
        )

    codec, bom = read_bom(body)
    if codec:
        return Decoded(body[len(bom) :].decode(codec, "replace"), codec, "byte order mark")

    utf8_text = _strict(body, "utf-8")
    decoded = _declared_or_guessed(body, header_charset, utf8_text)
    if utf8_text is not None and decoded.text is utf8_text:
        return replace(decoded, utf8=body)
    return decoded


def _declared_or_guessed(body: bytes, header_charset: str | None, utf8_text: str | None) -> Decoded:
    """The codec the declarations name, checked against the bytes, else the one that reads
    them (``utf8_text``: the bytes read strictly as UTF-8, None when they are not)."""
    declarations = (("HTTP header", header_charset), ("meta charset", sniff_meta_charset(body)))
    for where, label in declarations:
        codec = canonical_encoding(label)
        if codec is None:
            continue
        if codec != "utf-8" and utf8_text is not None and _has_multibyte_utf8(body):
            # Multibyte text in a legacy encoding is almost never also valid UTF-8, while a page
            # saved as UTF-8 under an old gb2312 template is common: trust the bytes.
            return Decoded(
                utf8_text, "utf-8", f"{where} says {label}, but the bytes are valid UTF-8"
            )
        text = utf8_text if codec == "utf-8" else _strict(body, codec)
        if text is not None:
            return Decoded(text, codec, f"{where} says {label}")
        for alternative in ("utf-8", "gb18030"):
            if alternative == codec:
                continue
            text = utf8_text if alternative == "utf-8" else _strict(body, alternative)
            if text is not None:
                return Decoded(
                    text,
                    alternative,
                    f"{where} says {label}, but the bytes only decode as {alternative}",
                )
        best, text, errors = _fewest_errors(body, (codec, "utf-8", "gb18030"))
        said = f"{where} says {label}" + ("" if best == codec else f", but {best} fits better")
        return Decoded(text, best, f"{said}; {_invalid(errors)}")

    if utf8_text is not None:
        return Decoded(utf8_text, "utf-8", "no charset declared; the bytes are valid UTF-8")
    gb_text = _strict(body, "gb18030")
    if gb_text is not None:
        return Decoded(gb_text, "gb18030", "no charset declared; the bytes are valid GB18030")
    best, text, errors = _fewest_errors(body, ("utf-8", "gb18030"))
    return Decoded(text, best, f"no charset declared; read as {best}, {_invalid(errors)}")


def _fewest_errors(body: bytes, codecs_to_try: tuple[str, ...]) -> tuple[str, str, int]:
    """The codec that leaves the fewest replacement characters, the first on a tie: one bad
    byte in a GBK page must not turn the whole page into UTF-8 replacement characters."""
    best: tuple[str, str, int] | None = None
    for codec in dict.fromkeys(codecs_to_try):
        text = body.decode(codec, "replace")
        errors = text.count("\ufffd")
        if best is None or errors < best[2]:
            best = (codec, text, errors)
    assert best is not None
    return best


def _invalid(errors: int) -> str:
    return (
        "1 invalid byte sequence replaced"
        if errors == 1
        else f"{errors} invalid byte sequences replaced"
    )
