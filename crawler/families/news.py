"""The news systems of local news sites and portals (Sina's artibody, gov.cn's pages_content, the
UCAP and fontzoom boxes of provincial portals, article-content templates): no reader of their
own, only their URL shapes, their text boxes and the dates in their URLs."""

from __future__ import annotations

from crawler.families.base import ContentSelector, Family, patterns

FAMILY = Family(
    name="news",
    article_urls=patterns(
        r"/(19|20)\d{2}/\d{2,4}/[\w-]+\.s?html?$",
        r"/(19|20)\d{6}/[\w-]+\.s?html?$",
        r"/(c|a|n|article|articles|detail|content|info|news|show|view)[_/-]?\d{3,}\.s?html?$",
        r"/(show|detail|view|content|article|info|news)[\w]*\.(php|aspx?|jsp|do|html?)\?.*"
        r"\b(id|aid|articleid|newsid|infoid|contentid|docid)=\d+",
    ),
    list_urls=patterns(
        r"/(index|list|node|more)(_\d+)?\.s?html?$",
        r"[?&](page|pageno|pageindex|pagenum|p|pn|curpage)=\d+",
        r"/(list|column|lanmu|category|channel|node|col)[\w-]*(/|\.s?html?$|\.(php|aspx?|jsp|do)\?)",
    ),
    content=(
        ContentSelector(id="UCAP-CONTENT"),
        ContentSelector(class_name="pages_content"),
        ContentSelector(id="fontzoom"),
        ContentSelector(id="Zoom"),
        ContentSelector(class_name="article-content"),
        ContentSelector(class_name="article_content"),
        ContentSelector(id="article-content"),
        ContentSelector(id="articleContent"),
        ContentSelector(id="artibody"),  # Sina
    ),
    url_dates=patterns(
        r"/((?:19|20)\d{2})/(\d{2})(\d{2})/",  # /2023/0301/
        r"[/_-]((?:19|20)\d{2})(\d{2})(\d{2})[/_.-]",  # /20230301/ and content_20230301_
    ),
)
