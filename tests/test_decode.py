import pytest

from crawler.extract.decode import canonical_encoding, decode_html

TEXT = "凝心聚力谋发展，团结奋斗谱新篇：堃祎昇"  # the last three are outside GB2312


def page(charset_meta: str | None, body: str = TEXT) -> str:
    meta = (
        f'<meta http-equiv="Content-Type" content="text/html; charset={charset_meta}">'
        if charset_meta
        else ""
    )
    return f"<html><head>{meta}<title>t</title></head><body><p>{body}</p></body></html>"


def test_gb2312_label_decodes_as_gb18030_so_characters_outside_gb2312_survive():
    decoded = decode_html(page("gb2312").encode("gb18030"))
    assert decoded.encoding == "gb18030"
    assert TEXT in decoded.text
    assert "meta charset says gb2312" in decoded.reason


@pytest.mark.parametrize("label", ["gb2312", "GBK", "x-gbk", "csgb2312", "chinese", "euc-cn"])
def test_every_gb_label_reads_as_gb18030_whatever_w3lib_calls_it(label):
    """w3lib 2.6 names Python's gbk for these labels (2.5 named gb18030): a page decoded as gbk
    would lose 堃 and every character outside GBK."""
    assert canonical_encoding(label) == "gb18030"
    decoded = decode_html(page(label).encode("gb18030"))
    assert decoded.encoding == "gb18030" and TEXT in decoded.text


def test_a_label_whatwg_refuses_is_no_codec_and_the_bytes_decide():
    assert canonical_encoding("hz-gb-2312") is None and canonical_encoding("bogus-8") is None
    decoded = decode_html(page("hz-gb-2312").encode("gb18030"))
    assert decoded.encoding == "gb18030" and TEXT in decoded.text


def test_utf8_bytes_under_a_gb2312_label_are_read_as_utf8():
    decoded = decode_html(page("gb2312").encode("utf-8"))
    assert decoded.encoding == "utf-8"
    assert TEXT in decoded.text
    assert "valid UTF-8" in decoded.reason


def test_gbk_bytes_under_a_utf8_header_are_redecoded():
    decoded = decode_html(page(None).encode("gbk", "ignore"), header_charset="utf-8")
    assert decoded.encoding == "gb18030"
    assert "凝心聚力谋发展" in decoded.text
    assert "\ufffd" not in decoded.text


def test_no_charset_at_all_is_detected():
    assert decode_html(page(None).encode("gb18030")).encoding == "gb18030"
    assert decode_html(page(None).encode("utf-8")).encoding == "utf-8"


def test_byte_order_mark_wins():
    decoded = decode_html(b"\xef\xbb\xbf" + page("gbk").encode("utf-8"))
    assert decoded.encoding == "utf-8" and decoded.reason == "byte order mark"
    assert TEXT in decoded.text


def test_user_choice_is_used():
    decoded = decode_html(page(None).encode("gb18030"), forced="gbk")
    assert decoded.encoding == "gb18030" and decoded.reason == "given by the user"


def test_labels():
    assert canonical_encoding("GB2312") == canonical_encoding("x-gbk") == "gb18030"
    assert canonical_encoding("UTF8") == "utf-8"
    assert canonical_encoding("no-such-charset") is None
