from crawler.fingerprint import content_hash, normalise

TEXT = (
    "2022年，全市统一战线紧扣目标要求（作示范、勇争先），取得新成效。\n这一年，我们聚焦主题主线。"
)


def test_full_and_half_width_punctuation_hash_alike():
    half = TEXT.replace("，", ",").replace("（", "(").replace("）", ")")
    assert content_hash(half) == content_hash(TEXT)


def test_indentation_and_line_breaks_do_not_change_the_hash():
    indented = "\u3000\u3000" + TEXT.replace("\n", "\n\u3000\u3000 ") + "\n\n"
    assert content_hash(indented) == content_hash(TEXT)


def test_invisible_characters_do_not_change_the_hash():
    assert content_hash(TEXT.replace("统一", "统\u200b一")) == content_hash(TEXT)


def test_a_changed_figure_is_another_document():
    assert content_hash(TEXT.replace("2022", "2021")) != content_hash(TEXT)


def test_normalise_removes_all_whitespace_and_folds_width():
    assert normalise("ＡＢ　１２ ，\t") == "AB12,"


def test_shingle_hashes_are_those_stored_in_archives():
    # Archives hold sampled shingle hashes: each is the 8-byte BLAKE2b of the shingle's UTF-8, a
    # signed big-endian integer. Any faster way of computing them must give the same values.
    import hashlib

    from crawler.fingerprint import SHINGLE, shingles

    for text in (
        "",
        "统战",
        "统一战线工作",
        "2022年，全县统一战线凝心聚力。\n　　一是强化政治引领（15次）。",
    ):
        letters = "".join(ch for ch in normalise(text) if ch.isalnum())
        if 0 < len(letters) < SHINGLE:
            letters = letters.ljust(SHINGLE, "\0")
        expected = {
            int.from_bytes(
                hashlib.blake2b(letters[i : i + SHINGLE].encode(), digest_size=8).digest(),
                "big",
                signed=True,
            )
            for i in range(max(0, len(letters) - SHINGLE + 1))
        }
        assert shingles(text) == expected, text
