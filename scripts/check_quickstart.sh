#!/usr/bin/env bash
# Run the README's first command in a clean copy of the project and check that the store
# answers /healthz and serves its storefront. Stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."

workdir=$(mktemp -d)
port=${QUICKSTART_PORT:-18765}
trap 'kill -- -"$pid" 2>/dev/null || true; sleep 1; rm -rf "$workdir"' EXIT

git ls-files -z | tar --null -T - -cf - | tar -xf - -C "$workdir"
command=$(awk '/^```bash/{inside=1; next} /^```/{if (inside) exit} inside' README.md | head -n 1)
echo "quickstart: $command (port $port, in $workdir)"

cd "$workdir"
PORT=$port setsid bash -c "$command" >quickstart.log 2>&1 &
pid=$!

for _ in $(seq 300); do
  if curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then
    curl -fsS "http://127.0.0.1:$port/api/v1/products?limit=1" >/dev/null
    echo "quickstart: the store answers on port $port"
    exit 0
  fi
  if ! kill -0 "$pid" 2>/dev/null; then break; fi
  sleep 1
done
echo "quickstart: the store did not come up; its output:" >&2
tail -n 40 quickstart.log >&2
exit 1
