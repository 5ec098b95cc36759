# Proof of speed, load, faults and hostile input (see docs/benchmarks.md and docs/deploy.md).
PYTHON ?= .venv/bin/python
PYTEST ?= .venv/bin/pytest
BENCH_ARGS ?=

.PHONY: bench bench-full bench-faults bench-docs bench-instructions bench-flash \
	bench-profile proof bench-tools

## wrk (the load generator) comes from Debian; installed once, on first use.
bench-tools:
	@command -v wrk >/dev/null 2>&1 || (apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null)

## Quick benchmark (a few minutes): 10k products, 5 s per wrk run, 30 s soak, 10k/100k scaling.
bench: bench-tools
	$(PYTHON) -m bench.run $(BENCH_ARGS)

## The full claim: 100k products, 10 s runs, a 600 s soak, and the 1M step (loads for minutes).
bench-full: bench-tools
	$(PYTHON) -m bench.run --products 100000 --seconds 10 --soak-seconds 600 \
		--scaling 10000,100000,1000000 $(BENCH_ARGS)

## Faults under load: kill -9 a server, Stripe failing/slow, PostgreSQL (private cluster) restart.
bench-faults: bench-tools
	$(PYTHON) -m bench.run --faults --scaling '' --soak-seconds 10 $(BENCH_ARGS)

## What docs/benchmarks.md shows: 100k products, faults, scaling up to 1M, written to the page.
bench-docs: bench-tools
	$(PYTHON) -m bench.run --products 100000 --seconds 10 --soak-seconds 120 --faults \
		--scaling 10000,100000,1000000 --write-docs $(BENCH_ARGS)

## A flash sale: 1,000 customers race for 100 units (basket -> checkout -> pay -> webhook),
## two store processes and two workers; orders/s, time to sell out, p99 per step, invariants.
bench-flash:
	$(PYTHON) -m bench.flash $(BENCH_ARGS)

## Where each write request (basket, checkout, webhook) spends its CPU: py-spy on one process.
bench-profile: bench-tools
	$(PYTHON) -m bench.profile_writes $(BENCH_ARGS)

## Instructions per request (callgrind), steady where req/s is not; uses `make bench`'s catalog.
bench-instructions:
	@command -v valgrind >/dev/null 2>&1 || (apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind >/dev/null)
	$(PYTHON) -m bench.instructions $(BENCH_ARGS)

## The proof tests: hostile input (schemathesis), headers, more than one process.
proof:
	$(PYTEST) tests/proof -q
