"""Health, readiness, Prometheus metrics, structured logs with a request id."""
