"""Benchmarks, the load test, the boundary rebuild and the test harness (server + browser). Not imported by
the app; its own requirements are in tools/requirements.txt."""
