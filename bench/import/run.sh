#!/usr/bin/env bash
# Benchmarks `leadbot import leads` on a generated 100,000-row file with 20 attribute columns,
# beside psql's \copy of the same file into a plain table of text columns on the same throwaway
# server, in the same run. Prints rows/s for the first import (every row new), for a re-import
# (every row unchanged), for \copy, and ratio = first import / \copy. Also psql's \copy of the
# finished rows straight into the real leads table (leads-copy-rows/s): PostgreSQL's own cost of
# writing them, with no client work; floor-ratio = that / the plain \copy is the most any loader
# could reach, and of-floor = our import / that.
#
# Usage: bench/import/run.sh [count]     (default 3 runs; each takes ~10 s)
# Set TEST_DATABASE_URL to measure against a server you already have.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v psql >/dev/null || { echo "run.sh: psql is needed for the \\copy baseline" >&2; exit 1; }
go test -run '^$' -bench '^BenchmarkImportLeads$' -benchtime 1x -count "${1:-3}" -timeout 10m ./store
