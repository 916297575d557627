"""The site registry: sites.toml read into checked ``Site`` objects, and schedule strings into
APScheduler triggers. The first stage: everything else takes its sites from here."""
