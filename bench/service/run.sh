#!/usr/bin/env bash
# Benchmarks of the running service, through the sandbox and a throwaway PostgreSQL:
#   - ack latency (p50 / p99) over a burst of 1,000 button clicks: arriving at 250 and 500 a
#     second, and from 10 and 50 users clicking as fast as they are acked; the bot runs as
#     `leadbot serve` in its own process (bot=process) and in the benchmark's (bot=inprocess);
#   - a digest to 1,000 reps with 5 leads each under the sandbox's realistic rate limits, as a
#     fraction of the least time those limits allow, with lost and duplicated messages (~100 s);
#   - the sandbox's own round trip (what it adds to the bot's latency);
#   - the nightly retrain end to end on 200,000 leads, 20,000 outcomes, 5,000 feedback rows, per stage;
#   - the per-test cost of a fresh migrated database.
# Usage: bench/service/run.sh [quick]   (quick skips the 1,000-rep digest)
# Figures depend on the machine's load: run it on a quiet machine.
set -euo pipefail
cd "$(dirname "$0")/../.."
filter() { grep -E '^(Benchmark|ok|FAIL|---)' || true; }
echo "== ack latency through the sandbox"
go test -run '^$' -bench 'AckLatencyClickBurst' -benchtime 1x -count 2 -timeout 20m ./handlers | filter
if [ "${1:-}" != quick ]; then
  echo "== digest to 1,000 reps under realistic rate limits"
  go test -run '^$' -bench 'DigestThousandReps' -benchtime 1x -timeout 30m ./handlers | filter
fi
echo "== sandbox round trip"
go test -run '^$' -bench . -benchtime 3000x ./sandbox | filter
echo "== retrain 200k"
go test -run '^$' -bench 'Retrain200k' -benchtime 1x -timeout 30m ./training | filter
echo "== per-test database"
go test -run '^$' -bench 'NewDB' -benchtime 30x ./internal/pgtest | filter
