"""Run the crawls on the schedules in sites.toml, as a long-running service.

    python scheduler.py [--sites sites.toml] [--db archive.db]

Same as `crawler schedule`; see crawler/scheduling.py and the README section "Running as a service".
"""

import sys

from crawler.scheduling import main

if __name__ == "__main__":
    sys.exit(main())
