"""Discovery: which links of a page are articles, list pages, paging or attachments (links.py), and
the generic link reader that asks the CMS families (reader.py)."""
