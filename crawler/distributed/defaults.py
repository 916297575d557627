"""The distributed commands' defaults, apart from the modules that need Redis and Dramatiq: the
command line reads them without importing those (every `crawler crawl` starts the command line)."""

DEFAULT_DEAD_AFTER = 60.0  # seconds without a heartbeat after which a worker's jobs go elsewhere
DEFAULT_TRIES = 5  # the writer's tries at a result before it is kept aside
