import pytest

from crawler.classify import classify, review_year
from crawler.demo.sites import load_articles

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
