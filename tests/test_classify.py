import re
import tomllib
from pathlib import Path

import pytest
from conftest import needs_shared, seed_files
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.classify import classify, default_rules, refine_region, review_year
from crawler.demo.sites import load_articles
from crawler.registry.sites import SitesError, parse_sites

ARTICLES = list(load_articles().values())


@pytest.mark.parametrize("article", ARTICLES, ids=[a.key for a in ARTICLES])
def test_sample_texts_are_classified_by_kind(article):
    decision = classify(article.title, article.body.strip())
    assert decision.is_summary is (article.kind == "summary"), decision.reason


def test_a_summary_without_keywords_in_its_title_is_found_by_its_opening():
    slogan = next(a for a in ARTICLES if a.key == "yx-slogan-2022")
    decision = classify(slogan.title, slogan.body.strip())
    assert decision.is_summary
    assert "opens by looking back" in decision.reason


def test_a_notice_that_issues_a_summary_is_read_by_the_summary():
    summary = load_articles()["qs-summary-2022"]
    issued = classify("关于印发《青山县委统战部2022年工作总结》的通知", summary.body)
    assert issued.is_summary  # the page carries the work it issues, whole
    plan = classify("关于印发《青山县2023年统战工作要点》的通知", summary.body)
    assert not plan.is_summary  # it issues a plan
    short = "现将《青山县委统战部2022年工作总结》印发给你们，请结合实际认真贯彻落实。"
    assert not classify("关于印发《青山县委统战部2022年工作总结》的通知", short).is_summary


def test_the_reason_names_the_deciding_rules():
    plan = next(a for a in ARTICLES if a.kind == "plan")
    decision = classify(plan.title, plan.body.strip())
    assert "plan or key points in title «要点»" in decision.reason
    notice = next(a for a in ARTICLES if a.kind == "notice")
    assert "总结" in notice.title and not classify(notice.title, notice.body.strip()).is_summary


def test_review_year():
    assert review_year("2022年临江市统一战线工作综述", "", "2023-02-16") == 2022
    assert review_year("侨心汇聚添动能", "2021年，全区统一战线……", "2022-03-08") == 2021
    assert review_year("砥砺奋进的一年", "过去的一年……", "2023-01-05") == 2022
    assert review_year("砥砺奋进的一年", "过去的一年……", None) is None


# --- the labelled set: tests/labelled/texts.toml ----------------------------------------------

LABELLED = tomllib.loads((Path(__file__).parent / "labelled" / "texts.toml").read_text("utf-8"))[
    "text"
]


def test_the_labelled_set_is_large_and_varied():
    labels = [text["label"] for text in LABELLED]
    assert len(labels) >= 60
    assert labels.count("summary") >= 30
    assert {"plan", "notice", "meeting", "speech", "news"} <= set(labels)


def test_precision_and_recall_on_the_labelled_set():
    """Target: no plan, notice, meeting, speech or news item taken for a summary, and no summary
    missed. Prints the figures for the note."""
    decisions = [(text, classify(text["title"], text["body"].strip())) for text in LABELLED]
    true_pos = [t for t, d in decisions if d.is_summary and t["label"] == "summary"]
    false_pos = [
        (t["title"], d.reason) for t, d in decisions if d.is_summary and t["label"] != "summary"
    ]
    missed = [
        (t["title"], d.reason) for t, d in decisions if not d.is_summary and t["label"] == "summary"
    ]
    precision = len(true_pos) / max(1, len(true_pos) + len(false_pos))
    recall = len(true_pos) / max(1, len(true_pos) + len(missed))
    print(f"labelled set: {len(decisions)} texts, precision {precision:.3f}, recall {recall:.3f}")
    assert false_pos == [] and missed == []


@pytest.mark.parametrize(
    "text", [t for t in LABELLED if t["label"] == "summary"], ids=lambda t: t["title"][:16]
)
def test_year_reviewed_and_region(text):
    body = text["body"].strip()
    assert review_year(text["title"], body, text["published"]) == text["year"]
    assert refine_region(text["site_region"], text["title"], body) == text["region"]


def test_region_is_not_refined_by_words_that_only_end_in_a_county_suffix():
    for words in (
        "贫困山区群众",
        "推动主城区更新",
        "东湖社区",
        "民族团结进步示范区",
        "全县",
        "我区",
        "各县区",
    ):
        assert refine_region("湖南省南岭市", words, "") == "湖南省南岭市"
    assert refine_region("湖南省南岭市碧水县", "溪口乡统战工作总结", "") == "湖南省南岭市碧水县"


@needs_shared
def test_the_real_seed_summaries_are_recognised_by_their_text_alone():
    for seed in seed_files():
        decision = classify("", seed.read_text("utf-8"))
        assert decision.is_summary, (seed.name, decision.reason)


def test_rules_can_be_tuned_per_site_and_globally_in_the_registry():
    registry = """
[classify]
threshold = 12

[[site]]
id = "strict"
name = "严格站"
region = "湖南省南岭市"
start_urls = ["http://strict.example.cn/"]

[[site]]
id = "briefs"
name = "简报站"
region = "湖南省南岭市"
start_urls = ["http://briefs.example.cn/"]
[site.classify]
threshold = 3
[[site.classify.rule]]
name = "short for a review of a period's work"
weight = 0
[[site.classify.rule]]
name = "a 简报 is a review"
field = "title"
pattern = "工作简报"
weight = 4
"""
    strict, briefs = parse_sites(registry)
    brief = ("2022年第12期统战工作简报", "2022年，全市统战系统开展走访活动，取得明显成效。" * 6)
    assert strict.rules.threshold == 12 and not classify(*brief, strict.rules).is_summary
    decision = classify(*brief, briefs.rules)
    assert decision.is_summary and "a 简报 is a review «工作简报» +4" in decision.reason
    assert "short for a review" not in decision.reason
    with pytest.raises(SitesError, match=r"site #2 'briefs': key 'classify': rule 'x': field"):
        parse_sites(
            registry.replace(
                'name = "a 简报 is a review"\nfield = "title"', 'name = "x"\nfield = "url"'
            )
        )


# --- real texts: ../shared/realclass and the real news pages of ../shared/realpages ------------


def _realclass() -> list[dict]:
    import json

    from conftest import SHARED_DIR

    path = SHARED_DIR / "realclass" / "items.jsonl"
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


@needs_shared
def test_precision_and_recall_on_real_texts():
    """Floors on texts nobody here wrote (borderline items left out, as their README says)."""
    items = [i for i in _realclass() if i["label"] != "borderline"]
    decided = [(i["label"] == "summary", classify(i["title"], i["text"]).is_summary) for i in items]
    taken = sum(1 for truth, said in decided if said)
    right = sum(1 for truth, said in decided if said and truth)
    summaries = sum(1 for truth, _ in decided if truth)
    precision, recall = right / taken, right / summaries
    print(f"realclass: {len(items)} texts, precision {precision:.3f}, recall {recall:.3f}")
    assert precision >= 0.9 and recall >= 0.85


@needs_shared
def test_no_real_news_page_is_taken_for_a_summary():
    import json

    from conftest import REALPAGES_DIR

    gold = [json.loads(line) for line in (REALPAGES_DIR / "gold.jsonl").read_text("utf-8").splitlines() if line.strip()]  # fmt: skip
    taken = [g["file"] for g in gold if classify(g["title"], g["body"]).is_summary]
    assert taken == []


SUMMARY_BODY = (
    "一年來，區委統戰部在區委的正確領導下，認真落實中央和省市統戰工作會議精神，各項工作取得新成效。"
    "全年組織黨外人士考察調研12次，提交建議36條；舉辦民營企業家培訓班4期，培訓320人次。" * 3
)


def test_traditional_characters_read_as_simplified():
    decision = classify("2020年統戰工作年終總結", SUMMARY_BODY)
    assert decision.is_summary and decision.genre == "总结", decision.reason
    assert "review word in title «年终»" in decision.reason


def test_each_summary_gets_its_genre():
    body = SUMMARY_BODY
    cases = {
        "沙沟镇2021年政府工作报告": "工作报告",
        "回眸2022：全区统战工作十件大事": "盘点/回眸",
        "县妇联2022年上半年工作总结及下半年工作计划": "总结",
        "凝心聚力谱新篇——2022年全市统一战线工作综述": "综述",
    }
    for title, genre in cases.items():
        decision = classify(title, body)
        assert (decision.is_summary, decision.genre) == (True, genre), (title, decision.reason)


def test_a_cited_document_in_the_title_is_not_the_texts_genre():
    title = "根据市政府办公厅《关于认真做好2023年度绩效管理年终考评工作的通知》要求"
    assert "notice" not in classify(title, SUMMARY_BODY).reason


def test_crawler_classify_prints_the_decision(tmp_path):
    import json

    from conftest import run_crawler

    text = tmp_path / "text.txt"
    text.write_text("2020年統戰工作年終總結\n" + SUMMARY_BODY, "utf-8")
    result = run_crawler("classify", str(text))
    assert result.returncode == 0, result.stderr
    decided = json.loads(result.stdout)
    assert decided["is_summary"] and decided["genre"] == "总结"
    assert decided["title"] == "2020年統戰工作年終總結" and "score" in decided["reason"]


# --- one sentence never carries a text across the line ------------------------------------------

_LABELLED_DIR = Path(__file__).parent / "labelled"
STOCK_LINES = tomllib.loads((_LABELLED_DIR / "stock_lines.toml").read_text("utf-8"))["lines"]
REAL = tomllib.loads((_LABELLED_DIR / "real.toml").read_text("utf-8"))["text"]
_ALL = (
    [(t["title"], t["text"].strip(), t["label"] == "summary") for t in REAL]
    + [(t["title"], t["body"].strip(), t["label"] == "summary") for t in LABELLED]
    + [(a.title, a.body.strip(), a.kind == "summary") for a in ARTICLES]
)
# the property is about one line moving a decision: texts the classifier already gets wrong (the
# precision and recall figures count them) are not its subject
NOT_SUMMARIES = [
    (title, body)
    for title, body, summary in _ALL
    if not summary and not classify(title, body).is_summary
]
SUMMARIES = [
    (title, body) for title, body, summary in _ALL if summary and classify(title, body).is_summary
]


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    text=st.sampled_from(NOT_SUMMARIES),
    line=st.sampled_from(STOCK_LINES),
    before=st.booleans(),
)
def test_one_stock_line_of_news_never_makes_a_text_a_summary(text, line, before):
    title, body = text
    assert not classify(title, body).is_summary
    changed = f"{line}\n{body}" if before else f"{body}\n{line}"
    decision = classify(title, changed)
    assert not decision.is_summary, decision.reason


def test_every_stock_line_leaves_every_labelled_text_that_is_not_a_summary_as_it_was():
    # the exhaustive form of the property above, over the labelled set and the samples
    flipped = [
        (title, line[:12])
        for title, body in NOT_SUMMARIES
        for line in STOCK_LINES
        for changed in (f"{line}\n{body}", f"{body}\n{line}")
        if classify(title, changed).is_summary
    ]
    assert flipped == []


# Known, not yet met: a written 209-character review whose shortened form (159 characters) falls
# just under the line. Strict: the test fails once it is fixed, to be taken off this list.
_KNOWN_LOST = {"踔厉奋发新时代 同心共筑中国梦"}


@pytest.mark.parametrize(
    "title,body",
    [
        pytest.param(
            t, b, marks=pytest.mark.xfail(strict=True, reason="known: just under the line")
        )
        if t in _KNOWN_LOST
        else (t, b)
        for t, b in SUMMARIES
    ],
)
def test_a_summary_without_its_closing_paragraph_is_still_a_summary(title, body):
    paragraphs = [p for p in body.split("\n") if p.strip()]
    shortened = "\n".join(paragraphs[:-1])
    if len(paragraphs) < 2 or len("".join(shortened.split())) < default_rules().min_chars:
        return  # an excerpt too short to be taken once shortened: the length rule, not the line
    decision = classify(title, body)
    assert decision.is_summary
    assert classify(title, shortened).is_summary, classify(title, shortened).reason


def test_the_margin_groups_and_grading_are_read_from_the_rules_and_checked():
    from crawler.classify import parse_rules

    base = default_rules()
    assert base.margin == 2 and dict(base.caps)["wording"] == 2.5
    wider = parse_rules({"margin": 9, "caps": {"wording": 1}}, base)
    assert wider.margin == 9 and dict(wider.caps)["wording"] == 1
    body = "\n".join(["2022年，全市统一战线工作取得新成效，完成项目12个。"] * 6)
    assert (
        classify("", body, wider).near_line
        and "near the line (within 9)" in classify("", body, wider).reason
    )
    for bad, message in [
        (
            {"rule": [{"name": "x", "field": "body", "pattern": "a", "weight": 1, "spread": 0}]},
            "spread",
        ),
        (
            {"rule": [{"name": "x", "field": "body", "pattern": "a", "weight": 1, "min_count": 0}]},
            "min_count must be 1 or more",
        ),
        ({"rule": [{"name": "x", "field": "foot", "pattern": "a", "weight": 1}]}, "opening"),
        ({"caps": {"wording": "many"}}, "cap"),
        ({"margin": -1}, "margin"),
    ]:
        with pytest.raises(ValueError, match=message):
            parse_rules(bad, base)


def test_a_text_without_a_title_is_read_by_its_headline_line():
    summary = load_articles()["qs-summary-2022"]
    with_headline = f"{summary.title}\n{summary.body.strip()}"
    decision = classify("", with_headline)
    assert decision.is_summary and "review word in title «总结»" in decision.reason
    # a line with commas is prose, not a headline
    assert (
        "in title" not in classify("", "今年以来，全县统战工作取得了新成效。\n" + "。" * 200).reason
    )


def test_a_pattern_led_by_its_first_characters_finds_what_the_pattern_finds():
    """Rules' patterns are searched led by a lookahead for their first characters
    (crawler/classify/quick.py): every match, with its groups, is the one the pattern finds, on
    every text the tests hold and on patterns written to trip the reading of first characters;
    a pattern whose first characters cannot be told is searched as it is."""
    from crawler.classify import default_rules
    from crawler.classify.quick import led_by_first_characters

    texts = [f"{title}\n{body}" for title, body, _summary in _ALL] + STOCK_LINES
    texts += ["", "a", "年", "19x年", "这一年，", "2023年是", "- ]^\\[", "⑴⑵", "abc\nabc"]
    patterns = [rule.pattern for rule in default_rules().rules if rule.pattern is not None]
    patterns += [rule.unless for rule in default_rules().rules if rule.unless is not None]
    patterns += [
        re.compile(p)
        for p in (
            r"(19|20)\d\d年|回顾",
            r"(a|b?)c",
            r"x*y|z",
            r"(?<!总书记)(讲话|指出)",
            r"[\]\-^\\]+a",
            r"(?:ab|cd){2,}",
            r"(?=年)年|今年",
            r"a{0}b|c",
            r"(?P<y>\d)年(?P=y)?",
            r"\s*年",
            r"[^年]年",
        )
    ]
    led = 0
    for pattern in patterns:
        quick = led_by_first_characters(pattern)
        led += quick is not pattern
        for text in texts:
            expected = [(m.span(), m.groups()) for m in pattern.finditer(text)]
            assert [(m.span(), m.groups()) for m in quick.finditer(text)] == expected, (
                pattern.pattern,
                text[:40],
            )
            assert quick.findall(text) == pattern.findall(text)
    assert led >= 10  # most of the shipped rules' slow patterns are led
    # what cannot be told is left as it is: nothing to match, any first character, case-blind;
    # and a pattern anchored at the start, which the engine tries at the start alone
    for unchanged in (
        r"a?",
        r".年",
        r"[^年]年",
        r"(?i)abc|d",
        r"\s*年|x?",
        r"^第[一二]+章",
        r"(^(相关|阅读))",
    ):
        pattern = re.compile(unchanged)
        assert led_by_first_characters(pattern) is pattern
