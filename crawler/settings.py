"""Scrapy settings for the archive crawler: polite by default.

Every value can be overridden per crawl with ``-s NAME=VALUE`` (``crawler crawl`` and
``scrapy crawl`` alike). Tests lower the delays; real sites get one request at a time per host,
a delay that adapts to the server, robots.txt, and a User-Agent that says who is asking.
"""

import os as _os

from scrapy.settings import default_settings as _scrapy_defaults

BOT_NAME = "summary-archive"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# Who we are: operators should put their own contact address here (see README, "Politeness").
USER_AGENT = "summary-archive/0.1 (+https://pypi.org/project/summary-archive/; archive of public work summaries)"
ROBOTSTXT_OBEY = True

# One request at a time per host, at least 2 s apart (a site's `download_delay` in sites.toml is
# its own floor), slower when the server is slow (crawl/throttle.py).
CONCURRENT_REQUESTS = 8
# A page yields one or two items: Scrapy starts this many tasks per response to process them,
# and the default (100) spends more on starting tasks than on the items (benchmarks/cpu.py).
CONCURRENT_ITEMS = 4
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 2.0
# Each wait is the site's floor plus up to this share more, at random: 2–3 s by default.
ARCHIVE_DELAY_SPREAD = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
# AutoThrottle that never goes below a site's own delay.
EXTENSIONS = {
    "scrapy.extensions.throttle.AutoThrottle": None,
    "crawler.crawl.throttle.SiteThrottle": 0,
    "crawler.crawl.throttle.AnswerSpacing": 0,
}

# A crawl of many sites: the next request comes from the site with the fewest on their way, so
# that one site's long queue (each request 2 s after the last) never holds the others up.
SCHEDULER_PRIORITY_QUEUE = "scrapy.pqueues.DownloaderAwarePriorityQueue"

DOWNLOAD_TIMEOUT = 30
# Articles are tens of kilobytes; anything past this is cut off unread and recorded.
DOWNLOAD_MAXSIZE = 8 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
# Linked PDF and Word files (sites.toml's `attachments`) have a limit of their own: a summary of
# tens of pages printed to PDF with embedded fonts and a few photos runs to 5–20 MB; past 40 MB a
# file is mostly scans. Each is read in a process of its own, stopped after this many seconds.
ARCHIVE_ATTACHMENT_MAXSIZE = 40 * 1024 * 1024
ARCHIVE_ATTACHMENT_TIME_LIMIT = 120.0
RETRY_ENABLED = True
RETRY_TIMES = 2
# Server trouble is retried; anti-bot answers (403, 412, 429, 521) are not: see
# ARCHIVE_BLOCKED_LIMIT.
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408]
# The n-th retry of a request waits RETRY_BACKOFF_BASE * 2**(n-1) seconds, at most RETRY_BACKOFF_MAX.
RETRY_BACKOFF_BASE = 5.0
RETRY_BACKOFF_MAX = 120.0
REDIRECT_MAX_TIMES = 5
METAREFRESH_ENABLED = True
TELNETCONSOLE_ENABLED = False
# Scrapy 2.19's RemoteControl runs Python sent to a local HTTP port and leaves job files in
# ~/.local/state/scrapy: a long-running crawler service wants neither.
REMOTE_CONTROL_ENABLED = False
# Not even loaded: Scrapy imports a listed extension (and RemoteControl imports aiohttp, a quarter
# of a second of every crawl process) before it reads that it is off. Scrapy's other extensions
# stay as Scrapy lists them.
EXTENSIONS_BASE = {
    path: order
    for path, order in _scrapy_defaults.EXTENSIONS_BASE.items()
    if path != "scrapy.extensions.remote_control.RemoteControl"
}
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
# Scrapy's own lines, without a DEBUG record per page and per item below LOG_LEVEL DEBUG.
LOG_FORMATTER = "crawler.crawl.middlewares.QuietLogFormatter"

DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5",
}

DOWNLOADER_MIDDLEWARES = {
    "crawler.crawl.middlewares.SiteScopeMiddleware": 50,
    "crawler.crawl.state.BlockedSiteMiddleware": 55,
    "crawler.crawl.state.ConditionalRequestMiddleware": 60,
    "crawler.crawl.recheck.RecheckMiddleware": 62,
    "crawler.crawl.guards.TrapCutMiddleware": 65,
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.crawl.middlewares.RobotsTxtRefusalMiddleware": 100,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.crawl.middlewares.BackoffRetryMiddleware": 550,
    # Sees a 429 before the retries and the anti-bot count do: it is waited out (crawl/guards.py).
    "crawler.crawl.guards.RetryAfterMiddleware": 560,
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.crawl.middlewares.MetaRefreshLimitMiddleware": 580,
    # JS challenges solved and pages rendered in the headless browser (crawl/browsing.py): after
    # robots.txt; an answer is seen decompressed, and before retries and meta refreshes, so that
    # a challenge answered 503 is solved, not retried, and one that refreshes is not followed.
    "crawler.crawl.browsing.BrowserMiddleware": 585,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "crawler.crawl.middlewares.RedirectLimitMiddleware": 600,
    # Next to the downloader: it sees each response as it came, before decompression.
    "crawler.crawl.warc.WarcMiddleware": 950,
}

# Every request and item a page yields passes each spider middleware's wrapper: the ones whose
# work the spider does itself are left out (benchmarks/cpu.py). The spider keeps its own depth
# (hops, a site's max_depth) and refuses URLs longer than URLLENGTH_LIMIT itself.
SPIDER_MIDDLEWARES = {
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
    "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,
    "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,
}

# One concern per pipeline, in this order.
ITEM_PIPELINES = {
    "crawler.crawl.pipelines.ClassifyPipeline": 100,
    "crawler.crawl.pipelines.FingerprintPipeline": 200,
    "crawler.crawl.pipelines.ArchivePipeline": 900,
}

# Where the archive lives; `crawler crawl --db` sets it.
ARCHIVE_DB = "archive.db"
# Fetch article URLs again even when the archive already has them.
ARCHIVE_REFRESH = False
# A URL that failed (server error, redirect loop, off-site redirect, too large, timeout) is asked
# for again after 1, 2, 4 … days, at most 32, by later crawls (see the failed_urls table).
ARCHIVE_RETRY_AFTER_DAYS = 1.0
ARCHIVE_RETRY_AFTER_MAX_DAYS = 32.0
# After this many anti-bot answers (403, 412, 429, 521, ...) a site gets no more requests this run.
ARCHIVE_BLOCKED_LIMIT = 3
# The headless browser for JS challenges and pages only a browser can read (crawl/browser.py):
# a Chromium's path, empty for the one on the PATH, "off" for none. A site's challenge is solved
# at most ARCHIVE_CHALLENGE_SOLVES times a run (it comes back when its cookie expires); at most
# ARCHIVE_RENDER_BUDGET pages a site are rendered because reading them plainly found nothing
# (render = true has no such limit); each page has ARCHIVE_BROWSER_PAGE_TIMEOUT seconds (0: the
# DOWNLOAD_TIMEOUT).
ARCHIVE_BROWSER = ""
ARCHIVE_CHALLENGE_SOLVES = 3
ARCHIVE_RENDER_BUDGET = 10
ARCHIVE_BROWSER_PAGE_TIMEOUT = 0.0
# A 429 (or a 503 with Retry-After) is waited out as Retry-After says, at most this many seconds
# (this long when it says nothing), and the site's delay raised to the wait; a request refused
# again after ARCHIVE_REFUSAL_RETRIES waits counts as an anti-bot answer.
ARCHIVE_RETRY_AFTER_MAX = 60.0
ARCHIVE_RETRY_AFTER_DEFAULT = 5.0
ARCHIVE_REFUSAL_RETRIES = 3
# A URL shape (numbers masked) whose pages held no article this many times, and never one, is a
# trap (a calendar, a pager past its end): its further pages are not asked for, now or later.
ARCHIVE_TRAP_SHAPE_LIMIT = 8
# Keep every response as WARC (crawler/crawl/warc.py) in ARCHIVE_WARC_DIR, by default
# `<archive stem>-warc/` beside the archive, in files rolled at ARCHIVE_WARC_MAX_BYTES.
ARCHIVE_WARC = True
ARCHIVE_WARC_DIR = ""
ARCHIVE_WARC_MAX_BYTES = 100_000_000
# How the WARC records are gzipped: "fast" (ISA-L's igzip, python-isal: a fifth of zlib's CPU at
# level 3 on real pages, records 5 % larger; zlib 3 where isal is missing), or zlib's level, 1
# (fastest) to 9 (smallest). Every gzip reader reads either.
ARCHIVE_WARC_GZIP_LEVEL = "fast"
# A response of this many bytes or more is gzipped in the reactor's thread pool, beside the
# crawl's reading of other pages (gzip lets go of the GIL); smaller ones where they come.
ARCHIVE_WARC_THREAD_BYTES = 16_384
# Article pages of this many bytes or more are read (decoded, parsed, extracted) in reader
# processes beside the crawl, ARCHIVE_READERS of them (0: every page in the crawl's process, as
# on a machine of one core, where a reader would only take turns with the crawl);
# crawler/crawl/readers.py.
ARCHIVE_READERS = 2 if (_os.cpu_count() or 1) > 1 else 0
ARCHIVE_READ_ASIDE_BYTES = 16_384
# True: such pages wait (the crawl fetching meanwhile) for the readers to start, rather than being
# read in the crawl's process until they are up (a crawl that must read every one aside).
ARCHIVE_READERS_WAIT = False
# The start of each WARC file's name (a worker adds its host, so names from many machines differ).
ARCHIVE_WARC_PREFIX = "crawl"
# A crawl on a worker (crawler worker): writes go to this journal instead of the archive, and the
# sites' state is read from this file (sent with the job) instead of the archive.
ARCHIVE_JOURNAL = ""
ARCHIVE_STATE_FILE = ""
