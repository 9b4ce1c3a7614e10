#!/usr/bin/env bash
# Runs every parser's and decoder's fuzz target for FUZZTIME (default 10s).
#
# A target fails when it finds an input that fails (Go writes it to
# testdata/fuzz/…) or fails any other way. One exception, retried once: Go
# before 1.27 may end a duration-bound run with a bare "context deadline
# exceeded" as the -fuzztime deadline races a busy worker, having found
# nothing (golang/go#75804, fixed in Go 1.27).
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
FUZZTIME=${FUZZTIME:-10s}
log=$(mktemp)
trap 'rm -f "$log"' EXIT

run() { # package target
  "$GO" test -run '^$' -fuzz "^$2\$" -fuzztime "$FUZZTIME" -fuzzminimizetime 2s "$1" >"$log" 2>&1
}

deadline_race() {
  grep -q 'context deadline exceeded' "$log" && ! grep -q 'Failing input written to' "$log" &&
    ! grep -qE '^\s+[a-z_]+_test\.go:[0-9]+:|panic:' "$log"
}

for file in $(grep -rl --include='*_test.go' '^func Fuzz' ingest graph server cases | sort); do
  pkg=./$(dirname "$file")
  for target in $(grep -o '^func Fuzz[A-Za-z0-9_]*' "$file" | sed 's/^func //'); do
    echo "fuzz $pkg $target ($FUZZTIME)"
    if run "$pkg" "$target"; then
      continue
    fi
    if deadline_race; then
      echo "fuzz $pkg $target: Go's fuzztime deadline race (golang/go#75804), nothing found; running it again"
      if run "$pkg" "$target"; then
        continue
      fi
    fi
    cat "$log"
    exit 1
  done
done
