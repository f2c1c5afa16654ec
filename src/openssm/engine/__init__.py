"""Background workers: they claim due work from the database and act on it."""
