"""Sample sites of habits that cost real sites texts or requests, one site each, written from the
habit (tests/test_habits.py crawls them):

- ``pieces``: articles split over pages: ``content_501.html``, ``content_501_2.html``,
  ``content_501_3.html`` with 共3页 上一页 1 2 3 下一页 inside the article, and
  ``show.php?id=77`` continued at ``show.php?id=77&page=2``;
- ``oldest``: a column listed oldest first, new items appended on its last page, every page
  saying how many items the column holds (so each page changes when one is added);
- ``aliases``: each article at three addresses (``/a/N.html``, the same with ``from``, ``spm``
  and a time stamp, and ``/show.aspx?id=N``), each page naming ``/a/N.html`` as its canonical;
  one article names a canonical on another host, which is not followed;
- ``trapped``: 15 articles; a pager that links page 999 where every page past the end answers
  200 页面不存在, a second column whose pages past the end repeat its last page, and a calendar
  whose every day and month links the month before, back to 1990;
- ``throttled``: answers 429 with Retry-After when asked again sooner than it allows.
"""

from __future__ import annotations

import time
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

from crawler.demo.cms import SampleArticle, esc, filler_news, load_articles
from crawler.demo.server import Route, SampleSite, SampleWeb, loopback_hosts

SOFT_404 = (
    '<html><head><meta charset="utf-8"><title>提示信息</title></head><body>'
    '<div class="nav"><a href="/">首页</a></div><div class="main"><h2>页面不存在</h2>'
    "<p>对不起，您访问的页面不存在或已被删除。</p></div></body></html>"
)


def _page(title: str, content: str, head: str = "") -> str:
    return (
        f'<html><head><meta charset="utf-8"><title>{esc(title)}</title>{head}</head><body>'
        f'<div class="nav"><a href="/">首页</a></div>{content}'
        '<div class="footer">版权所有 主办单位：测试市人民政府办公室</div></body></html>'
    )


def _article(article: SampleArticle, paragraphs: list[str] | None = None, extra: str = "",
             head: str = "") -> str:  # fmt: skip
    text = "".join(f"<p>{esc(line)}</p>" for line in (paragraphs or article.paragraphs))
    return _page(
        article.title,
        f'<h1>{esc(article.title)}</h1><div class="info">发布时间：{article.published} '
        f'来源：{esc(article.source)}</div><div class="content">{text}{extra}</div>',
        head,
    )


def _items(entries: list[tuple[str, SampleArticle]]) -> str:
    return "".join(
        f'<li><a href="{path}">{esc(article.title)}</a><span>{article.published}</span></li>'
        for path, article in entries
    )


def thirds(lines: list[str]) -> list[list[str]]:
    """Paragraphs cut into three parts of about the same size."""
    size = -(-len(lines) // 3)
    return [lines[i : i + size] for i in range(0, len(lines), size)]


class HabitSite(SampleSite):
    """A sample site with the summaries it hides (their paths) and its article paths."""

    def __init__(self, site_id: str, name: str, host: str):
        super().__init__(site_id, name, "测试市", host)
        self.summaries: list[str] = []
        self.article_paths: list[str] = []
        self.full_texts: dict[str, list[str]] = {}  # path -> every paragraph of a split summary


def pieces_site(host: str, first: SampleArticle, second: SampleArticle,
                news: list[SampleArticle]) -> HabitSite:  # fmt: skip
    site = HabitSite("pieces", "分页文章网", host)
    split = thirds(first.paragraphs)
    for number, paragraphs in enumerate(split, 1):
        links = " ".join(
            f"<b>{n}</b>"
            if n == number
            else f'<a href="content_501{"" if n == 1 else f"_{n}"}.html">{n}</a>'  # noqa: E501
            for n in range(1, 4)
        )
        after = (
            f'<a href="content_501_{number + 1}.html">下一页</a>'
            if number < 3
            else "<span>下一页</span>"  # noqa: E501
        )
        pager = f'<div class="page">共3页 <span>上一页</span> {links} {after}</div>'
        path = "/xwzx/2023-02/content_501" + ("" if number == 1 else f"_{number}") + ".html"
        site.add(path, _article(first, paragraphs, pager))
    halves = [second.paragraphs[: len(second.paragraphs) // 2],
              second.paragraphs[len(second.paragraphs) // 2 :]]  # fmt: skip
    site.add("/art/show.php?id=77", _article(
        second, halves[0], '<div class="pages">第1页 <a href="show.php?id=77&amp;page=2">第2页</a>'
        ' <a href="show.php?id=77&amp;page=2">下一页</a></div>'))  # fmt: skip
    site.add(
        "/art/show.php?id=77&page=2",
        _article(
            second, halves[1], '<div class="pages"><a href="show.php?id=77">上一页</a> 第2页</div>'
        ),
    )
    singles = [(f"/xwzx/2023-01/content_{410 + n}.html", a) for n, a in enumerate(news)]
    for path, article in singles:
        site.add(path, _article(article))
    entries = [("/xwzx/2023-02/content_501.html", first), ("/art/show.php?id=77", second)]
    site.add("/", _page(site.name, '<a href="/xwzx/">新闻中心</a>'))
    site.add("/xwzx/", _page("新闻中心", f"<ul>{_items(entries + singles)}</ul>"))
    site.summaries = [path for path, _ in entries]
    site.full_texts = {path: article.paragraphs for path, article in entries}
    site.article_paths = [path for path, _ in entries + singles]
    return site


class OldestFirstSite(HabitSite):
    """A column listed oldest first, three items a page; ``append`` adds an item at its end."""

    per_page = 3

    def __init__(self, host: str, items: list[SampleArticle]):
        super().__init__("oldest", "正序栏目网", host)
        self.items = [(f"/tzgg/2023/content_{600 + n}.html", a) for n, a in enumerate(items)]
        self.add("/", _page(self.name, '<a href="/tzgg/list.html">通知公告</a>'))
        self.render()

    def append(self, article: SampleArticle) -> str:
        path = f"/tzgg/2023/content_{600 + len(self.items)}.html"
        self.items.append((path, article))
        self.render()
        return path

    def render(self) -> None:
        pages = [
            self.items[i : i + self.per_page] for i in range(0, len(self.items), self.per_page)
        ]
        for number, entries in enumerate(pages, 1):
            numbers = " ".join(
                f'<a href="{self._list(n)}">{n}</a>'
                for n in range(1, len(pages) + 1)
                if n != number
            )
            pager = f'<div class="pager">共{len(self.items)}条 第{number}/{len(pages)}页 {numbers}'
            if number < len(pages):
                pager += f' <a href="{self._list(number + 1)}">下一页</a>'
            self.add(
                self._list(number), _page("通知公告", f"<ul>{_items(entries)}</ul>{pager}</div>")
            )
        for path, article in self.items:
            self.add(path, _article(article))
        self.article_paths = [path for path, _ in self.items]

    @staticmethod
    def _list(number: int) -> str:
        return "/tzgg/list.html" if number == 1 else f"/tzgg/list_{number}.html"


def aliases_site(host: str, articles: list[SampleArticle]) -> HabitSite:
    site = HabitSite("aliases", "多址文章网", host)
    numbers = list(range(101, 101 + len(articles)))
    for number, article in zip(numbers, articles, strict=True):
        canonical = f"/a/{number}.html"
        if number == numbers[-1]:  # a copy whose canonical is the original on another host
            canonical = f"http://www.example.org/a/{number}.html"
        head = f'<link rel="canonical" href="{canonical}">'
        site.add(f"/a/{number}.html", _article(article, head=head))
        site.add(f"/show.aspx?id={number}", _article(article, head=head))
    home = "".join(
        f'<li><a href="/a/{n}.html?from=index&amp;spm=a2c4.1.0.{n}&amp;t=1701234567890">'
        f"{esc(a.title)}</a></li>"
        for n, a in zip(numbers, articles, strict=True)
    )
    site.add(
        "/", _page(site.name, f'<ul>{home}</ul><a href="/news/">新闻</a> <a href="/zt/">专题</a>')
    )
    site.add(
        "/news/",
        _page(
            "新闻",
            "<ul>"
            + _items([(f"/a/{n}.html", a) for n, a in zip(numbers, articles, strict=True)])
            + "</ul>",
        ),
    )
    site.add(
        "/zt/",
        _page(
            "专题",
            "<ul>"
            + _items([(f"/show.aspx?id={n}", a) for n, a in zip(numbers, articles, strict=True)])
            + "</ul>",
        ),
    )
    site.article_paths = [f"/a/{n}.html" for n in numbers]
    site.summaries = [f"/a/{n}.html" for n, a in zip(numbers, articles, strict=True)
                      if a.kind == "summary"]  # fmt: skip
    return site


def _calendar(month: date) -> str:
    """A month of day links and the month before, as a side widget."""
    days = []
    day = month
    while day.month == month.month:
        days.append(f'<a href="/rili/day.jsp?date={day.isoformat()}">{day.day}</a>')
        day += timedelta(days=1)
    before = (month - timedelta(days=1)).replace(day=1)
    return (
        f'<div class="calendar"><a href="/rili/month.jsp?ym={before:%Y-%m}">上月</a> '
        + " ".join(days) + "</div>"
    )  # fmt: skip


def trapped_site(host: str, articles: list[SampleArticle]) -> HabitSite:
    site = HabitSite("trapped", "陷阱网", host)
    today = date(2026, 11, 1)
    news = [(f"/news/2023/content_{700 + n}.html", a) for n, a in enumerate(articles[:9])]
    docs = [(f"/zcwj/detail.jsp?id={800 + n}", a) for n, a in enumerate(articles[9:15])]
    for path, article in news + docs:
        site.add(path, _article(article))
    site.article_paths = [path for path, _ in news + docs]
    site.summaries = [path for path, a in news + docs if a.kind == "summary"]
    widget = _calendar(today)
    site.add("/", _page(site.name, '<a href="/news/list.html">新闻</a> '
                        f'<a href="/zcwj/list.jsp?page=1">政策文件</a>{widget}'))  # fmt: skip

    def news_page(number: int) -> str:
        pager = " ".join(f'<a href="list_{n}.html">{n}</a>' for n in (2, 3, 4, 5)) + " … "
        pager += f'<a href="list_999.html">999</a> <a href="list_{number + 1}.html">下一页</a>'
        entries = news[(number - 1) * 3 : number * 3]
        return _page("新闻", f"<ul>{_items(entries)}</ul><div class='pager'>{pager}</div>{widget}")

    def news_column(method: str, path: str, payload: bytes) -> Route:
        name = urlsplit(path).path.rsplit("/", 1)[1]
        number = 1 if name == "list.html" else int(name[5:-5])
        if number > 3:
            return Route(SOFT_404.encode())
        return Route(news_page(number).encode())

    def docs_column(method: str, path: str, payload: bytes) -> Route:
        number = min(2, int(parse_qs(urlsplit(path).query).get("page", ["1"])[0]))
        entries = docs[(number - 1) * 3 : number * 3]
        pager = " ".join(f'<a href="list.jsp?page={n}">{n}</a>' for n in range(1, 51))
        return Route(_page("政策文件", f"<ul>{_items(entries)}</ul>{pager}{widget}").encode())

    def calendar(method: str, path: str, payload: bytes) -> Route:
        query = parse_qs(urlsplit(path).query)
        if "date" in query:
            day = date.fromisoformat(query["date"][0])
        else:
            day = date.fromisoformat(query.get("ym", ["2026-11"])[0] + "-01")
        if day.year < 1990:
            return Route(SOFT_404.encode())
        return Route(
            _page(
                "日历", f"<p>{day:%Y年%m月}：当日无信息</p>{_calendar(day.replace(day=1))}"
            ).encode()
        )

    site.routes.update({f"/news/list{suffix}": news_column for suffix in [".html"]})
    for number in range(2, 1000):
        site.routes[f"/news/list_{number}.html"] = news_column
    site.routes["/zcwj/list.jsp"] = docs_column
    site.routes["/rili/day.jsp"] = calendar
    site.routes["/rili/month.jsp"] = calendar
    site.routes["/news/2023/content_799.html"] = lambda *_: Route(SOFT_404.encode())
    return site


class ThrottledSite(HabitSite):
    """Answers 429 (Retry-After: 1) to a request that comes sooner than ``interval`` seconds
    after the last one it answered."""

    interval = 0.3

    def __init__(self, host: str, articles: list[SampleArticle]):
        super().__init__("throttled", "限流网", host)
        self.last = 0.0
        self.refused = 0
        entries = [(f"/xxgk/2023/content_{900 + n}.html", a) for n, a in enumerate(articles)]
        pages = {"/": _page(self.name, '<a href="/xxgk/">信息公开</a>'),
                 "/xxgk/": _page("信息公开", f"<ul>{_items(entries)}</ul>")}  # fmt: skip
        pages.update({path: _article(article) for path, article in entries})
        self.article_paths = [path for path, _ in entries]
        self.summaries = [path for path, a in entries if a.kind == "summary"]
        for path, body in pages.items():
            self.routes[path] = self._limited(body.encode())
        self.routes["/robots.txt"] = self._limited(b"User-agent: *\nAllow: /\n", "text/plain")

    def _limited(self, body: bytes, content_type: str = "text/html; charset=utf-8"):
        def answer(method: str, path: str, payload: bytes) -> Route:
            now = time.monotonic()
            if now - self.last < self.interval:
                self.refused += 1
                return Route(b"<h1>429 Too Many Requests</h1>", status=429,
                             headers={"Retry-After": "1"})  # fmt: skip
            self.last = now
            return Route(body, content_type)

        return answer


def build_habits_web() -> SampleWeb:
    """The five sites, on loopback addresses of their own, not yet started."""
    articles = load_articles()
    summaries = [a for a in articles.values() if a.kind == "summary" and not a.later]
    others = [a for a in articles.values() if a.kind != "summary"]
    hosts = loopback_hosts(5)
    news = filler_news("h", "测试市", 16, start_day=2)
    oldest = [*news[:4], summaries[1], *news[4:6]]  # oldest first by date
    oldest = sorted(oldest, key=lambda a: a.published)
    trapped = [*news[:6], summaries[2], *others[:2], *news[6:11], summaries[3]]
    return SampleWeb([
        pieces_site(hosts[0], summaries[0], summaries[1], news[:2]),
        OldestFirstSite(hosts[1], oldest),
        aliases_site(hosts[2], [summaries[0], *news[:2], summaries[2], others[0]]),
        trapped_site(hosts[3], trapped),
        ThrottledSite(hosts[4], [summaries[3], *news[:2]]),
    ])  # fmt: skip
