"""One crawl: the runner that starts Scrapy, the downloader middlewares (scope, robots.txt, retries,
WARC), the crawl state (admission, budgets, validators, anti-bot limits), the failure kinds, the
items and the pipelines that hand pages to classify, fingerprint and the archive; and re-reading
stored responses (reprocess) and trying a site before it is added (check-site)."""
