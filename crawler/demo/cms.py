"""What the sample sites share: the sample articles (articles.toml) and a CMS that renders its
columns and articles again whenever an article is published."""

from __future__ import annotations

import html
import tomllib
from dataclasses import dataclass
from importlib import resources

from crawler.demo.server import SampleSite


@dataclass(frozen=True)
class SampleArticle:
    key: str
    kind: str
    title: str
    published: str
    source: str
    year: int
    body: str
    later: bool = False  # not on the sample web at first; tests publish it to simulate a new day

    @property
    def paragraphs(self) -> list[str]:
        return [line for line in self.body.strip().splitlines() if line.strip()]


def load_articles() -> dict[str, SampleArticle]:
    data = tomllib.loads(
        resources.files("crawler.demo").joinpath("articles.toml").read_text("utf-8")
    )
    return {entry["key"]: SampleArticle(**entry) for entry in data["article"]}


def swap_punctuation_width(text: str) -> str:
    """The repost habit of some sites: full-width ，：；（）！？ typed as half-width."""
    return text.translate(str.maketrans("，：；（）！？", ",:;()!?"))


def esc(text: str) -> str:
    return html.escape(text, quote=True)


class CmsSite(SampleSite):
    """A sample site whose columns hold articles, newest first; ``publish`` adds one and renders
    every route again, as a CMS regenerates its list pages."""

    per_page = 2

    def __init__(
        self,
        site_id: str,
        name: str,
        region: str,
        host: str,
        columns: dict[str, tuple[str, list[SampleArticle]]],
    ):
        super().__init__(site_id, name, region, host)
        self.columns = {slug: (title, list(items)) for slug, (title, items) in columns.items()}
        self._numbers: dict[str, int] = {}
        self.render()

    def number(self, article: SampleArticle) -> int:
        """A stable id per article, as a CMS assigns it once."""
        return self._numbers.setdefault(article.key, self.first_number + len(self._numbers) + 1)

    def publish(self, column: str, article: SampleArticle) -> None:
        """Put ``article`` at the top of ``column`` (older items move down the pages)."""
        self.columns[column][1].insert(0, article)
        self.render()

    def render(self) -> None:
        kept = {path: route for path, route in self.routes.items() if path in self.extra_routes}
        self.routes.clear()
        self.build()
        self.routes.update(kept)

    extra_routes: set[str] = set()
    first_number = 0

    def build(self) -> None:
        raise NotImplementedError

    def add_extra(
        self, path: str, body: bytes | str, content_type: str = "text/html; charset=utf-8", **kwargs
    ) -> None:
        """A route that survives ``render`` (tests add broken pages and redirects this way)."""
        self.extra_routes = self.extra_routes | {path}
        self.add(path, body, content_type, **kwargs)

    def pages_of(self, items: list) -> list[list]:
        return [items[i : i + self.per_page] for i in range(0, len(items), self.per_page)] or [[]]


def filler_news(prefix: str, place: str, count: int, start_day: int = 1) -> list[SampleArticle]:
    """Short news items that fill list pages, so that columns have several pages."""
    topics = [
        "召开党外人士情况通报会",
        "举办民族团结进步宣传活动",
        "开展同心助企走访",
        "召开侨联委员座谈会",
        "举行新乡贤代表见面会",
        "开展宗教场所安全检查",
    ]
    items = []
    for index in range(count):
        day = start_day + index
        topic = topics[index % len(topics)]
        body = f"1月{day}日，{place}{topic}，有关部门负责同志参加。\n活动围绕当前重点工作进行了交流，与会人员表示将认真抓好落实。"
        items.append(
            SampleArticle(
                f"{prefix}-{index + 1}",
                "news",
                f"{place}{topic}",
                f"2023-01-{day:02d}",
                f"{place}融媒体中心",
                2023,
                body,
            )
        )
    return items
