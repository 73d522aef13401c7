#!/usr/bin/env bash
# Benchmarks the Salesforce sync through the fake org (crmsync/salesforce/sffake) on a throwaway
# PostgreSQL: a first sync of 100,000 leads and 20,000 opportunities (API calls against the fewest
# the API allows, records/s, and the CSV import of the same leads as the peer), an incremental sync
# of 1,000 changes, a write-back of 100,000 changed scores (calls against the minimum), and the
# latency from a change in the CRM to the "hot now" DM in the Slack sandbox.
#
# Usage: bench/crmsync/run.sh [benchmark regexp]     (default all; about 4 minutes on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/../.."
go test -run '^$' -bench "${1:-.}" -benchtime 1x -timeout 20m ./bench/crmsync
