"""The scheduler above the crawls: the APScheduler service (service.py), the pool that gathers due
sites into a bounded number of crawl processes (pool.py), and one crawl process, its time limit
and its settlement (crawljob.py)."""
