"""Crawling on many machines, on Redis with Dramatiq.

- The scheduler (``scheduler.py --broker redis://…``) sends each crawl of due sites as a job on
  the ``crawl`` queue, with the sites' crawl state read from archive.db and the registry (kept in
  Redis by its hash). A site is in one job at a time: a Redis lock per site, taken when the job
  is sent and given back when its result is in the archive.
- Workers (``crawler worker --broker …``, any number of machines, no shared disk) crawl a job's
  sites into a journal (crawler/archive/journal.py) and WARC files in a folder of their own, and send
  the result back: the files as one blob in Redis, and a message on the ``results`` queue.
- One writer (``crawler writer --broker … --db archive.db``) owns archive.db: it replays each
  result in one transaction, once per job, moves the WARC files beside the archive and tells the
  scheduler the job is done.

A worker killed mid-crawl leaves its job unacknowledged; when its heartbeat is older than
``--dead-after`` seconds another worker takes the job again (Dramatiq's Redis broker).
"""
