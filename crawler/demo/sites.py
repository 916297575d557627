"""The bundled sample web: three municipal sites written in the styles of the CMS families that
Chinese local governments use, serving the texts in articles.toml.

- 临江新闻网 (``linjiang-news``): a city news site, UTF-8, numbered list pages with 下一页, hot-news
  sidebar, 上一篇/下一篇, editor and footer lines around the text.
- 青山统战网 (``qingshan-tz``): a TRS WCM site served as GBK under a gb2312 meta tag, with
  JavaScript paging (createPageHTML), relative ``./YYYYMM/tYYYYMMDD_N.html`` article links whose
  anchor text is cut with "...", and a 他山之石 column that reposts a 临江 summary with other
  punctuation widths.
- 云溪区人民政府 (``yunxi-gov``): a Hanweb (大汉) site whose list records sit in a
  ``<script type="text/xml">`` datastore, articles at ``/art/Y/M/D/art_COL_N.html`` in ``#zoom``.
"""

from __future__ import annotations

from dataclasses import replace

from crawler.demo.cms import SampleArticle, filler_news, load_articles, swap_punctuation_width
from crawler.demo.linjiang import LinjiangNews
from crawler.demo.qingshan import QingshanTrs
from crawler.demo.server import SampleWeb, loopback_hosts
from crawler.demo.yunxi import YunxiHanweb

__all__ = [
    "SampleArticle",
    "build_sample_web",
    "filler_news",
    "load_articles",
    "swap_punctuation_width",
]


def build_sample_web() -> SampleWeb:
    """The three sample sites, not yet started."""
    articles = load_articles()
    hosts = loopback_hosts(3)
    linjiang = LinjiangNews(
        "linjiang-news",
        "临江新闻网",
        "临江市",
        hosts[0],
        {
            "tongzhan": (
                "统战之窗",
                [articles["lj-news-forum"], articles["lj-plan-2023"], articles["lj-summary-2022"]],
            ),
            "szyw": ("时政要闻", filler_news("lj-szyw", "临江市", 3)),
        },
    )
    repost = replace(
        articles["lj-summary-2022"], published="2023-02-20"
    )  # reposted a few days later
    qingshan = QingshanTrs(
        "qingshan-tz",
        "青山统战网",
        "临江市青山县",
        hosts[1],
        {
            "gzdt": ("工作动态", [articles["qs-news-training"], articles["qs-summary-2022"]]),
            "tszs": ("他山之石", [repost]),
        },
    )
    yunxi = YunxiHanweb(
        "yunxi-gov",
        "云溪区人民政府",
        "临江市云溪区",
        hosts[2],
        {
            "4467": (
                "统战工作",
                [
                    articles["yx-slogan-2022"],
                    articles["yx-news-xiangxian"],
                    *filler_news("yx-tz", "云溪区", 2, 20),
                    articles["yx-review-2022"],
                ],
            ),
            "4470": ("通知公告", [articles["yx-notice-2022"]]),
        },
    )
    return SampleWeb([linjiang, qingshan, yunxi])
