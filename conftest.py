# The claims plugin; it stays inert unless the `claims_registry` ini option is set.
pytest_plugins = ["claimcheck.plugin"]
