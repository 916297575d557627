"""A sample site whose summaries change after publication, for re-checks (crawler/crawl/recheck.py):
临江新闻网's CMS (linjiang.py) with two summaries and a news item, where a test edits a summary's
text at its URL, or withdraws it (its page then answers 404), as site editors do."""

from __future__ import annotations

from dataclasses import replace

from crawler.demo.cms import filler_news, load_articles
from crawler.demo.linjiang import LinjiangNews
from crawler.demo.server import SampleWeb, loopback_hosts

# The sentence an edit adds to a summary: what the diff must show.
EDIT_ADDED = "（本文于发布后更新：补充了全年新增会员数据。）"


class EditedSite(LinjiangNews):
    """临江新闻网 whose articles can be edited or withdrawn while it serves; with
    ``answers_not_modified`` False it ignores validators, as some servers do."""

    def edit(self, key: str, body: str) -> str:
        """Replace the text of article ``key``, at the same URL; returns that URL."""
        for slug, (_title, items) in self.columns.items():
            for position, article in enumerate(items):
                if article.key == key:
                    items[position] = replace(article, body=body)
                    self.render()
                    return self.url(self.article_path(slug, items[position]))
        raise KeyError(key)

    def withdraw(self, key: str) -> None:
        """Take article ``key`` off the site: its page answers 404, the lists no longer link it."""
        for _title, items in self.columns.values():
            items[:] = [article for article in items if article.key != key]
        self.render()

    def path_of(self, key: str) -> str:
        for slug, (_title, items) in self.columns.items():
            for article in items:
                if article.key == key:
                    return self.article_path(slug, article)
        raise KeyError(key)


def build_edited_web(answers_not_modified: bool = True) -> SampleWeb:
    """One 临江 news site with the summaries lj-summary-2022 and lj-halfyear-2023, not started."""
    articles = load_articles()
    site = EditedSite(
        "linjiang-edits",
        "临江新闻网",
        "临江市",
        loopback_hosts(1)[0],
        {
            "tongzhan": (
                "统战之窗",
                [
                    articles["lj-halfyear-2023"],
                    articles["lj-news-forum"],
                    articles["lj-summary-2022"],
                ],
            ),
            "szyw": ("时政要闻", filler_news("lj-edits", "临江市", 1)),
        },
    )
    site.answers_not_modified = answers_not_modified
    return SampleWeb([site])
