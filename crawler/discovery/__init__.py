"""Reading list pages: which links are articles, which are other list pages, which are the
next pages of the same column.

The generic reader (links.py) handles ordinary anchors and the paging words 下一页/尾页/numbers;
each CMS family whose list pages hide links or paging from a plain link extractor has its own
module with the same shape: a function from a parsed page to more Links.
"""

from crawler.discovery.links import Link, LinkKind, classify_url, discover

__all__ = ["Link", "LinkKind", "classify_url", "discover"]
