#!/usr/bin/env bash
# Fuzzes every cargo-fuzz target for SECONDS each (default 20), starting from
# its seeds in fuzz/corpus/TARGET (drawn from testdata/). New inputs go to a
# scratch directory, so the committed seeds stay as they are. A crash fails
# the run and names the reproducer (fuzz/artifacts/TARGET/…).
#
#   scripts/fuzz.sh [SECONDS]      (needs the nightly toolchain and cargo-fuzz)
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
secs=${1:-20}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for target in $(cargo +nightly fuzz list); do
  mkdir -p "corpus/$target" "$scratch/$target"
  log="$scratch/$target.log"
  if cargo +nightly fuzz run "$target" "$scratch/$target" "corpus/$target" -- \
      -max_total_time="$secs" >"$log" 2>&1; then
    echo "fuzz $target: $(grep -o 'Done [0-9]* runs' "$log" | tail -n 1) in ${secs}s, no crash"
  else
    echo "fuzz $target FAILED:"
    tail -n 40 "$log"
    echo "reproducer: $(ls -t "artifacts/$target"/* 2>/dev/null | head -n 1)"
    exit 1
  fi
done
