"""The proof tests use the shared fixtures: `live_server` (tests/fixtures/servers.py) and
the store processes of tests/fixtures/processes.py."""
