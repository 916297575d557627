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
